"""Sampling as a pure function of (generator, latents): same seed, same images, on every run."""
from __future__ import annotations

import secrets
import threading

import torch
from torch import nn

from registry.meta import TRUNCATION_RANGE

from .errors import InvalidRequest

__all__ = ["latents", "slerp", "generate", "check_seed", "random_seed", "MAX_SEED", "effective_truncation", "OFF"]

MAX_SEED = 2**63 - 1


def check_seed(seed: object) -> int:
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise InvalidRequest(f"seed: expected an integer in 0..2**63-1, got {seed!r}")
    return seed


def random_seed() -> int:
    return secrets.randbelow(MAX_SEED)


_local = threading.local()


def _generator() -> torch.Generator:
    # One per thread, re-seeded per call: the result depends on the seed alone, and no object is built.
    g = getattr(_local, "generator", None)
    if g is None:
        g = _local.generator = torch.Generator(device="cpu")
    return g


OFF = ("off", 0)  # what turns a generator's stored default truncation off


def effective_truncation(requested: float | str | None, default: float | None) -> float | None:
    """The truncation a draw uses: the generator's stored default (``default``, chosen at training time) when
    none is asked for, the number asked for, or none for ``0``/``"off"``."""
    if requested is None:
        return default
    if isinstance(requested, str) and requested.strip().lower() == "off" or (
            isinstance(requested, (int, float)) and not isinstance(requested, bool) and requested == 0):
        return None
    return requested


def latents(n: int, latent_dim: int, *, seed: int, truncation: float | None = None) -> torch.Tensor:
    """z ~ N(0, I) of shape (n, latent_dim), drawn on the CPU so every device sees the same numbers.

    With ``truncation=t`` entries beyond +-t are redrawn until none is left (the truncation trick).
    """
    g = _generator().manual_seed(check_seed(seed))
    z = torch.randn(n, latent_dim, generator=g)
    if truncation is not None:
        # Past 10 no N(0, 1) draw is ever redrawn (p < 2e-23): such a value, or inf, would silently do nothing.
        lo, hi = TRUNCATION_RANGE
        if isinstance(truncation, bool) or not isinstance(truncation, (int, float)) or not lo <= truncation <= hi:
            raise InvalidRequest(f"truncation: expected a number in {lo:g}..{hi:g}, 0 or 'off' (no truncation), or "
                                 f"none (the generator's own default), got {truncation!r}")
        bad = z.abs() > truncation
        while bad.any():
            z[bad] = torch.randn(int(bad.sum()), generator=g)
            bad = z.abs() > truncation
    return z


def slerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Points along the great circle from ``a`` to ``b`` (1-D latents) at fractions ``t``: unlike a straight
    line, every point keeps the norm a Gaussian latent typically has, so no frame looks washed out."""
    omega = torch.arccos(torch.clamp(torch.dot(a / a.norm(), b / b.norm()), -1.0, 1.0))
    t = t[:, None]
    if omega.abs() < 1e-6:  # (anti)parallel: the straight line is the circle
        z = (1 - t) * a + t * b
    else:
        z = (torch.sin((1 - t) * omega) * a + torch.sin(t * omega) * b) / torch.sin(omega)
    z[t[:, 0] == 0], z[t[:, 0] == 1] = a, b  # the ends exactly, not up to rounding
    return z


def generate(net: nn.Module, z: torch.Tensor, *, device: torch.device, chunk: int = 256) -> torch.Tensor:
    """Images in [0, 1] for latents ``z`` (n, latent_dim) on ``device``, ``chunk`` at a time so memory
    stays bounded. ``net`` must not require gradients (the router loads every net so), which makes a
    no_grad context unnecessary: on small batches every Python step here shows in the timings."""
    if z.shape[0] <= chunk:
        return net(z if device.type == "cpu" else z.to(device))
    return torch.cat([net(part.to(device)) for part in z.split(chunk)])
