"""Architecture families by name (``zoo.named``): ``register``/``get``; duplicates raise. The families
(``dcgan``, ``resnet``) register themselves when ``zoo.nets`` imports them, eagerly."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from torch import nn

from ..errors import DuplicateArchitecture, UnknownArchitecture
from ..named import NameTable

if TYPE_CHECKING:
    from .config import NetConfig

__all__ = ["Architecture", "register", "get", "names", "build_generator", "build_critic"]


@dataclass(frozen=True)
class Architecture:
    """A generator/critic family. Generators end in a sigmoid: images come out in [0, 1], the zoo's own
    convention, so sampling needs no post-processing (sigmoid(2a) = (tanh(a) + 1) / 2: the usual tanh
    output up to a scale of the last layer that training absorbs)."""
    name: str
    generator: Callable[[NetConfig], nn.Module]  # z (B, latent_dim) -> (B, C, H, W) in [0, 1]
    critic: Callable[[NetConfig], nn.Module]  # image (B, C, H, W) -> score (B,)
    resolutions: tuple[int, ...]
    base_width: int  # the `base` preset's width
    description: str = ""
    critic_norms: tuple[str, ...] = ("none",)  # normalisations the critic offers (NetConfig.critic_norm)


_ARCHITECTURES: NameTable[Architecture] = NameTable("architecture", duplicate=DuplicateArchitecture,
                                                     unknown=UnknownArchitecture)


def register(arch: Architecture) -> Architecture:
    return _ARCHITECTURES.register(arch.name, arch)


def get(name: str) -> Architecture:
    return _ARCHITECTURES.get(name)


def names() -> list[str]:
    return sorted(_ARCHITECTURES.names())


def build_generator(config: NetConfig) -> nn.Module:
    return get(config.arch).generator(config)


def build_critic(config: NetConfig) -> nn.Module:
    return get(config.arch).critic(config)
