"""Minibatch standard deviation in the critic (--critic-mbstd): what it adds, that groups stay apart, and that the
option shapes the job without changing the identity of jobs from before it."""
from __future__ import annotations

import pytest
import torch
from click.testing import CliRunner

from training.config import TrainConfig
from training.errors import InvalidTrainConfig
from training.job import TrainJob
from training.wgan_gp import new_state, train_steps
from zoo.cli import main
from zoo.nets import NetConfig, build_critic, build_generator
from zoo.nets.mbstd import append_minibatch_std


def test_the_extra_feature_is_each_groups_spread_and_groups_never_mix():
    h = torch.randn(8, 3, 2, 2)
    h[:4] = h[0]  # the first group: four copies of one image, no spread at all
    out = append_minibatch_std(h, 4)
    assert out.shape == (8, 13) and torch.equal(out[:, :12], h.flatten(1))
    assert torch.allclose(out[:4, 12], torch.full((4,), 1e-4), atol=1e-6)  # sqrt of the 1e-8 floor
    expected = h[4:].var(dim=0, unbiased=False).add(1e-8).sqrt().mean()
    assert torch.allclose(out[4:, 12], expected.expand(4))
    changed = h.clone()
    changed[5] += 1.0
    assert torch.equal(append_minibatch_std(changed, 4)[:4], out[:4])  # the other group does not see it
    assert append_minibatch_std(torch.randn(6, 5), 4).shape == (6, 6)  # pooled features; groups of 3 divide 6
    assert torch.equal(append_minibatch_std(h, 0), h.flatten(1))


@pytest.mark.parametrize("arch, resolution", [("dcgan", 28), ("resnet", 32)])
def test_a_critic_with_it_scores_an_image_with_its_group_and_the_generator_is_unchanged(arch, resolution):
    plain = TrainConfig(arch=arch, preset="tiny", batch_size=8).net_config((1, resolution, resolution))
    grouped = TrainConfig(arch=arch, preset="tiny", batch_size=8, critic_mbstd=2).net_config((1, resolution, resolution))
    assert "critic_mbstd" not in plain.to_json()  # files of the default stay as they were
    assert grouped.critic_mbstd == 2 and NetConfig.from_json(grouped.to_json()) == grouped
    size = lambda net: sum(p.numel() for p in net.parameters())  # noqa: E731
    assert size(build_generator(grouped)) == size(build_generator(plain))
    assert size(build_critic(grouped)) > size(build_critic(plain))
    D = build_critic(grouped).train()
    x = torch.rand(4, 1, resolution, resolution)
    y = x.clone()
    y[1] = torch.rand(1, resolution, resolution)  # the first image's group mate
    z = x.clone()
    z[3] = torch.rand(1, resolution, resolution)  # an image of the other group
    with torch.no_grad():
        assert not torch.allclose(D(x)[0], D(y)[0]) and torch.equal(D(x)[:2], D(z)[:2])


def test_it_trains_under_the_penalty_and_shapes_the_job_alone():
    cfg = TrainConfig(preset="tiny", batch_size=8, latent_dim=16, max_steps=3, tick_s=1e-9, gp_every=1,
                      critic_mbstd=4)
    state = new_state(cfg, cfg.net_config((1, 28, 28)), seed=0, device=torch.device("cpu"))
    data = torch.randint(0, 255, (32, 1, 28, 28), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))
    lines: list[dict] = []
    train_steps(state, data, cfg, deadline_s=600, on_tick=lines.append)
    assert state.step == 3 and all("gp" in line and torch.isfinite(torch.tensor(line["gp"])) for line in lines)
    job = lambda c: TrainJob("digits", (0,), "/reg", c)  # noqa: E731
    assert "config.critic_mbstd" not in job(TrainConfig()).shaping()  # identities from before it are unchanged
    assert job(TrainConfig()).differences(job(TrainConfig(critic_mbstd=4))) == ["config.critic_mbstd: <none> -> 4"]


def test_a_group_that_does_not_divide_the_batch_is_refused_with_what_was_expected():
    with pytest.raises(InvalidTrainConfig, match="critic_mbstd: expected 0 .off. or a group size in 1..256 that "
                       "divides batch_size 32, got 5"):
        TrainConfig(critic_mbstd=5)
    with pytest.raises(InvalidTrainConfig, match="critic_mbstd"):
        TrainConfig(critic_mbstd=-1)
    result = CliRunner().invoke(main, ["train", "digits", "--critic-mbstd", "3"])
    assert result.exit_code == 2 and "divides batch_size 32, got 3" in result.output
