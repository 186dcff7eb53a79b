"""Training, sampling and routing on a device (`pytest tests/test_device.py --device cuda`; the CPU by default,
so `make test` runs them too). bench/device_check.sh runs them on an accelerator when one is at hand."""
from __future__ import annotations

import torch
from conftest import add_generator, tiny_config

import zoo
from registry import LocalRegistry
from training.config import TrainConfig
from training.job import TrainJob
from training.run import run_label
from training.wgan_gp import new_state, train_steps

TINY = TrainConfig(preset="tiny", latent_dim=16, batch_size=16, max_steps=3, tick_s=0.001, warm_start=0.0)


def test_training_steps_run_on_the_device_and_stay_finite(device):
    images = torch.randint(0, 256, (64, 1, 28, 28), dtype=torch.uint8, device=device)
    state = new_state(TINY, TINY.net_config((1, 28, 28)), seed=0, device=device)
    ticks: list[dict] = []
    train_steps(state, images, TINY, deadline_s=1e9, on_tick=ticks.append)
    assert state.step == 3 and ticks and all(torch.isfinite(torch.tensor(list(t.values()))).all() for t in ticks)
    assert {p.device.type for p in state.G_ema.parameters()} == {device.type}


def test_a_label_trained_on_the_device_is_saved_and_samples_like_on_the_cpu(device, tmp_path):
    job = TrainJob("fashion-mnist", (3,), str(tmp_path), TINY, device=str(device))
    (unit,) = job.label_jobs()
    assert run_label(unit).status == "trained"
    on_device = zoo.sample("fashion-mnist", 3, n=8, seed=0, registry=tmp_path, device=device)
    on_cpu = zoo.sample("fashion-mnist", 3, n=8, seed=0, registry=tmp_path)
    assert on_device.device.type == device.type and on_device.shape == (8, 1, 28, 28)
    assert torch.allclose(on_device.cpu(), on_cpu, atol=1e-3)  # the same latents (drawn on the CPU), any device


def test_the_router_batches_several_labels_on_the_device_like_one_by_one(device, tmp_path):
    reg = LocalRegistry.create(tmp_path / "reg")
    for label in range(5):
        add_generator(reg, "fashion-mnist", label, seed=label, config=tiny_config())
    reg.reindex()
    together = zoo.sample("fashion-mnist", labels=list(range(5)), n=4, seed=1, registry=reg.root, device=device)
    alone = torch.cat([zoo.sample("fashion-mnist", k, n=4, seed=1, registry=reg.root, device=device)
                       for k in range(5)])
    assert together.device.type == device.type and torch.allclose(together, alone, atol=1e-4)
    half = zoo.sample("fashion-mnist", 2, n=4, seed=1, registry=reg.root, device=device, dtype=torch.bfloat16)
    assert half.dtype == torch.bfloat16 and torch.allclose(half.float(), alone[8:12], atol=0.05)
