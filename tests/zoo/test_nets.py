import dataclasses

import pytest
import torch

from zoo import nets
from zoo.errors import DuplicateArchitecture, InvalidConfig, UnknownArchitecture
from zoo.nets import NetConfig, build_critic, build_generator

CASES = [(a, r, c) for a in nets.names() for r in nets.get(a).resolutions for c in (1, 3)]


@pytest.mark.parametrize("arch,resolution,channels", CASES)
def test_every_family_builds_at_every_resolution(arch, resolution, channels):
    cfg = NetConfig.preset(arch, "tiny", resolution=resolution, channels=channels, latent_dim=8)
    G, D = build_generator(cfg), build_critic(cfg)
    x = G(torch.randn(2, 8))
    assert x.shape == (2, channels, resolution, resolution)
    assert 0.0 <= x.min() and x.max() <= 1.0
    assert D(x).shape == (2,)


def test_gradient_penalty_can_backpropagate_through_the_critic():
    cfg = NetConfig.preset("resnet", "tiny", resolution=32, channels=3)
    D = build_critic(cfg)
    x = torch.rand(2, 3, 32, 32, requires_grad=True)
    (grad,) = torch.autograd.grad(D(x).sum(), x, create_graph=True)
    ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean().backward()
    # every weight shapes the input gradient; only the output bias cannot
    assert [n for n, p in D.named_parameters() if p.grad is None] == ["head.linear.bias"]


def test_presets_scale_the_width_from_tiny_to_base():
    sizes = [sum(p.numel() for p in build_generator(NetConfig.preset("dcgan", p, resolution=32, channels=3))
                 .parameters()) for p in ("tiny", "small", "base")]
    assert sizes == sorted(sizes) and sizes[2] > 10 * sizes[0]


def test_config_json_round_trip_and_validation():
    cfg = NetConfig("resnet", 64, 3, latent_dim=32, width=16)
    assert NetConfig.from_json(cfg.to_json()) == cfg
    with pytest.raises(InvalidConfig, match="no 48 px variant; expected one of 28, 32, 64, 128"):
        NetConfig("resnet", 48, 1)
    with pytest.raises(InvalidConfig, match="channels: expected 1 or 3"):
        NetConfig("dcgan", 32, 2)
    with pytest.raises(InvalidConfig, match="unexpected fields depth"):
        NetConfig.from_json({**cfg.to_json(), "depth": 3})
    with pytest.raises(InvalidConfig, match="unknown width preset 'huge'"):
        NetConfig.preset("dcgan", "huge", resolution=32, channels=3)


def test_architecture_registry_refuses_duplicates_and_suggests_names():
    with pytest.raises(DuplicateArchitecture):
        nets.register(nets.get("dcgan"))
    with pytest.raises(UnknownArchitecture, match="did you mean 'resnet'"):
        nets.get("resnett")


@pytest.mark.parametrize("arch,resolution", [("dcgan", 28), ("resnet", 28), ("resnet", 32)])
def test_conditional_nets_take_the_label_and_refuse_to_run_without_it(arch, resolution):
    from zoo.errors import InvalidRequest

    cfg = NetConfig.preset(arch, "tiny", resolution=resolution, channels=1, latent_dim=8, num_classes=10)
    G, D = build_generator(cfg), build_critic(cfg)
    z, y = torch.randn(4, 8), torch.tensor([0, 3, 3, 9])
    x = G(z, y)
    assert x.shape == (4, 1, resolution, resolution) and D(x, y).shape == (4,)
    G.eval()
    assert not torch.equal(G(z[:1], y[:1]), G(z[:1], y[1:2]))  # the label changes the image
    with pytest.raises(InvalidRequest, match="needs the labels"):
        G(z)


@pytest.mark.parametrize("arch,norm", [("dcgan", "none"), ("dcgan", "layer"), ("resnet", "none")])
def test_a_conditional_critic_starts_with_the_label_projection_on_the_scale_of_its_linear_head(arch, norm):
    """With the embedding's N(0, 1) default the projection term was sqrt(features) times the linear head at init
    (input gradients 56 with layer norm): the gradient penalty's first steps went to undoing the init."""
    torch.manual_seed(0)
    cfg = dataclasses.replace(NetConfig.preset(arch, "small", resolution=28, channels=1, num_classes=10),
                              critic_norm=norm)
    D = build_critic(cfg)
    x = torch.rand(64, 1, 28, 28, requires_grad=True)
    y = torch.arange(64) % 10
    (grad,) = torch.autograd.grad(D(x, y).sum(), x)
    assert grad.flatten(1).norm(dim=1).mean() < 5  # 9 (no norm) and 56 (layer norm) with N(0, 1)
    h = torch.randn(64, D.head.linear.in_features)
    projection, linear = (D.head.embed(y) * h).sum(1), D.head.linear(h).squeeze(1)
    assert projection.std() < 10 * linear.std()  # sqrt(features) = 56x with N(0, 1)
