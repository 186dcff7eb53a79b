"""The critic normalisations the families offer (``NetConfig.critic_norm``), built one way for all of them."""
from __future__ import annotations

from torch import nn

__all__ = ["CRITIC_NORMS", "critic_norm"]

# One image's statistics only for "layer": GroupNorm with one group is layer norm over (C, H, W).
CRITIC_NORMS = {"batch": nn.BatchNorm2d, "layer": lambda c: nn.GroupNorm(1, c)}


def critic_norm(kind: str, channels: int) -> nn.Module | None:
    """The normalisation module of ``kind`` for ``channels``; None for "none" (no module, so no state-dict key)."""
    return CRITIC_NORMS[kind](channels) if kind in CRITIC_NORMS else None
