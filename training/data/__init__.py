"""Per-label training data: the images of one label only, in memory as uint8 (N, C, H, W).

    images = load_label("fashion-mnist", 7)                      # Debian's IDX files, no --data needed
    images = load_label("cifar10", 3, data="/data/cifar")        # python batches
    images = load_label("imagenet1k", 281, data="/data/imagenet/train", resolution=64)
    images = load_label("my-set", 0, data="/data/my-set", resolution=64)   # class-per-folder tree

Built-in data sets load through their own module (``zoo.builtin``); anything else is a class-per-folder tree.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from zoo import builtin
from zoo.builtin.fashion_mnist import DEBIAN_FASHION_MNIST

from ..errors import DataNotFound, EmptyLabel, InvalidTrainConfig
from .decoded import decoded_folder
from .folders import class_folders

__all__ = ["DataSource", "load_label", "load_labels", "seeded_subset", "DEBIAN_FASHION_MNIST"]

log = logging.getLogger(__name__)
FOLDER_RESOLUTION = 64  # user folder trees are resized to this unless told otherwise
SPLITS = ("train", "test")


@dataclass(frozen=True)
class DataSource:
    dataset: str  # a built-in name, or the name a user data set gets in the registry
    data: Path | None = None  # where the files are; None for sets that ship on the machine
    resolution: int | None = None  # resize target for folder trees (ImageNet, user sets)
    channels: int = 3  # for user folder trees: 1 (grey) or 3

    @property
    def builtin(self) -> builtin.BuiltinSet | None:
        """The built-in data set of this name (None: a user's class-per-folder tree)."""
        return builtin.find(self.dataset)

    def class_names(self) -> tuple[str, ...]:
        if self.builtin is not None:
            return self.builtin.spec.class_names
        return tuple(p.name for p in class_folders(self._need_data()))

    def labels_present(self) -> tuple[int, ...]:
        """The labels this data holds: those its folder holds where it may hold a subset (ImageNet's synsets);
        every class otherwise."""
        if self.builtin is not None and self.builtin.labels_present is not None:
            return self.builtin.labels_present(self._need_data())
        return tuple(range(len(self.class_names())))

    def image_shape(self) -> tuple[int, int, int]:
        known = self.builtin
        if known is not None and not known.resizable:
            c, h, w = known.image_shape
            if self.resolution in (None, h) or (h == w and self.resolution in known.pad_to):
                return (c, self.resolution or h, self.resolution or w)
            padded = " (the larger centres its images on their zero background)" if known.pad_to else ""
            raise InvalidTrainConfig(f"dataset {self.dataset!r} is {h}x{w} px and not resized: resolution "
                                     f"{self.resolution} is not one of {', '.join(map(str, (h, *known.pad_to)))}"
                                     + padded)
        res = self.resolution or (known.image_shape[1] if known is not None else FOLDER_RESOLUTION)
        return (known.image_shape[0] if known is not None else self.channels, res, res)

    def _need_data(self) -> Path:
        if self.data is None:
            raise DataNotFound(f"dataset {self.dataset!r} needs --data PATH: expected the folder that holds it")
        return Path(self.data).expanduser()


def load_label(dataset: str, label: int, *, data: str | os.PathLike[str] | None = None,
               resolution: int | None = None, channels: int = 3, split: str = "train",
               cache: Path | None = None) -> torch.Tensor:
    """The images of one label of a split ("train" or "test") as uint8 (N, C, H, W). Raises EmptyLabel
    if there are none. ``cache``: a folder for decoded class folders (ImageNet, user trees), reused by later
    runs (``decoded.decoded_folder``)."""
    if split not in SPLITS:
        raise DataNotFound(f"split {split!r}: expected one of {', '.join(SPLITS)}")
    src = DataSource(dataset, Path(data) if data is not None else None, resolution, channels)
    arr = _load(src, label, split, cache)
    if len(arr) == 0:
        raise EmptyLabel(f"dataset {dataset!r}, label {label}: expected images to train on, found none")
    log.info("loaded %d images of %s label %d, shape %s", len(arr), dataset, label, arr.shape[1:])
    return torch.from_numpy(np.ascontiguousarray(arr))


def seeded_subset(images: torch.Tensor, at_most: int | None, label: int) -> torch.Tensor:
    """At most ``at_most`` of one label's real images (None: all), the same seeded subset every time: what every
    reference that scores on fewer real images draws."""
    if not at_most or len(images) <= at_most:
        return images
    return images[torch.randperm(len(images), generator=torch.Generator().manual_seed(label))[:at_most]]


def load_labels(dataset: str, labels: tuple[int, ...], *, data: str | None = None, resolution: int | None = None,
                channels: int = 3, max_images: int | None = None,
                cache: Path | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """The training images of several labels together, uint8 (N, C, H, W), the first ``max_images`` of each,
    and the label of each image (N,)."""
    parts = [load_label(dataset, lab, data=data, resolution=resolution, channels=channels, cache=cache)[:max_images]
             for lab in labels]
    return torch.cat(parts), torch.cat([torch.full((len(p),), lab) for p, lab in zip(parts, labels)])


def _load(src: DataSource, label: int, split: str, cache: Path | None) -> np.ndarray:
    if src.builtin is not None:
        data = Path(src.data).expanduser() if src.data is not None else None
        shape = src.image_shape()
        return _centred(src.builtin.load(data, label, split, shape, cache), shape)
    if split != "train":
        raise DataNotFound(f"{src.dataset}: class-per-folder trees have only a train split")
    shape, folders = src.image_shape(), class_folders(src._need_data())
    if not 0 <= label < len(folders):
        raise EmptyLabel(f"{src.data} has {len(folders)} class folders; label {label} is not one of "
                         f"0..{len(folders) - 1}")
    return decoded_folder(folders[label], resolution=shape[1], channels=shape[0], cache=cache)


def _centred(images: np.ndarray, shape: tuple[int, int, int]) -> np.ndarray:
    """Fixed-size images (N, C, h, w) in the middle of a zero background of ``shape`` (the set's own size: as
    they are)."""
    (_, h, w), (n, c, ih, iw) = shape, images.shape
    if (ih, iw) == (h, w):
        return images
    out = np.zeros((n, c, h, w), dtype=images.dtype)
    top, left = (h - ih) // 2, (w - iw) // 2
    out[:, :, top:top + ih, left:left + iw] = images
    return out
