"""The adversarial losses a generator can be trained with, by name: each is one module of this package that
registers a ``Loss`` (its functions, its recipe defaults in each training mode, its critic's normalisation and the
stats it logs).
Adding a loss is one new module here (every module of the package is imported); nothing else names a loss.

    from training import losses
    loss = losses.get("wgan-gp")
    loss_d, logged = loss.critic_loss(D, real, fake, y, eps, Penalty(weight=10.0))
"""
from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch

from zoo.named import NameTable

__all__ = ["Loss", "Penalty", "DEFAULT", "register", "get", "names"]

DEFAULT = "wgan-gp"  # the zoo's method (Lupo Pasini & Yin 2022); the others are baselines


@dataclass(frozen=True)
class Penalty:
    """How one critic step is regularised; a loss uses what applies to it (the DC-GAN's none of it)."""
    weight: float  # of the gradient penalty on this step; 0: none on it (lazy regularisation)
    target: float = 1.0  # the gradient norm it pulls to: 1 (Gulrajani et al. 2017), 0 (zero-centred)
    drift: float = 0.0  # weight of E[D(real)^2], which keeps the critic's scores near 0 (Karras et al. 2018)


@dataclass(frozen=True)
class Loss:
    name: str
    description: str  # one line, for `zoo train --help`
    # (D, real, fake, y, eps, penalty) -> (the critic's loss, what to log of it)
    critic_loss: Callable[..., tuple[torch.Tensor, dict[str, torch.Tensor]]]
    generator_loss: Callable[[torch.Tensor], torch.Tensor]  # the critic's scores of the fakes (B,) -> loss
    stats: tuple[tuple[str, str], ...]  # the logged values a plot shows: (key, title), generator loss included
    recipe: dict[str, Any] = field(default_factory=dict)  # TrainConfig defaults this loss trains with
    # What changes in a training mode (e.g. "conditional": the one-model baseline), over ``recipe``: a mode's best
    # measured settings need not be the per-label ones.
    mode_recipes: dict[str, dict[str, Any]] = field(default_factory=dict)
    # The normalisations its critic may have, its default first (the first one the architecture offers): batch
    # norm mixes the images of a batch, so a loss whose penalty is per image (WGAN-GP's gradient penalty) does not
    # take it.
    critic_norms: tuple[str, ...] = ("none", "layer")
    # What a config saved with critic_norm "auto" (the default before each loss had its own) trained with.
    auto_critic_norm: str = "none"
    conditional: bool = True  # whether the one-model conditional baseline may use it


_LOSSES: NameTable[Loss] = NameTable("loss")


def register(loss: Loss) -> Loss:
    return _LOSSES.register(loss.name, loss)


def get(name: str) -> Loss:
    return _LOSSES.get(name)


def names() -> tuple[str, ...]:
    """The default first, then the others in registration order."""
    return (DEFAULT, *(n for n in _LOSSES.names() if n != DEFAULT))


for _module in sorted(m.name for m in pkgutil.iter_modules(__path__)):  # each registers itself
    importlib.import_module(f"{__name__}.{_module}")
