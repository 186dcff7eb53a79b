"""Each trainer speed option trains like the plain path: same seed, (nearly) the same weights and losses."""
from __future__ import annotations

import dataclasses

import pytest
import torch
from conftest import together
from torch.utils import _foreach_utils as foreach_utils

from training.adam import FusedAdam
from training.config import TrainConfig
from training.errors import InvalidTrainConfig
from training.speed import native_bf16, use_bf16
from training.wgan_gp import new_state, train_steps

pytestmark = together("test_speed_options")

CPU = torch.device("cpu")
BASE = TrainConfig(preset="tiny", latent_dim=16, batch_size=16, max_steps=3, precision="fp32", fused_adam=False,
                   channels_last=False)


@pytest.fixture(scope="module")
def images(device: torch.device) -> torch.Tensor:
    """On the device under test (`--device`, the CPU by default: bench/device_check.sh passes cuda)."""
    g = torch.Generator().manual_seed(0)
    return (torch.rand(200, 1, 28, 28, generator=g) * 255).to(torch.uint8).to(device)


def train(images: torch.Tensor, **options) -> tuple[dict[str, torch.Tensor], list[dict]]:
    cfg = dataclasses.replace(BASE, **options)
    state = new_state(cfg, cfg.net_config((1, 28, 28)), seed=0, device=images.device)
    ticks: list[dict] = []
    train_steps(state, images, cfg, deadline_s=1e9, on_tick=ticks.append)
    return {k: v.float().cpu() for k, v in state.G.state_dict().items()}, ticks


def close(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor], atol: float) -> bool:
    return all(torch.allclose(a[k], b[k], atol=atol, rtol=0) for k in a)


@pytest.mark.parametrize("options", [{"fused_adam": True}, {"channels_last": True}])
def test_exact_options_give_the_plain_weights(images, options) -> None:
    plain, _ = train(images)
    fast, _ = train(images, **options)
    assert close(plain, fast, atol=1e-5)


def test_bf16_autocast_trains_like_fp32(images) -> None:
    _, plain = train(images)
    _, bf16 = train(images, precision="bf16")
    for key in plain[-1].keys() & {"wasserstein", "gp", "loss_g"}:  # the run's averaged losses, at the end
        assert abs(bf16[-1][key] - plain[-1][key]) <= 0.05 * abs(plain[-1][key]) + 0.02, key


@pytest.mark.slow
def test_compiled_generator_trains_like_eager(images) -> None:
    plain, _ = train(images, max_steps=2)
    compiled, _ = train(images, max_steps=2, compile=True)
    assert close(plain, compiled, atol=1e-4)


def test_auto_precision_asks_the_hardware() -> None:
    assert use_bf16("auto", CPU) == native_bf16(CPU)
    assert use_bf16("bf16", CPU) and not use_bf16("fp32", CPU)
    with pytest.raises(InvalidTrainConfig, match="precision"):
        TrainConfig(precision="fp16")
    legacy = TrainConfig().to_json()
    for key in ("precision", "channels_last", "compile", "fused_adam"):
        legacy.pop(key)  # a run recorded before these options existed still resumes
    assert TrainConfig.from_json(legacy) == TrainConfig()


def test_fused_adam_is_used_where_torch_has_it_and_dropped_where_it_does_not(images, monkeypatch, caplog) -> None:
    cfg = dataclasses.replace(BASE, fused_adam=True)
    state = new_state(cfg, cfg.net_config((1, 28, 28)), seed=0, device=CPU)
    assert isinstance(state.opt_g, FusedAdam)  # torch >= 2.4 has the fused kernel on the CPU
    # torch 2.2 and 2.3 (inside pyproject's range) have it for GPUs only; that torch cannot be installed here, so
    # a torch without the kernel for the device under test is reproduced: its list of fused devices, emptied.
    monkeypatch.setattr(foreach_utils, "_get_fused_kernels_supported_devices", lambda: [])
    plain, _ = train(images)
    dropped, _ = train(images, fused_adam=True)
    assert close(plain, dropped, atol=0)  # trained, with the default Adam
    assert f"fused Adam is not available for {images.device} here" in caplog.text
