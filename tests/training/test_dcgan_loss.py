"""`--loss dcgan`, the paper's baseline: the loss functions on known inputs, the recipe defaults, a tiny real
run that is saved, served, resumed and reported like a WGAN-GP one, and the one-line errors."""
from __future__ import annotations

import dataclasses
import json
import math

import pytest
import torch
from click.testing import CliRunner

import zoo
from registry import LocalRegistry, verify
from training import losses
from training.config import TrainConfig
from training.errors import InvalidTrainConfig
from training.job import TrainJob
from zoo.cli import main
from zoo.loading import generator_from_file
from zoo.nets import NetConfig, build_critic


class Fixed(torch.nn.Module):
    """A 'critic' that returns the first pixel of each image as its score: known logits in, known loss out."""

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return x.flatten(1)[:, 0]


def images(*firsts: float) -> torch.Tensor:
    x = torch.zeros(len(firsts), 1, 2, 2)
    x[:, 0, 0, 0] = torch.tensor(firsts)
    return x


def test_dcgan_losses_on_known_logits():
    eps = torch.zeros(2, 1, 1, 1)
    loss, logged = losses.get("dcgan").critic_loss(Fixed(), images(0.0, 2.0), images(0.0, -2.0), None, eps,
                                                   losses.Penalty(10.0))
    # softplus(-real) + softplus(fake), each averaged: real logits 0, 2; fake logits 0, -2
    sp = lambda v: math.log1p(math.exp(v))  # noqa: E731
    assert loss.item() == pytest.approx((sp(0) + sp(-2)) / 2 + (sp(0) + sp(-2)) / 2)
    assert logged["d_real"].item() == pytest.approx((0.5 + 1 / (1 + math.exp(-2))) / 2)
    assert losses.get("dcgan").generator_loss(torch.tensor([0.0, 3.0])).item() == pytest.approx((sp(0) + sp(-3)) / 2)
    assert losses.get("wgan-gp").generator_loss(torch.tensor([1.0, 3.0])).item() == pytest.approx(-2.0)
    wgan = losses.get("wgan-gp")
    loss, logged = wgan.critic_loss(Fixed(), images(1.0, 3.0), images(0.0, 0.0), None, eps, losses.Penalty(0.0))
    assert logged["wasserstein"].item() == pytest.approx(2.0) and loss.item() == pytest.approx(-2.0)
    # The drift term adds its weight times the mean squared real score: (1 + 9) / 2 = 5
    loss, _ = wgan.critic_loss(Fixed(), images(1.0, 3.0), images(0.0, 0.0), None, eps, losses.Penalty(0.0, drift=0.1))
    assert loss.item() == pytest.approx(-2.0 + 0.1 * 5)


def test_the_dcgan_recipe_is_the_default_for_that_loss_and_flags_still_win(tmp_path):
    cfg = TrainConfig.for_loss("dcgan")
    assert (cfg.lr, cfg.betas, cfg.batch_size, cfg.n_critic) == (1e-4, (0.5, 0.999), 100, 1)
    assert TrainConfig.for_loss("dcgan", batch_size=32).batch_size == 32
    assert cfg.net_config((1, 28, 28)).critic_norm == "batch"
    critic = build_critic(cfg.net_config((1, 28, 28)))
    assert any(isinstance(m, torch.nn.BatchNorm2d) for m in critic.modules())
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in build_critic(TrainConfig().net_config((1, 28, 28)))
                   .modules())
    with pytest.raises(zoo.InvalidConfig, match="critic_norm: architecture 'resnet' offers 'none', 'layer'"):
        NetConfig(arch="resnet", resolution=32, channels=3, critic_norm="batch")


def test_a_dcgan_run_trains_resumes_and_serves_like_a_wgan_gp_one(tmp_path):
    out = tmp_path / "dcgan"
    args = ["train", "fashion-mnist", "--labels", "3,5", "--loss", "dcgan", "--budget", "1s", "--preset", "tiny",
            "--out", str(out)]
    res = CliRunner().invoke(main, args)
    assert res.exit_code == 0, res.output
    reg = LocalRegistry(out)
    record = json.loads((reg.run_dir("fashion-mnist", 3) / "config.json").read_text())
    assert record["job"]["config"]["loss"] == "dcgan" and record["job"]["config"]["betas"] == [0.5, 0.999]
    assert record["job"]["config"]["batch_size"] == 100 and record["net_config"]["critic_norm"] == "batch"
    stats = [json.loads(x) for x in (reg.run_dir("fashion-mnist", 3) / "stats.jsonl").read_text().splitlines()]
    assert {"loss_d", "d_real", "d_fake", "loss_g"} <= stats[-1].keys() and "wasserstein" not in stats[-1]
    gf = reg.read_generator("fashion-mnist", 5)
    assert gf.meta.loss == "dcgan" and reg.index().datasets["fashion-mnist"].generators[5].meta.loss == "dcgan"
    assert zoo.which("fashion-mnist", 5, registry=out).meta.loss == "dcgan"
    x = zoo.sample("fashion-mnist", 5, n=3, seed=0, registry=out)
    with torch.no_grad():
        assert torch.allclose(x, generator_from_file(gf)(zoo.sampling.latents(3, gf.meta.latent_dim, seed=0)))
    assert verify(reg, load_check=generator_from_file).ok
    assert "loss `dcgan`" in zoo.model_card("fashion-mnist", registry=out)
    # Resume: a half-done label picks up its checkpoint when the same job is run again.
    job = TrainJob("fashion-mnist", (7,), str(out.resolve()), TrainConfig.for_loss("dcgan", max_steps=2,
                                                                                       preset="tiny"))
    from training.checkpoint import save_checkpoint
    from training.run import run_label
    from training.wgan_gp import new_state, train_steps
    (unit,) = job.label_jobs()
    state = new_state(job.config, job.config.net_config((1, 28, 28)), seed=job.config.label_seed(7),
                      device=torch.device("cpu"))
    data = torch.randint(0, 255, (50, 1, 28, 28), dtype=torch.uint8)
    train_steps(state, data, dataclasses.replace(job.config, max_steps=1), deadline_s=60)
    folder = reg.run_dir("fashion-mnist", 7)
    folder.mkdir(parents=True)
    save_checkpoint(folder / "checkpoint.pt", state.state_dict(), unit.identity)  # the checkpoint alone decides
    result = run_label(unit)
    assert (result.status, result.resumed_from, result.steps) == ("trained", 1, 2)


def test_a_registry_mixing_losses_is_served_and_reported_per_label(tmp_path):
    out = tmp_path / "mixed"
    for loss, label in (("wgan-gp", "0"), ("dcgan", "1")):
        res = CliRunner().invoke(main, ["train", "fashion-mnist", "--labels", label, "--loss", loss, "--max-steps",
                                        "1", "--preset", "tiny", "--out", str(out)])
        assert res.exit_code == 0, res.output
    assert [zoo.which("fashion-mnist", k, registry=out).meta.loss for k in (0, 1)] == ["wgan-gp", "dcgan"]
    card = zoo.model_card("fashion-mnist", registry=out)
    assert "losses `dcgan`, `wgan-gp`" in card and "| 1 | Trouser |" in card and "| dcgan |" in card


@pytest.mark.parametrize("args,message", [
    (["--loss", "lsgan"], "'lsgan' is not one of 'wgan-gp', 'dcgan'"),
    (["--loss", "dcgan", "--mode", "conditional"], "per-label generators only"),
])
def test_bad_loss_requests_are_one_line_and_exit_2(args, message, tmp_path):
    res = CliRunner().invoke(main, ["train", "fashion-mnist", "--out", str(tmp_path / "r"), *args])
    assert res.exit_code == 2 and message in res.output
    if "per-label" in message:
        assert res.output.count("\n") == 1 and not (tmp_path / "r").exists()
    with pytest.raises(InvalidTrainConfig):
        TrainJob("fashion-mnist", (0,), str(tmp_path), TrainConfig.for_loss("dcgan"), mode="conditional")
