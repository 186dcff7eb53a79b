"""A per-label cache of decoded images: a class folder's images once decoded, cropped and resized, as one
uint8 ``.npy`` file, so a resumed or repeated run (or the next label's warm start) does not decode ImageNet's
~1,300 JPEGs of a synset again. The file is written atomically and named by what it was made from (the
folder's file names, sizes and times, the resolution and channels): a changed folder is decoded afresh."""
from __future__ import annotations

import hashlib
import io
import logging
from pathlib import Path

import numpy as np

from registry.atomic import atomic_write_bytes

from .folders import image_paths, load_folder

__all__ = ["decoded_folder"]

log = logging.getLogger(__name__)
FORMAT = "decoded-v1"  # part of every key: a change of crop or resize makes old files unused


def decoded_folder(folder: Path, *, resolution: int, channels: int, cache: Path | None) -> np.ndarray:
    """``load_folder``'s array, from ``cache`` when it holds this folder as it is now (None: no cache)."""
    if cache is None:
        return load_folder(folder, resolution=resolution, channels=channels)
    target = Path(cache) / f"{folder.name}-{resolution}px-{channels}ch-{_key(folder, resolution, channels)}.npy"
    if target.is_file():
        try:
            arr = np.load(target, allow_pickle=False)
            if arr.dtype == np.uint8 and arr.ndim == 4 and arr.shape[1:] == (channels, resolution, resolution):
                log.info("decoded images of %s from %s", folder, target)
                return arr
        except (OSError, ValueError) as e:
            log.warning("ignored a damaged decode cache %s: %s", target, e)
    arr = load_folder(folder, resolution=resolution, channels=channels)
    buf = io.BytesIO()
    np.save(buf, arr, allow_pickle=False)
    atomic_write_bytes(target, buf.getvalue())
    return arr


def _key(folder: Path, resolution: int, channels: int) -> str:
    h = hashlib.sha256(f"{FORMAT} {resolution} {channels}\n".encode())
    for p in image_paths(folder):
        st = p.stat()
        h.update(f"{p.name} {st.st_size} {st.st_mtime_ns}\n".encode())
    return h.hexdigest()[:16]
