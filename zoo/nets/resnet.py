"""The residual generator and critic of the WGAN-GP paper (Gulrajani et al. 2017, CIFAR-10 model).

32 px uses three up-blocks from 4x4, as in the paper; 64 and 128 px add one block per doubling.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .architectures import Architecture, register
from .conditioning import LatentConditioning, ProjectionHead
from .config import NetConfig

__all__ = ["ResNetGenerator", "ResNetCritic"]


class UpBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        self.bn1, self.conv1 = nn.BatchNorm2d(c_in), nn.Conv2d(c_in, c_out, 3, 1, 1)
        self.bn2, self.conv2 = nn.BatchNorm2d(c_out), nn.Conv2d(c_out, c_out, 3, 1, 1)
        self.skip = nn.Conv2d(c_in, c_out, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (B, Ci, s, s) -> (B, Co, 2s, 2s)
        h = F.interpolate(F.relu(self.bn1(x)), scale_factor=2.0, mode="nearest")
        h = self.conv2(F.relu(self.bn2(self.conv1(h))))
        return h + self.skip(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class DownBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, *, down: bool, first: bool = False) -> None:
        super().__init__()
        self.down, self.first = down, first
        self.conv1, self.conv2 = nn.Conv2d(c_in, c_out, 3, 1, 1), nn.Conv2d(c_out, c_out, 3, 1, 1)
        self.skip = nn.Conv2d(c_in, c_out, 1) if (down or c_in != c_out) else nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv2(F.relu(self.conv1(x if self.first else F.relu(x))))
        s = x
        if self.down:
            h, s = F.avg_pool2d(h, 2), F.avg_pool2d(s, 2)
        return h + self.skip(s)


def _n_blocks(cfg: NetConfig) -> int:
    return int(math.log2(cfg.resolution // 4))


class ResNetGenerator(nn.Module):
    def __init__(self, cfg: NetConfig) -> None:
        super().__init__()
        self.latent_dim, w = cfg.latent_dim, cfg.width
        self.condition = LatentConditioning(cfg.num_classes, cfg.latent_dim)
        self.project = nn.Sequential(nn.Linear(self.condition.out_dim, 4 * 4 * w), nn.Unflatten(1, (w, 4, 4)))
        self.blocks = nn.Sequential(*[UpBlock(w, w) for _ in range(_n_blocks(cfg))])
        self.out = nn.Sequential(nn.BatchNorm2d(w), nn.ReLU(), nn.Conv2d(w, cfg.channels, 3, 1, 1), nn.Sigmoid())

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return self.out(self.blocks(self.project(self.condition(z, y))))  # (B, latent) -> (B, C, H, W) in [0, 1]


class ResNetCritic(nn.Module):
    def __init__(self, cfg: NetConfig) -> None:
        super().__init__()
        w, n_down = cfg.critic_channels, _n_blocks(cfg) - 1  # down to 8x8, then two plain blocks, as the paper
        blocks = [DownBlock(cfg.channels, w, down=True, first=True)]
        blocks += [DownBlock(w, w, down=True) for _ in range(n_down - 1)]
        blocks += [DownBlock(w, w, down=False), DownBlock(w, w, down=False)]
        self.blocks = nn.Sequential(*blocks)
        self.head = ProjectionHead(cfg.num_classes, w)

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:  # (B, C, H, W) -> (B,)
        return self.head(F.relu(self.blocks(x)).mean(dim=(2, 3)), y)


register(Architecture(
    name="resnet", generator=ResNetGenerator, critic=ResNetCritic,
    resolutions=(32, 64, 128), base_width=128,
    description="residual generator/critic of the WGAN-GP paper",
))
