"""A class-per-folder tree of many classes cut from Fashion-MNIST's real images, for scale tests and benchmarks
that need more labels than Fashion-MNIST's ten: class k holds real images of class k % 10, a different slice
of them for each k, as PNG files (what a user's own folder data set looks like)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

from . import DEBIAN_FASHION_MNIST
from .idx import find_idx, read_idx

__all__ = ["write_class_tree"]


def write_class_tree(root: Path, *, classes: int = 100, per_class: int = 12) -> Path:
    """Folders ``class-000`` .. (zero-padded, so text order is label order) of ``per_class`` PNGs each."""
    images = read_idx(find_idx(DEBIAN_FASHION_MNIST, "train-images-idx3-ubyte", ("FashionMNIST",)))
    labels = read_idx(find_idx(DEBIAN_FASHION_MNIST, "train-labels-idx1-ubyte", ("FashionMNIST",)))
    for k in range(classes):
        rounds = k // 10
        own = np.flatnonzero(labels == k % 10)[rounds * per_class:(rounds + 1) * per_class]
        folder = Path(root) / f"class-{k:03d}"
        folder.mkdir(parents=True, exist_ok=True)
        for i, j in enumerate(own):
            Image.fromarray(images[j]).save(folder / f"{i}.png")
    return Path(root)
