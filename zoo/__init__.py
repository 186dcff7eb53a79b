"""wcgan-zoo: class-conditional image generation with one WGAN-GP generator per class label.

    import zoo
    x = zoo.sample("fashion-mnist", label="Sneaker", n=8, seed=0)   # (8, 1, 28, 28) in [0, 1]
    zoo.grid(x).save("sneakers.png")
    G = zoo.load("fashion-mnist", label=7)                          # eval-mode nn.Module
"""
from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from . import errors
from .catalog import DatasetInfo
from .errors import *  # noqa: F403 - the typed errors are part of the public surface
from .images import grid, save_grid, to_pil
from .resolve import Provenance
from .router import Label, Router, RouterConfig
from .sources import RegistryArg
from .specs import BUILTIN_SPECS, DatasetSpec
from .version import __version__

_router = Router()


def sample(dataset: str, label: Label | None = None, *, n: int | None = None, labels: Sequence[Label] | None = None,
           seed: int | None = None, z: torch.Tensor | None = None, truncation: float | str | None = None,
           device: torch.device | str | None = None, registry: RegistryArg = None,
           dtype: torch.dtype | None = None) -> torch.Tensor:
    """Generate images of one label, or of several with ``labels=[...]``.

    Returns a float tensor (N, C, H, W) in [0, 1], on the CPU unless ``device`` is given.
    ``label`` is a class index or name (case-insensitive; a unique prefix is enough). With ``labels=``,
    ``n`` (default 1) images are made per entry and the result is ordered entry by entry; each entry's
    block equals ``sample(dataset, label=entry, n=n, seed=seed)``. The same ``seed`` gives the same images
    on every call and in every process; ``z`` (n, latent_dim) replaces the drawn latents, ``truncation=t``
    redraws latent entries beyond +-t; by default (``None``) each generator uses the truncation stored in its
    file (chosen when it was trained, on its label's training images; none if it has none), and
    ``truncation=0`` or ``"off"`` turns it off. ``registry`` is a folder or ``hf://ORG/NAME@REV`` (or a list): the
    whole search path when given (see ``which``). ``device`` is any torch device (``"cuda:0"``, ``"mps"``); ``dtype=torch.bfloat16`` runs
    the generator in that precision (the images come back in it).

    With ``labels=`` of four or more labels and ``n <= 16``, generators of one architecture run as a
    single batched call; their blocks match the one-label results up to float rounding (about 1e-5).
    """
    return _router.sample(dataset, label, n=n, labels=labels, seed=seed, z=z, truncation=truncation,
                          device=device, registry=registry, dtype=dtype)


def load(dataset: str, label: Label, *, device: torch.device | str | None = None,
         registry: RegistryArg = None) -> nn.Module:
    """A private copy of the generator of (dataset, label) in eval mode: z (B, latent_dim) -> images in [0, 1]."""
    return _router.load(dataset, label, device=device, registry=registry)


def which(dataset: str, label: Label, *, registry: RegistryArg = None) -> Provenance:
    """What serves (dataset, label) on the search path: the registry, the file, its kind ("per-label" or
    "conditional") and its meta. ``registry`` given is the whole path; else $ZOO_REGISTRY, bundled, cache."""
    return _router.which(dataset, label, registry=registry)


def interpolate(dataset: str, label: Label, *, seeds: tuple[int, int], steps: int = 8,
                device: torch.device | str | None = None, registry: RegistryArg = None) -> torch.Tensor:
    """``steps`` images (steps, C, H, W) walking one label's latent space from the latent of ``seeds[0]`` to
    that of ``seeds[1]`` (spherical interpolation); the ends use the latents ``sample(..., seed=s)`` draws."""
    return _router.interpolate(dataset, label, seeds=seeds, steps=steps, device=device, registry=registry)


def model_card(dataset: str, *, registry: RegistryArg = None) -> str:
    """The data set's model card in Markdown: its generators, training record and measured metrics."""
    return _router.card(dataset, registry=registry)


def datasets(*, registry: RegistryArg = None) -> dict[str, DatasetInfo]:
    """The data sets the configured registries hold generators for, with their specs."""
    return _router.datasets(registry=registry)


def spec(dataset: str, *, registry: RegistryArg = None) -> DatasetSpec:
    """The spec (class names, image shape) of a built-in data set or one a registry names."""
    return _router.spec(dataset, registry=registry)


__all__ = ["sample", "load", "which", "Provenance", "interpolate", "model_card", "datasets", "spec", "to_pil", "grid", "save_grid", "Router", "RouterConfig",
           "DatasetSpec", "DatasetInfo", "BUILTIN_SPECS", "errors", "__version__", *errors.__all__]
