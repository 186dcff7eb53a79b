"""The recipe levers as TrainConfig fields and flags: differentiable augmentation, two time-scale learning
rates, Adam betas, lazy gradient penalty; each checked on what it must do, not only that it parses."""
from __future__ import annotations

import dataclasses
import json

import pytest
import torch
from click.testing import CliRunner

from registry.layout import run_dir
from training.augment import augment, color, cutout, parse_policy, translation
from training.config import TrainConfig
from training.errors import InvalidTrainConfig
from training.job import TrainJob
from training.losses.wgan_gp import gradient_penalty
from training.wgan_gp import new_state, train_steps
from zoo.cli import main
from zoo.nets import NetConfig, build_critic, build_generator


def test_translation_shifts_whole_images_and_fills_with_zero():
    x = torch.zeros(64, 1, 8, 8)
    x[:, :, 3, 3] = 1.0  # one bright pixel
    out = translation(x, torch.Generator().manual_seed(0))
    where = [tuple(torch.nonzero(o[0]).tolist()[0]) for o in out]  # the pixel moved by at most 1 (= 8 / 8)
    assert all(abs(r - 3) <= 1 and abs(c - 3) <= 1 for r, c in where) and len(set(where)) > 1
    assert torch.allclose(out.sum(dim=(1, 2, 3)), torch.ones(64))  # moved, never duplicated or lost


def test_cutout_zeroes_one_square_of_half_the_size():
    x = torch.ones(32, 1, 8, 8)
    out = cutout(x, torch.Generator().manual_seed(0))
    zeros = (out == 0).sum(dim=(1, 2, 3))
    assert zeros.max() == 16 and zeros.min() >= 4  # a 4x4 square, clipped at the borders


def test_color_keeps_rgb_and_grey_shapes_and_is_differentiable():
    for c in (1, 3):
        x = torch.rand(4, c, 8, 8, requires_grad=True)
        out = color(x, torch.Generator().manual_seed(0))
        out.sum().backward()
        assert out.shape == x.shape and x.grad is not None and x.grad.abs().sum() > 0


def test_augmentation_is_differentiable_and_reproducible():
    x = torch.rand(6, 1, 16, 16, requires_grad=True)
    policy = parse_policy("cutout,translation,color")
    assert policy == ("color", "translation", "cutout")  # the paper's order, whatever order was asked
    a = augment(x, policy, torch.Generator().manual_seed(3))
    assert torch.equal(a, augment(x, policy, torch.Generator().manual_seed(3)))
    (a * torch.rand_like(a)).sum().backward()
    assert x.grad.abs().sum() > 0


def test_unknown_augmentations_list_the_choices(tmp_path):
    with pytest.raises(InvalidTrainConfig, match="'flip': expected 'none' or a comma list of color, translation"):
        TrainConfig(augment="translation,flip")
    assert TrainConfig(augment="cutout, translation").augment == "translation,cutout"
    res = CliRunner().invoke(main, ["train", "fashion-mnist", "--augment", "zoom", "--out", str(tmp_path / "r")])
    assert res.exit_code == 2 and res.output.count("\n") == 1 and "color, translation, cutout" in res.output


def test_gradient_penalty_on_a_linear_critic_has_a_known_answer():
    w = torch.tensor([3.0, 4.0])  # D(x) = w . x: gradient norm 5 everywhere, penalty (5 - 1)^2 = 16

    def critic(x, y=None):
        return x.flatten(1) @ w

    real, fake = torch.rand(5, 1, 1, 2), torch.rand(5, 1, 1, 2)
    assert gradient_penalty(critic, real, fake, torch.rand(5, 1, 1, 1)).item() == pytest.approx(16.0)
    # zero-centred (Thanh-Tung et al. 2019): the squared norm itself
    assert gradient_penalty(critic, real, fake, torch.rand(5, 1, 1, 1), target=0.0).item() == pytest.approx(25.0)


def _run(cfg: TrainConfig, steps: int = 4):
    state = new_state(cfg, cfg.net_config((1, 28, 28)), seed=0, device=torch.device("cpu"))
    data = torch.randint(0, 255, (64, 1, 28, 28), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    lines: list[dict] = []
    train_steps(state, data, cfg, deadline_s=600, on_tick=lines.append)
    return state, lines


def tiny(**kw) -> TrainConfig:
    return TrainConfig(**{"preset": "tiny", "batch_size": 8, "latent_dim": 16, "max_steps": 4, "tick_s": 1e-9, **kw})


def test_two_time_scales_set_each_optimizer_and_betas_reach_both():
    state, _ = _run(tiny(lr=1e-4, lr_d=4e-4, betas=(0.5, 0.99)))
    assert state.opt_g.param_groups[0]["lr"] == 1e-4 and state.opt_d.param_groups[0]["lr"] == 4e-4
    assert state.opt_g.param_groups[0]["betas"] == state.opt_d.param_groups[0]["betas"] == (0.5, 0.99)


def test_lazy_gradient_penalty_runs_on_every_kth_critic_step_only():
    _, every = _run(tiny(n_critic=2, gp_every=1))
    _, lazy = _run(tiny(n_critic=2, gp_every=4))
    # One tick per generator step, logging its critic steps: generator step i has critic steps 2i and 2i+1,
    # so with a penalty on every 4th critic step only the even generator steps carry one.
    assert [("gp" in line) for line in every] == [True] * 4
    assert [("gp" in line) for line in lazy] == [True, False, True, False]


def test_augmentation_changes_training_and_its_options_reach_the_record(tmp_path):
    plain, _ = _run(tiny())
    aug, _ = _run(tiny(augment="translation,cutout"))
    assert not all(torch.equal(a, b) for a, b in zip(plain.G.parameters(), aug.G.parameters()))
    res = CliRunner().invoke(main, ["train", "fashion-mnist", "--labels", "4", "--max-steps", "3", "--preset", "tiny",
                                    "--augment", "translation", "--lr-d", "3e-4", "--betas", "0.5", "0.9",
                                    "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    record = json.loads((run_dir(tmp_path, "fashion-mnist", 4) / "config.json").read_text())["job"]["config"]
    assert (record["augment"], record["lr_d"], record["betas"]) == ("translation", 3e-4, [0.5, 0.9])


def test_the_ema_of_the_generator_is_what_gets_saved(tmp_path, monkeypatch):
    import training.run as run_module
    from registry import LocalRegistry
    from training.job import TrainJob

    states = []
    real_new_state = run_module.new_state
    monkeypatch.setattr(run_module, "new_state", lambda *a, **k: states.append(real_new_state(*a, **k)) or states[-1])
    (unit,) = TrainJob("fashion-mnist", (2,), str(tmp_path), tiny(max_steps=3)).label_jobs()
    run_module.run_label(unit)
    saved = LocalRegistry(tmp_path).read_generator("fashion-mnist", 2).tensors
    ema, raw = states[0].G_ema.state_dict(), states[0].G.state_dict()
    assert all(torch.equal(saved[k], ema[k]) for k in ema)
    assert any(not torch.equal(saved[k], raw[k]) for k in raw if raw[k].is_floating_point())


def test_the_ema_follows_its_rule_step_by_step():
    """ema <- ema + (1 - d) (G - ema), d = min(decay, (1 + t) / (10 + t)) at generator step t (0-based)."""
    cfg = tiny(max_steps=1, ema_decay=0.999)
    state = new_state(cfg, cfg.net_config((1, 28, 28)), seed=0, device=torch.device("cpu"))
    data = torch.randint(0, 255, (64, 1, 28, 28), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    expected = {k: v.clone() for k, v in state.G_ema.named_parameters()}
    for t in range(3):
        train_steps(state, data, dataclasses.replace(cfg, max_steps=t + 1), deadline_s=600)
        d = min(0.999, (1 + t) / (10 + t))
        for name, p in state.G.named_parameters():
            expected[name] += (1 - d) * (p.detach() - expected[name])
        got = dict(state.G_ema.named_parameters())
        assert all(torch.allclose(got[k], expected[k], atol=1e-6, rtol=0) for k in expected), t
    assert any(not torch.equal(dict(state.G.named_parameters())[k], expected[k]) for k in expected)  # not a copy


@pytest.mark.parametrize("arch, resolution", [("dcgan", 28), ("resnet", 32)])
def test_the_critic_width_sets_the_critics_capacity_and_leaves_the_generator(arch, resolution):
    base = TrainConfig(arch=arch, preset="tiny")
    wide = TrainConfig(arch=arch, preset="tiny", critic_width=2.0)
    a, b = base.net_config((1, resolution, resolution)), wide.net_config((1, resolution, resolution))
    assert a.critic_width is None and "critic_width" not in a.to_json()  # files of the default stay as they were
    assert b.critic_width == 2 * a.width and NetConfig.from_json(b.to_json()) == b
    size = lambda net: sum(p.numel() for p in net.parameters())  # noqa: E731
    assert size(build_critic(b)) > 2 * size(build_critic(a))
    assert size(build_generator(b)) == size(build_generator(a))
    assert build_critic(b)(torch.rand(2, 1, resolution, resolution)).shape == (2,)
    with pytest.raises(InvalidTrainConfig, match="critic_width: expected a multiple of the generator's width"):
        TrainConfig(critic_width=8.0)
    job = lambda cfg: TrainJob("digits", (0,), "/reg", cfg)  # noqa: E731
    assert "config.critic_width" not in job(base).shaping()  # identities from before the option are unchanged
    assert job(base).differences(job(wide)) == ["config.critic_width: <none> -> 2.0"]


def test_a_layer_norm_critic_scores_each_image_on_its_own_and_batch_norm_is_refused_with_the_penalty():
    base, layer = TrainConfig(preset="tiny", critic_norm="none"), TrainConfig(preset="tiny")
    a, b = base.net_config((1, 28, 28)), layer.net_config((1, 28, 28))
    assert a.critic_norm == "none" and b.critic_norm == "layer" and NetConfig.from_json(b.to_json()) == b
    torch.manual_seed(0)
    D = build_critic(b).train()
    assert any(isinstance(m, torch.nn.GroupNorm) for m in D.modules())
    x = torch.rand(6, 1, 28, 28)
    with torch.no_grad():  # per image: an image's score does not depend on the others in its batch (as the
        alone = torch.cat([D(x[i:i + 1]) for i in range(6)])  # gradient penalty assumes), unlike batch norm's
        batch_norm = build_critic(dataclasses.replace(b, critic_norm="batch")).train()
        assert torch.allclose(D(x), alone, atol=1e-5)
        # every image's score, not one: a single image's moved by under 1e-3 in 1.5% of random nets (stop 42's CI)
        assert not torch.allclose(batch_norm(x), torch.cat([batch_norm(x[i:i + 1]) for i in range(6)]), atol=1e-3)
    with pytest.raises(InvalidTrainConfig, match="critic_norm: expected a critic normalisation loss "
                       "'wgan-gp' with architecture 'dcgan' allows: layer, none"):
        TrainConfig(critic_norm="batch")
    with pytest.raises(InvalidTrainConfig, match="architecture 'resnet' allows: layer, none"):
        TrainConfig(arch="resnet", critic_norm="batch")
    resnet = build_critic(TrainConfig(arch="resnet", preset="tiny", critic_norm="layer").net_config((1, 28, 28)))
    with torch.no_grad():  # the ResNet critic's layer norm: per image too
        assert torch.allclose(resnet(x), torch.cat([resnet(x[i:i + 1]) for i in range(6)]), atol=1e-5)
    assert sum(isinstance(m, torch.nn.GroupNorm) for m in resnet.modules()) == 5  # all but the image's own
    assert TrainConfig.for_loss("dcgan", critic_norm="layer").net_config((1, 28, 28)).critic_norm == "layer"
    assert TrainConfig.for_loss("dcgan").net_config((1, 28, 28)).critic_norm == "batch"  # each loss its own
    assert TrainConfig(loss="dcgan").critic_norm == "batch"
    assert TrainConfig.for_loss("wgan-gp", mode="conditional").critic_norm == "none"  # as it was tuned
    job = lambda cfg: TrainJob("digits", (0,), "/reg", cfg)  # noqa: E731
    assert "config.critic_norm" not in job(base).shaping()  # identities from before layer norm are unchanged
    assert job(base).differences(job(layer)) == ["config.critic_norm: <none> -> 'layer'"]
    for saved_then in ({k: v for k, v in base.to_json().items() if k != "critic_norm"},  # before the field
                       {**base.to_json(), "critic_norm": "auto"}):  # before each loss had its own default
        then = TrainConfig.from_json(saved_then)
        assert then.net_config((1, 28, 28)).critic_norm == "none" and job(then).shaping() == job(base).shaping()
    dcgan_then = TrainConfig.from_json({**TrainConfig.for_loss("dcgan").to_json(), "critic_norm": "auto"})
    assert dcgan_then == TrainConfig.for_loss("dcgan") and "config.critic_norm" not in job(dcgan_then).shaping()
    result = CliRunner().invoke(main, ["train", "digits", "--critic-norm", "group"])
    assert result.exit_code == 2 and "'none', 'layer', 'batch'" in result.output


def _lrs_used(state, cfg: TrainConfig) -> list[tuple[float, float]]:
    """(generator lr, critic lr) at every generator step ``train_steps`` takes from ``state``."""
    used: list[tuple[float, float]] = []
    real_step = state.opt_g.step
    state.opt_g.step = lambda: used.append((state.opt_g.param_groups[0]["lr"], state.opt_d.param_groups[0]["lr"])) \
        or real_step()
    data = torch.randint(0, 255, (64, 1, 28, 28), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    train_steps(state, data, cfg, deadline_s=600)
    return used


def test_linear_lr_decay_goes_down_to_zero_over_the_phase_and_resumes_on_schedule():
    cfg = tiny(lr=4e-4, lr_d=8e-4, lr_decay="linear")
    new = lambda: new_state(cfg, cfg.net_config((1, 28, 28)), seed=0, device=torch.device("cpu"))  # noqa: E731
    at_once = _lrs_used(new(), cfg)
    assert at_once == [pytest.approx((4e-4 * f, 8e-4 * f)) for f in (1.0, 0.75, 0.5, 0.25)]
    # Progress is read from the state (steps, seconds trained: what a checkpoint restores), so a run resumed at
    # step 2 goes on where the schedule was, not from the top.
    resumed = new()
    resumed.step = 2
    assert _lrs_used(resumed, cfg) == at_once[2:]
    assert _lrs_used(new(), dataclasses.replace(cfg, lr_decay="none")) == [(4e-4, 8e-4)] * 4


def test_lr_decay_is_an_option_that_shapes_the_job_and_unknown_values_list_the_choices(tmp_path):
    job = lambda cfg: TrainJob("digits", (0,), "/reg", cfg)  # noqa: E731
    assert "config.lr_decay" not in job(TrainConfig()).shaping()  # identities from before the option unchanged
    decayed = job(TrainConfig(lr_decay="linear"))
    assert job(TrainConfig()).differences(decayed) == ["config.lr_decay: <none> -> 'linear'"]
    assert job(TrainConfig()).start_key() != decayed.start_key()  # the start decays too, so it is another start
    with pytest.raises(InvalidTrainConfig, match="lr_decay: expected one of none, linear"):
        TrainConfig(lr_decay="cosine")
    res = CliRunner().invoke(main, ["train", "fashion-mnist", "--lr-decay", "step", "--out", str(tmp_path / "r")])
    assert res.exit_code == 2 and "'step' is not one of 'none', 'linear'" in res.output


def test_the_penalty_target_and_drift_shape_the_job_change_training_and_refuse_bad_values(tmp_path):
    job = lambda cfg: TrainJob("digits", (0,), "/reg", cfg)  # noqa: E731
    shaping = job(TrainConfig()).shaping()
    assert "config.gp_target" not in shaping and "config.drift" not in shaping  # identities from before unchanged
    zero, drift = job(TrainConfig(gp_target=0)), job(TrainConfig(drift=1e-3))
    assert job(TrainConfig()).differences(zero) == ["config.gp_target: <none> -> 0.0"]
    assert len({job(TrainConfig()).start_key(), zero.start_key(), drift.start_key()}) == 3  # the start trains with them
    plain, _ = _run(tiny())
    for changed in (tiny(gp_target=0.0), tiny(drift=0.5)):
        other, _ = _run(changed)
        assert not all(torch.equal(a, b) for a, b in zip(plain.D.parameters(), other.D.parameters()))
    for field, bad, expected in (("gp_target", -1.0, "a gradient norm in 0..10"), ("drift", 2.0, "a weight in 0..1"),
                                 ("drift", float("nan"), "a weight in 0..1")):
        with pytest.raises(InvalidTrainConfig, match=f"{field}: expected {expected}"):
            TrainConfig(**{field: bad})
    res = CliRunner().invoke(main, ["train", "fashion-mnist", "--drift", "-1", "--out", str(tmp_path / "r")])
    assert res.exit_code == 2 and res.output.count("\n") == 1 and "drift" in res.output
    assert not (tmp_path / "r").exists()
