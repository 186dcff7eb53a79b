"""Zalando's Fashion-MNIST: 70,000 28x28 grey images of 10 classes, IDX files. Debian's
``dataset-fashion-mnist`` puts them where this loader looks without --data."""
from __future__ import annotations

from pathlib import Path

from . import BuiltinSet, register

DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")
CLASSES = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")


def load(data, label, split, shape, cache):
    from training.data.idx import load_idx_label

    return load_idx_label(data or DEBIAN_FASHION_MNIST, "FashionMNIST", label, split)


register(BuiltinSet("fashion-mnist", "Zalando Fashion-MNIST, 28x28 grey", lambda: CLASSES, (1, 28, 28), load,
                    pad_to=(32,), short_name="fmnist"))
