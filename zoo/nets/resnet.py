"""The residual generator and critic of the WGAN-GP paper (Gulrajani et al. 2017, CIFAR-10 model).

32 px uses three up-blocks from 4x4, as in the paper; 64 and 128 px add one block per doubling; 28 px
(MNIST-like) starts from 7x7 and takes two. ``critic_norm="layer"`` puts layer norm (over channels and pixels of
each image) before every activation of the critic's blocks, as Gulrajani et al.'s 64-px ResNet critic does.
"""
from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .architectures import Architecture, register
from .conditioning import LatentConditioning, ProjectionHead
from .config import NetConfig
from .mbstd import append_minibatch_std
from .norms import critic_norm

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


def _norm(kind: str, c: int) -> nn.Module:
    return critic_norm(kind, c) or nn.Identity()  # an Identity keeps no state: files without a norm load as before


class DownBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, *, down: bool, first: bool = False, norm: str = "none") -> None:
        super().__init__()
        self.down, self.first = down, first
        self.conv1, self.conv2 = nn.Conv2d(c_in, c_out, 3, 1, 1), nn.Conv2d(c_out, c_out, 3, 1, 1)
        self.skip = nn.Conv2d(c_in, c_out, 1) if (down or c_in != c_out) else nn.Identity()
        # The block's input is an image in the first block (nothing to normalise), features after it.
        self.norm1, self.norm2 = (nn.Identity() if first else _norm(norm, c_in)), _norm(norm, c_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.conv2(F.relu(self.norm2(self.conv1(x if self.first else F.relu(self.norm1(x))))))
        s = x
        if self.down:
            h, s = F.avg_pool2d(h, 2), F.avg_pool2d(s, 2)
        return h + self.skip(s)


def _start(cfg: NetConfig) -> int:
    return 7 if cfg.resolution == 28 else 4


def _n_blocks(cfg: NetConfig) -> int:
    return int(math.log2(cfg.resolution // _start(cfg)))


class ResNetGenerator(nn.Module):
    def __init__(self, cfg: NetConfig) -> None:
        super().__init__()
        self.latent_dim, w = cfg.latent_dim, cfg.width
        self.condition = LatentConditioning(cfg.num_classes, cfg.latent_dim)
        s = _start(cfg)
        self.project = nn.Sequential(nn.Linear(self.condition.out_dim, s * s * w), nn.Unflatten(1, (w, s, s)))
        self.blocks = nn.Sequential(*[UpBlock(w, w) for _ in range(_n_blocks(cfg))])
        self.out = nn.Sequential(nn.BatchNorm2d(w), nn.ReLU(), nn.Conv2d(w, cfg.channels, 3, 1, 1), nn.Sigmoid())

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        return self.out(self.blocks(self.project(self.condition(z, y))))  # (B, latent) -> (B, C, H, W) in [0, 1]


class ResNetCritic(nn.Module):
    def __init__(self, cfg: NetConfig) -> None:
        super().__init__()
        # Down to twice the start size (8x8; 14x14 at 28 px), then two plain blocks, as the paper.
        w, n_down, norm = cfg.critic_channels, _n_blocks(cfg) - 1, cfg.critic_norm
        blocks = [DownBlock(cfg.channels, w, down=True, first=True, norm=norm)]
        blocks += [DownBlock(w, w, down=True, norm=norm) for _ in range(n_down - 1)]
        blocks += [DownBlock(w, w, down=False, norm=norm), DownBlock(w, w, down=False, norm=norm)]
        self.blocks = nn.Sequential(*blocks)
        self.mbstd = cfg.critic_mbstd
        self.head = ProjectionHead(cfg.num_classes, w + bool(self.mbstd))

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:  # (B, C, H, W) -> (B,)
        return self.head(append_minibatch_std(F.relu(self.blocks(x)).mean(dim=(2, 3)), self.mbstd), y)


register(Architecture(
    name="resnet", generator=ResNetGenerator, critic=ResNetCritic,
    resolutions=(28, 32, 64, 128), base_width=128,
    description="residual generator/critic of the WGAN-GP paper", critic_norms=("none", "layer"),
))
