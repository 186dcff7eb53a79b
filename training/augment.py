"""Differentiable augmentation of the images the critic sees, real and fake alike (DiffAugment: Zhao, Liu,
Lin, Zhu, Han, "Differentiable Augmentation for Data-Efficient GAN Training", NeurIPS 2020). Every op is
differentiable in the images, so the generator learns through it; a critic that only ever sees augmented
images cannot memorise a small training set.

Images are (B, C, H, W) floats in [0, 1]; random draws come from the run's own generator (reproducible).
"""
from __future__ import annotations

from collections.abc import Callable

import torch

from .errors import InvalidTrainConfig

__all__ = ["POLICIES", "parse_policy", "augment"]

Op = Callable[[torch.Tensor, torch.Generator], torch.Tensor]


def _uniform(x: torch.Tensor, rng: torch.Generator, *shape: int) -> torch.Tensor:
    return torch.rand(*shape, device=x.device, generator=rng, dtype=x.dtype)


def color(x: torch.Tensor, rng: torch.Generator) -> torch.Tensor:
    """Brightness +-0.25, saturation x[0, 2] (RGB only), contrast x[0.5, 1.5]: the paper's ranges on [0, 1]."""
    B = x.shape[0]
    x = x + (_uniform(x, rng, B, 1, 1, 1) - 0.5) * 0.5
    if x.shape[1] == 3:
        mean = x.mean(dim=1, keepdim=True)
        x = (x - mean) * (_uniform(x, rng, B, 1, 1, 1) * 2) + mean
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) * (_uniform(x, rng, B, 1, 1, 1) + 0.5) + mean


def translation(x: torch.Tensor, rng: torch.Generator, ratio: float = 0.125) -> torch.Tensor:
    """Shift each image by up to ``ratio`` of its size in x and y, filling with 0."""
    B, C, H, W = x.shape
    sh, sw = int(H * ratio + 0.5), int(W * ratio + 0.5)
    dy = torch.randint(-sh, sh + 1, (B, 1, 1), device=x.device, generator=rng)
    dx = torch.randint(-sw, sw + 1, (B, 1, 1), device=x.device, generator=rng)
    rows = (torch.arange(H, device=x.device).view(1, H, 1) + dy + 1).clamp(0, H + 1)  # (B, H, 1)
    cols = (torch.arange(W, device=x.device).view(1, 1, W) + dx + 1).clamp(0, W + 1)  # (B, 1, W)
    padded = torch.nn.functional.pad(x, [1, 1, 1, 1])  # the border row/column is the fill value
    batch = torch.arange(B, device=x.device).view(B, 1, 1)
    return padded.permute(0, 2, 3, 1)[batch, rows, cols].permute(0, 3, 1, 2)  # (B, C, H, W)


def cutout(x: torch.Tensor, rng: torch.Generator, ratio: float = 0.5) -> torch.Tensor:
    """Zero one square of ``ratio`` of the image size at a random place in each image."""
    B, C, H, W = x.shape
    ch, cw = int(H * ratio + 0.5), int(W * ratio + 0.5)
    top = torch.randint(0, H + (1 - ch % 2), (B, 1, 1), device=x.device, generator=rng)
    left = torch.randint(0, W + (1 - cw % 2), (B, 1, 1), device=x.device, generator=rng)
    rows = torch.arange(H, device=x.device).view(1, H, 1)
    cols = torch.arange(W, device=x.device).view(1, 1, W)
    inside = ((rows - top + ch // 2) >= 0) & ((rows - top + ch // 2) < ch) & \
             ((cols - left + cw // 2) >= 0) & ((cols - left + cw // 2) < cw)  # (B, H, W)
    return x * (~inside).unsqueeze(1).to(x.dtype)


POLICIES: dict[str, Op] = {"color": color, "translation": translation, "cutout": cutout}


def parse_policy(text: str) -> tuple[str, ...]:
    """'none' (or '') -> (); 'translation,cutout' -> ('translation', 'cutout'), in the paper's order."""
    names = [t.strip() for t in str(text).split(",") if t.strip() and t.strip() != "none"]
    unknown = [n for n in names if n not in POLICIES]
    if unknown:
        raise InvalidTrainConfig(f"augmentation {unknown[0]!r}: expected 'none' or a comma list of "
                                 f"{', '.join(POLICIES)}")
    return tuple(n for n in POLICIES if n in names)


def augment(x: torch.Tensor, policy: tuple[str, ...], rng: torch.Generator) -> torch.Tensor:
    for name in policy:
        x = POLICIES[name](x, rng)
    return x
