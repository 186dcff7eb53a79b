"""CIFAR-10/100 in the 'python batches' format torchvision reads.

Those files are pickles; a restricted unpickler accepts only the plain containers and numpy arrays they
hold, so a crafted file cannot run code.
"""
from __future__ import annotations

import io
import pickle
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import DataNotFound

__all__ = ["load_cifar"]

_ALLOWED = {
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.multiarray", "scalar"), ("numpy._core.multiarray", "scalar"),
    ("numpy", "ndarray"), ("numpy", "dtype"), ("_codecs", "encode"),
}

class _SafeUnpickler(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        raise DataNotFound(f"refusing to unpickle {module}.{name}: a CIFAR batch holds only dicts and numpy arrays")


def _read(path: Path) -> dict:
    try:
        obj = _SafeUnpickler(io.BytesIO(path.read_bytes()), encoding="bytes").load()
    except (pickle.UnpicklingError, EOFError, ValueError) as e:
        raise DataNotFound(f"{path}: expected a CIFAR python batch: {e}") from None
    if not isinstance(obj, dict):
        raise DataNotFound(f"{path}: expected a dict, got {type(obj).__name__}")
    return {k.encode() if isinstance(k, str) else k: v for k, v in obj.items()}


def load_cifar(dataset: str, layout: tuple[str, list[str], list[str], bytes], root: Path, label: int,
               split: str = "train") -> np.ndarray:
    """The images of one label of a split, uint8 (N, 3, 32, 32); ``layout``: the set's folder, train files, test
    files and label key (``zoo.builtin.cifar``)."""
    folder_name, train_files, test_files, label_key = layout
    files = train_files if split == "train" else test_files
    folder = root / folder_name if (root / folder_name).is_dir() else root
    missing = [f for f in files if not (folder / f).is_file()]
    if missing:
        raise DataNotFound(f"{dataset}: expected {', '.join(files)} in {folder} (the python version of the "
                           f"data set, folder {folder_name}); missing {', '.join(missing)}")
    parts = []
    for f in files:
        batch = _read(folder / f)
        data, labels = np.asarray(batch[b"data"], dtype=np.uint8), np.asarray(batch[label_key])
        parts.append(data[labels == label].reshape(-1, 3, 32, 32))
    return np.concatenate(parts)
