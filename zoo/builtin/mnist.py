"""LeCun's MNIST handwritten digits: 70,000 28x28 grey images, IDX files (torchvision's layout or plain)."""
from __future__ import annotations

from . import BuiltinSet, register

CLASSES = ("0 - zero", "1 - one", "2 - two", "3 - three", "4 - four",  # torchvision's MNIST.classes
           "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine")


def load(data, label, split, shape, cache):
    from training.data.idx import load_idx_label
    from training.errors import DataNotFound

    if data is None:
        raise DataNotFound("dataset 'mnist' needs --data PATH: expected the folder that holds its IDX files")
    return load_idx_label(data, "MNIST", label, split)


register(BuiltinSet("mnist", "MNIST handwritten digits, 28x28 grey", lambda: CLASSES, (1, 28, 28), load,
                    pad_to=(32,)))
