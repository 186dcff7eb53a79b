"""Shared start, per-label finish: a class-conditional start, each label's generator and critic specialised
from it so that they compute what the conditional pair computes for that label, their batch norms calibrated
to the label's own statistics (so that it stays so in training mode), then fine-tuned alone."""
from __future__ import annotations

import dataclasses
import json

import pytest
import torch
from click.testing import CliRunner
from conftest import together

from registry import LocalRegistry
from registry.files import read_extra
from training.config import TrainConfig
from training.errors import InvalidTrainConfig
from training.job import TrainJob
from training.pool import train_jobs
from training.specialize import specialize_critic, specialize_generator
from training.warm_start import CALIBRATION, apply_warm_start, ensure_warm_start, start_name
from training.wgan_gp import new_state
from zoo.cli import main
from zoo.nets import build_critic, build_generator

pytestmark = together("test_conditional_start")

DATASET, CPU = "fashion-mnist", torch.device("cpu")


def _job(root, labels=(0, 3, 7), **config) -> TrainJob:
    cfg = TrainConfig(**{"budget_s": 2.0, "preset": "tiny", "batch_size": 16, "warm_start": 0.5, "tick_s": 0.5,
                         "warm_start_kind": "conditional", **config})
    return TrainJob(DATASET, labels, str(root), cfg)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("cond-start") / "zoo"
    job = _job(root)
    results = train_jobs(job.label_jobs(), workers=1, progress=False)
    LocalRegistry(root).reindex()
    return job, root, results


def _conditional_pair(cond, *, seed: int = 0):
    torch.manual_seed(seed)
    G, D = build_generator(cond), build_critic(cond)
    for m in [*G.modules(), *D.modules()]:  # non-trivial statistics and affine parameters: a dropped one would show
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.5, 0.5), m.running_var.uniform_(0.5, 1.5), m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.3, 0.3)
    return G.eval(), D.eval()


@pytest.mark.parametrize("arch, resolution", [("dcgan", 28), ("resnet", 32)])
def test_a_specialised_pair_computes_what_the_conditional_pair_computes_for_its_label(arch, resolution):
    cfg = TrainConfig(arch=arch, preset="tiny", warm_start_kind="conditional")
    mine = cfg.net_config((1, resolution, resolution))
    G, D = _conditional_pair(dataclasses.replace(mine, num_classes=5, latent_bias=False))
    z, x = torch.randn(16, mine.latent_dim), torch.rand(16, 1, resolution, resolution)
    for label in (0, 3):
        G_label, D_label = build_generator(mine), build_critic(mine)
        G_label.load_state_dict(specialize_generator(G.state_dict(), label, mine.latent_dim))
        D_label.load_state_dict(specialize_critic(D.state_dict(), label))
        y = torch.full((16,), label)
        for mode in ("train", "eval"):
            G.train(mode == "train"), G_label.train(mode == "train")
            want = G(z, y)  # once: a forward in training mode moves the running statistics, in each net alike
            assert torch.allclose(G_label(z), want, atol=1e-5), (label, mode)
        assert torch.allclose(D_label(x), D.eval()(x, y), atol=1e-4)
        assert not torch.allclose(G_label.eval()(z), G.eval()(z, torch.full((16,), 4)), atol=1e-3)  # its label's


@pytest.mark.parametrize("loss", ["wgan-gp", "dcgan"])
def test_calibrated_batch_norm_keeps_the_label_in_training_mode(loss):
    """Specialised and calibrated, a label's nets in training mode on a batch with the label's statistics (here:
    the very batch they were calibrated on) compute what the conditional pair computes in eval mode; in eval mode
    they do so for any batch. The DC-GAN critic has batch norm too and is calibrated on the label's images."""
    cfg = TrainConfig.for_loss(loss, preset="tiny", warm_start_kind="conditional", warm_start=0.2)
    mine = cfg.net_config((1, 28, 28))
    G, D = _conditional_pair(dataclasses.replace(mine, num_classes=5, latent_bias=False))
    tensors = {f"{net}.{k}": v for net, module in (("G", G), ("D", D), ("G_ema", G)) for k, v in
               module.state_dict().items()}
    images = torch.randint(0, 256, (64, 1, 28, 28), dtype=torch.uint8)
    label = 3
    state = new_state(cfg, mine, seed=1, device=CPU)
    apply_warm_start(state, tensors, kind="conditional", label=label, images=images)
    calibration = torch.randn(CALIBRATION, mine.latent_dim, generator=torch.Generator().manual_seed(label))
    y = torch.full((CALIBRATION,), label)
    with torch.no_grad():
        want = G(calibration, y)
        fresh = torch.randn(32, mine.latent_dim)
        for net in (state.G, state.G_ema):  # eval first: a forward in training mode moves the running statistics
            assert torch.allclose(net.eval()(fresh), G(fresh, torch.full((32,), label)), atol=1e-5)
            assert torch.allclose(net.train()(calibration), want, atol=1e-4)
        real = images.float() / 255
        assert torch.allclose(state.D.train()(real), D(real, torch.full((64,), label)), atol=1e-4)
        uncalibrated = build_critic(mine)
        uncalibrated.load_state_dict(specialize_critic(D.state_dict(), label))
        has_norm = any(isinstance(m, torch.nn.BatchNorm2d) for m in D.modules())
        assert has_norm == (loss == "dcgan")
        if has_norm:  # without the calibration training mode would not give it
            assert not torch.allclose(uncalibrated.train()(real), D(real, torch.full((64,), label)), atol=1e-3)


@pytest.mark.slow
def test_a_job_with_a_conditional_start_records_it_and_serves_every_label(trained):
    job, root, results = trained
    reg = LocalRegistry(root)
    name = start_name(job)
    _, meta, sha = read_extra(reg.extra_path(DATASET, name))
    assert meta["start_kind"] == "conditional" and json.loads(meta["net_config"])["num_classes"] == 10
    for r in results:
        m = reg.read_meta(DATASET, r.label)
        assert r.status == "trained" and m.warm_start["kind"] == "conditional" and m.warm_start["sha256"] == sha
        assert m.arch_config["latent_bias"] is True and m.arch_config["num_classes"] == 0
        # Calibrated to its label, then fine-tuned in training mode: its statistics are its own, not the start's.
        tensors = reg.read_generator(DATASET, r.label).tensors
        start_tensors, _, _ = read_extra(reg.extra_path(DATASET, name))
        stats = [k for k in tensors if k.endswith(("running_mean", "running_var"))]
        assert stats and not any(torch.equal(tensors[k], start_tensors[f"G_ema.{k}"]) for k in stats)
    other_kind = dataclasses.replace(job.config, warm_start_kind="unconditional")
    assert start_name(dataclasses.replace(job, config=other_kind)) != name  # the kind is part of what the start is


def test_a_conditional_start_of_other_labels_or_nets_is_refused_with_what_was_expected(trained, tmp_path):
    job, root, _ = trained
    path = LocalRegistry(root).extra_path(DATASET, start_name(job))
    other_labels = dataclasses.replace(_job(tmp_path / "a", labels=(0, 5)), warm_start_from=str(path))
    with pytest.raises(InvalidTrainConfig, match=r"conditional on labels \[0, 3, 7\].*labels \[5\]"):
        ensure_warm_start(other_labels)
    other_net = dataclasses.replace(_job(tmp_path / "b", latent_dim=64), warm_start_from=str(path))
    with pytest.raises(InvalidTrainConfig, match="does not fit this job: net_config"):
        ensure_warm_start(other_net)
    unconditional = dataclasses.replace(_job(tmp_path / "c", warm_start_kind="unconditional"),
                                        warm_start_from=str(path))
    with pytest.raises(InvalidTrainConfig, match="start_kind: expected unconditional, got conditional"):
        ensure_warm_start(unconditional)


def test_an_unknown_start_kind_lists_the_choices():
    res = CliRunner().invoke(main, ["train", "fashion-mnist", "--warm-start-kind", "banana"])
    assert res.exit_code == 2 and "'unconditional', 'conditional'" in res.output
    with pytest.raises(InvalidTrainConfig, match="warm_start_kind: expected one of unconditional, conditional"):
        TrainConfig(warm_start_kind="banana")
