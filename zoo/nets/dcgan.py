"""DCGAN-style generator and critic (Radford et al. 2016). The critic has no batch norm, as WGAN-GP asks,
unless ``critic_norm="batch"`` (the DC-GAN baseline: batch norm after every conv but the first);
``critic_norm="layer"`` puts layer norm there instead (over channels and pixels of each image, with a gain and
bias per channel: Gulrajani et al.'s choice for a WGAN-GP critic, since it never mixes the images of a batch).

Resolutions 8, 16, 32, 64, 128 start from a 4x4 map; 28 px (MNIST-like) starts from 7x7.
"""
from __future__ import annotations

import math

import torch
from torch import nn

from .architectures import Architecture, register
from .conditioning import LatentConditioning, ProjectionHead
from .config import NetConfig
from .mbstd import append_minibatch_std
from .norms import critic_norm

__all__ = ["DCGANGenerator", "DCGANCritic"]


def _plan(cfg: NetConfig, width: int) -> tuple[int, list[int]]:
    """Start size and the channels at each scale, widest-resolution last."""
    start = 7 if cfg.resolution == 28 else 4
    n_up = int(math.log2(cfg.resolution // start))
    return start, [width * 2 ** (n_up - 1 - i) for i in range(n_up)]


class DCGANGenerator(nn.Module):
    def __init__(self, cfg: NetConfig) -> None:
        super().__init__()
        self.latent_dim = cfg.latent_dim
        self.start, chans = _plan(cfg, cfg.width)
        self.condition = LatentConditioning(cfg.num_classes, cfg.latent_dim)
        self.project = nn.Sequential(
            nn.Linear(self.condition.out_dim, chans[0] * self.start**2, bias=cfg.latent_bias),
            nn.Unflatten(1, (chans[0], self.start, self.start)),  # (B, C0, s, s)
            nn.BatchNorm2d(chans[0]),
            nn.ReLU(inplace=True),
        )
        layers: list[nn.Module] = []
        for c_in, c_out in zip(chans, chans[1:]):
            layers += [nn.ConvTranspose2d(c_in, c_out, 4, 2, 1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(True)]
        layers += [nn.ConvTranspose2d(chans[-1], cfg.channels, 4, 2, 1), nn.Sigmoid()]
        self.body = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return self.body(self.project(self.condition(z, y)))  # (B, latent) -> (B, C, H, W) in [0, 1]


class DCGANCritic(nn.Module):
    def __init__(self, cfg: NetConfig) -> None:
        super().__init__()
        start, chans = _plan(cfg, cfg.critic_channels)
        chans = chans[::-1]  # widest resolution first
        layers: list[nn.Module] = [nn.Conv2d(cfg.channels, chans[0], 4, 2, 1), nn.LeakyReLU(0.2, True)]
        for c_in, c_out in zip(chans, chans[1:]):
            norm = [m for m in (critic_norm(cfg.critic_norm, c_out),) if m is not None]
            layers += [nn.Conv2d(c_in, c_out, 4, 2, 1), *norm, nn.LeakyReLU(0.2, True)]
        self.body = nn.Sequential(*layers)
        self.mbstd = cfg.critic_mbstd
        self.head = ProjectionHead(cfg.num_classes, chans[-1] * start**2 + bool(self.mbstd))

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:  # (B, C, H, W) -> (B,)
        return self.head(append_minibatch_std(self.body(x), self.mbstd), y)


register(Architecture(
    name="dcgan", generator=DCGANGenerator, critic=DCGANCritic,
    resolutions=(8, 16, 28, 32, 64, 128), base_width=64,
    description="DCGAN-style transposed-conv generator, batch-norm-free critic (batch norm for the DC-GAN loss)",
    critic_norms=("none", "batch", "layer"),
))
