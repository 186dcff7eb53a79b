"""The two hooks between nets and files: a generator into a registry, and a registry file back into a net."""
from __future__ import annotations

import logging
from pathlib import Path

import torch
from torch import nn

from registry import CorruptFile, GeneratorFile, GeneratorMeta, InvalidMeta, LocalRegistry

from .nets import NetConfig, build_generator
from .version import __version__

__all__ = ["LabelBound", "generator_from_file", "save_generator", "module_nbytes", "default_truncation"]

log = logging.getLogger(__name__)


def generator_from_file(gf: GeneratorFile, *, device: torch.device | str = "cpu") -> nn.Module:
    """Rebuild the net from the file's own config and load its weights with ``strict=True``."""
    meta = gf.meta
    cfg = NetConfig.from_json(meta.arch_config)
    for name, from_cfg, from_meta in (("arch", cfg.arch, meta.arch), ("latent_dim", cfg.latent_dim, meta.latent_dim),
                                      ("image_shape", cfg.image_shape, meta.image_shape)):
        if from_cfg != from_meta:
            raise InvalidMeta(f"{meta.dataset}/{meta.label}: arch_config gives {name} {from_cfg!r}, "
                              f"expected it to equal the header's {from_meta!r}")
    _check_shapes(gf, cfg)
    net = build_generator(cfg)
    # Files may store fp16 to stay small; compute in the net's own dtype.
    own = net.state_dict()  # built once: it is a fresh dict on every call
    state = {k: v.to(dtype=own[k].dtype) if k in own else v for k, v in gf.tensors.items()}
    try:
        net.load_state_dict(state, strict=True)
    except RuntimeError as e:
        raise CorruptFile(f"{meta.dataset}/{meta.label}: weights do not fit architecture {cfg.arch!r} "
                          f"with config {cfg.to_json()}: {str(e).splitlines()[0]}") from None
    net.default_truncation = meta.truncation  # the sampling default chosen when it was trained (None: none)
    return net.to(device).eval().requires_grad_(False)


class LabelBound(nn.Module):
    """A conditional generator with its label fixed: z (B, latent_dim) -> images, as a per-label generator."""

    def __init__(self, net: nn.Module, label: int) -> None:
        super().__init__()
        self.net, self.label, self.latent_dim = net, label, net.latent_dim
        self.default_truncation = default_truncation(net)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z, torch.full((z.shape[0],), self.label, dtype=torch.long, device=z.device))


def _check_shapes(gf: GeneratorFile, cfg: NetConfig) -> None:
    """The file's tensors against the architecture its header names, on the meta device: a hostile header
    (say, width 10**6) costs no memory, and the weights are refused before anything is built."""
    with torch.device("meta"):
        expected = build_generator(cfg).state_dict()
    where = f"{gf.meta.dataset}/{gf.meta.label}"
    if expected.keys() != gf.tensors.keys():
        odd = sorted(expected.keys() ^ gf.tensors.keys())[:3]
        raise CorruptFile(f"{where}: weights do not fit architecture {cfg.arch!r}: tensors {odd} differ")
    for k, want in expected.items():
        got = gf.tensors[k]
        if got.shape != want.shape or got.is_floating_point() != want.is_floating_point():
            raise CorruptFile(f"{where}: tensor {k!r} is {got.dtype} {tuple(got.shape)}, architecture {cfg.arch!r} "
                              f"expects {want.dtype} {tuple(want.shape)}")


def save_generator(registry: LocalRegistry, net: nn.Module, *, config: NetConfig, dataset: str, label: int | None,
                   class_name: str, steps: int = 0, seconds: float = 0.0, seed: int = 0,
                   dtype: torch.dtype | None = None, loss: str = "wgan-gp",
                   warm_start: dict | None = None, labels: tuple[int, ...] | None = None,
                   truncation: float | None = None, truncation_scores: dict[str, float] | None = None) -> Path:
    """Save ``net`` (its state dict, optionally cast to ``dtype``) as the generator of (dataset, label);
    ``label=None`` saves a conditional generator (``config.num_classes > 0``) serving ``labels``, the labels it
    learned (None: every label)."""
    meta = GeneratorMeta(kind="generator" if label is not None else "conditional", dataset=dataset, label=label,
                         class_name=class_name, arch=config.arch, arch_config=config.to_json(), latent_dim=config.latent_dim, image_shape=config.image_shape,
                         steps=steps, seconds=float(seconds), seed=seed, package_version=__version__, loss=loss,
                         warm_start=warm_start, labels=labels, truncation=truncation,
                         truncation_scores=truncation_scores)
    state = net.state_dict()
    if dtype is not None:
        state = {k: v.to(dtype) if v.is_floating_point() else v for k, v in state.items()}
    return registry.save_generator(state, meta)


def default_truncation(net: nn.Module) -> float | None:
    """The sampling default a loaded net's file stores (``generator_from_file``), None when it stores none."""
    return getattr(net, "default_truncation", None)


def module_nbytes(net: nn.Module) -> int:
    return sum(t.numel() * t.element_size() for t in list(net.parameters()) + list(net.buffers()))
