"""bench/standing_stats.py: the published generator's batch norms re-estimated from its own batches (a lever
measured on the bundled zoo and not adopted; docs/training.md)."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch

from zoo.nets import NetConfig, build_generator

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from standing_stats import standing_statistics  # noqa: E402


def _norms(net):
    return [m for m in net.modules() if isinstance(m, torch.nn.BatchNorm2d)]


def _stale_generator(cfg: NetConfig):
    """A generator whose running statistics belong to other weights, as the EMA's do after training."""
    torch.manual_seed(0)
    G = build_generator(cfg)
    for m in _norms(G):
        m.running_mean.uniform_(-2, 2), m.running_var.uniform_(3, 5)
    return G.eval()


@pytest.mark.slow
@pytest.mark.parametrize("arch, resolution", [("dcgan", 28), ("resnet", 32)])
def test_eval_mode_then_normalises_as_training_mode_does_on_large_batches(arch, resolution):
    G = _stale_generator(NetConfig(arch=arch, resolution=resolution, channels=1, latent_dim=16, width=8))
    z = torch.randn(2048, 16, generator=torch.Generator().manual_seed(7))
    with torch.no_grad():
        G.train()
        batch_stats = G(z)
        G.eval()
        stale_gap = (G(z) - batch_stats).abs().mean()
    weights = {k: v.clone() for k, v in G.state_dict().items() if "running" not in k and "num_batches" not in k}
    assert standing_statistics(G, 16, seed=1) == len(_norms(G)) > 0
    with torch.no_grad():
        standing_gap = (G(z) - batch_stats).abs().mean()
    assert standing_gap < 0.1 * stale_gap, (standing_gap, stale_gap)
    assert not G.training and all(m.momentum == 0.1 for m in _norms(G))  # the net is left as it was found
    assert all(torch.equal(v, G.state_dict()[k]) for k, v in weights.items())  # only the statistics change


def test_the_estimate_is_seeded_and_a_conditional_generator_draws_its_labels():
    cfg = NetConfig(arch="dcgan", resolution=28, channels=1, latent_dim=16, width=8, num_classes=4)
    a, b = _stale_generator(cfg), _stale_generator(cfg)
    standing_statistics(a, 16, labels=torch.tensor([1, 3]), seed=5)
    standing_statistics(b, 16, labels=torch.tensor([1, 3]), seed=5)
    assert all(torch.equal(x.running_var, y.running_var) for x, y in zip(_norms(a), _norms(b)))
    standing_statistics(b, 16, labels=torch.tensor([0, 2]), seed=5)
    assert not torch.equal(_norms(a)[0].running_mean, _norms(b)[0].running_mean)


def test_a_net_without_batch_norm_is_left_alone():
    net = torch.nn.Sequential(torch.nn.Linear(4, 4))
    state = {k: v.clone() for k, v in net.state_dict().items()}
    assert standing_statistics(net, 4) == 0
    assert all(torch.equal(v, net.state_dict()[k]) for k, v in state.items())
