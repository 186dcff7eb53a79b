"""IDX files (MNIST, Fashion-MNIST), plain or gzipped, as the Debian package and torchvision store them."""
from __future__ import annotations

import gzip
import struct
from collections import OrderedDict
from pathlib import Path

import numpy as np

from ..errors import DataNotFound

__all__ = ["load_idx_label", "read_idx", "find_idx"]

_DTYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
# Decoded files, newest last: an evaluation loads one label at a time, and un-gzipping the whole train split for
# each (0.2 s on a 2-core AMD EPYC) was most of a 10-label evaluation's loading. Four: images and labels of both
# splits (Fashion-MNIST: 55 MB). Keyed by the file's size and mtime too, so a replaced file is read again.
_CACHE: OrderedDict[tuple[str, int, int], np.ndarray] = OrderedDict()
_CACHED_FILES = 4


def read_idx(path: Path) -> np.ndarray:
    """The array an IDX file holds (read-only; shared by every caller in the process)."""
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key in _CACHE:
        _CACHE.move_to_end(key)
        return _CACHE[key]
    arr = _decode(path)
    _CACHE[key] = arr
    while len(_CACHE) > _CACHED_FILES:
        _CACHE.popitem(last=False)
    return arr


def _decode(path: Path) -> np.ndarray:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _DTYPES:
        raise DataNotFound(f"{path}: expected an IDX file (magic 0x0000TTDD), got {data[:4].hex() or 'nothing'}")
    ndim = data[3]
    shape = struct.unpack(f">{ndim}I", data[4 : 4 + 4 * ndim])
    arr = np.frombuffer(data, dtype=_DTYPES[data[2]], offset=4 + 4 * ndim)
    if arr.size != int(np.prod(shape)):
        raise DataNotFound(f"{path}: header promises shape {shape}, the file holds {arr.size} values (truncated?)")
    return arr.reshape(shape)


def find_idx(root: Path, stem: str, subdirs: tuple[str, ...]) -> Path:
    """``stem`` (e.g. 'train-images-idx3-ubyte') under root, root/raw or root/<subdir>/raw, plain or .gz."""
    folders = [root, root / "raw", *(root / s / "raw" for s in subdirs)]
    for folder in folders:
        for name in (stem, stem + ".gz"):
            if (folder / name).is_file():
                return folder / name
    raise DataNotFound(f"no {stem}[.gz] under {root}; looked in {', '.join(str(f) for f in folders)}")


def load_idx_label(root: Path, subdir: str, label: int, split: str) -> np.ndarray:
    """The images of one label of an MNIST-style IDX split, uint8 (N, 1, H, W)."""
    prefix = "train" if split == "train" else "t10k"
    images = read_idx(find_idx(Path(root), f"{prefix}-images-idx3-ubyte", (subdir,)))
    labels = read_idx(find_idx(Path(root), f"{prefix}-labels-idx1-ubyte", (subdir,)))
    return images[labels == label][:, None]
