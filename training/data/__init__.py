"""Per-label training data: the images of one label only, in memory as uint8 (N, C, H, W).

    images = load_label("fashion-mnist", 7)                      # Debian's IDX files, no --data needed
    images = load_label("cifar10", 3, data="/data/cifar")        # python batches
    images = load_label("imagenet1k", 281, data="/data/imagenet/train", resolution=64)
    images = load_label("my-set", 0, data="/data/my-set", resolution=64)   # class-per-folder tree
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from zoo.specs import builtin_spec

from ..errors import DataNotFound, EmptyLabel
from .cifar import load_cifar
from .decoded import decoded_folder
from .folders import class_folders
from .idx import find_idx, read_idx
from .imagenet import synset_folder, synset_folders

__all__ = ["DataSource", "load_label", "load_labels", "DEBIAN_FASHION_MNIST"]

log = logging.getLogger(__name__)
DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")
FOLDER_RESOLUTION = 64  # ImageNet and user folders are resized to this unless told otherwise
SPLITS = ("train", "test")
DIGITS_TRAIN = 1437  # scikit-learn's digits have no split: the first 80 % train, the rest test


@dataclass(frozen=True)
class DataSource:
    dataset: str  # a built-in name, or the name a user data set gets in the registry
    data: Path | None = None  # where the files are; None for sets that ship on the machine
    resolution: int | None = None  # resize target for folder trees (ImageNet, user sets)
    channels: int = 3  # for user folder trees: 1 (grey) or 3

    def class_names(self) -> tuple[str, ...]:
        spec = builtin_spec(self.dataset)
        if spec is not None:
            return spec.class_names
        return tuple(p.name for p in class_folders(self._need_data()))

    def labels_present(self) -> tuple[int, ...]:
        """The labels this data holds: ImageNet's synsets present under ``data``; every class otherwise."""
        if self.dataset == "imagenet1k":
            return tuple(sorted(synset_folders(self._need_data())))
        return tuple(range(len(self.class_names())))

    def image_shape(self) -> tuple[int, int, int]:
        spec = builtin_spec(self.dataset)
        if spec is not None and self.dataset != "imagenet1k":
            return spec.image_shape
        res = self.resolution or FOLDER_RESOLUTION
        return (3 if spec is not None else self.channels, res, res)

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


def load_labels(dataset: str, labels: tuple[int, ...], *, data: str | None = None, resolution: int | None = None,
                channels: int = 3, max_images: int | None = None,
                cache: Path | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """The training images of several labels together, uint8 (N, C, H, W), the first ``max_images`` of each,
    and the label of each image (N,)."""
    parts = [load_label(dataset, lab, data=data, resolution=resolution, channels=channels, cache=cache)[:max_images]
             for lab in labels]
    return torch.cat(parts), torch.cat([torch.full((len(p),), lab) for p, lab in zip(parts, labels)])


def _load(src: DataSource, label: int, split: str, cache: Path | None) -> np.ndarray:
    name = src.dataset
    if name in ("fashion-mnist", "mnist"):
        root = src.data or (DEBIAN_FASHION_MNIST if name == "fashion-mnist" else None)
        if root is None:
            src._need_data()
        sub = ("FashionMNIST",) if name == "fashion-mnist" else ("MNIST",)
        prefix = "train" if split == "train" else "t10k"
        images = read_idx(find_idx(Path(root), f"{prefix}-images-idx3-ubyte", sub))
        labels = read_idx(find_idx(Path(root), f"{prefix}-labels-idx1-ubyte", sub))
        return images[labels == label][:, None]  # (N, 1, 28, 28)
    if name == "digits":
        from sklearn.datasets import load_digits  # ships with scikit-learn: no download

        d = load_digits()
        part = slice(0, DIGITS_TRAIN) if split == "train" else slice(DIGITS_TRAIN, None)
        images, targets = d.images[part], d.target[part]
        return (images[targets == label] * (255 / 16)).round().astype(np.uint8)[:, None]  # 0..16 -> 0..255
    if name in ("cifar10", "cifar100"):
        return load_cifar(name, src._need_data(), label, split)
    if split != "train":
        raise DataNotFound(f"{name}: class-per-folder trees have only a train split")
    shape = src.image_shape()
    if name == "imagenet1k":
        folder = synset_folder(src._need_data(), label)
    else:
        folders = class_folders(src._need_data())
        if not 0 <= label < len(folders):
            raise EmptyLabel(f"{src.data} has {len(folders)} class folders; label {label} is not one of "
                             f"0..{len(folders) - 1}")
        folder = folders[label]
    return decoded_folder(folder, resolution=shape[1], channels=shape[0], cache=cache)
