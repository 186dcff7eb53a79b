"""Sampling as a pure function of (generator, latents): same seed, same images, on every run."""
from __future__ import annotations

import secrets

import torch
from torch import nn

from .errors import InvalidRequest

__all__ = ["latents", "generate", "check_seed", "random_seed", "MAX_SEED"]

MAX_SEED = 2**63 - 1


def check_seed(seed: object) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise InvalidRequest(f"seed: expected an integer in 0..2**63-1, got {seed!r}")
    return seed


def random_seed() -> int:
    return secrets.randbelow(MAX_SEED)


def latents(n: int, latent_dim: int, *, seed: int, truncation: float | None = None) -> torch.Tensor:
    """z ~ N(0, I) of shape (n, latent_dim), drawn on the CPU so every device sees the same numbers.

    With ``truncation=t`` entries beyond +-t are redrawn until none is left (the truncation trick).
    """
    g = torch.Generator(device="cpu").manual_seed(check_seed(seed))
    z = torch.randn(n, latent_dim, generator=g)
    if truncation is not None:
        if isinstance(truncation, bool) or not isinstance(truncation, (int, float)) or not truncation >= 0.05:
            raise InvalidRequest(f"truncation: expected a number >= 0.05, got {truncation!r}")
        bad = z.abs() > truncation
        while bad.any():
            z[bad] = torch.randn(int(bad.sum()), generator=g)
            bad = z.abs() > truncation
    return z


@torch.no_grad()  # not inference_mode: callers may edit the result in place afterwards
def generate(net: nn.Module, z: torch.Tensor, *, device: torch.device, chunk: int = 256) -> torch.Tensor:
    """Images in [0, 1] for latents ``z`` (n, latent_dim) on ``device``, ``chunk`` at a time so memory
    stays bounded. The net's output is the result: every Python step here costs on small batches."""
    if z.shape[0] <= chunk:
        return net(z.to(device))
    return torch.cat([net(part.to(device)) for part in z.split(chunk)])
