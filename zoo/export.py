"""A synthetic labelled data set from the generators a registry path serves: what users of class-conditional
generators make them for (augmenting or balancing a classifier's training set, sharing data they cannot share).

Two formats:
- ``folders``: one folder per class, ``NNN-class-name`` (the label index first, zero-padded, so that the sorted
  folder names, which ``torchvision.datasets.ImageFolder`` numbers its classes by, give each class its own
  label index; the name made safe on every file system), one ``NNNNNN.png`` per image;
- ``npz``: one ``images.npz`` with ``images`` (uint8, N x C x H x W) and ``labels`` (int64, N).

Beside them, ``export.json``: each folder's label index, class name and id (ImageNet's WordNet id) where there
is one, each serving generator's file and sha256, the seed, the images per label and the package version.
Images are made ``CHUNK`` at a time and written as they come (bounded memory); image ``i`` of a label is the
same in every run (``chunk_seed``). Re-running the same export into the same folder writes nothing new, and
completes a stopped one; a folder that holds anything else is refused before anything is written.
"""
from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from registry.atomic import atomic_write_json
from registry.files import sha256_file

from . import _router
from .errors import InvalidRequest
from .images import to_pil
from .resolve import Provenance
from .sampling import MAX_SEED, check_seed
from .specs import as_labels
from .version import __version__

__all__ = ["export", "FORMATS", "MAX_PER_LABEL", "MANIFEST", "folder_name", "chunk_seed"]

log = logging.getLogger(__name__)
FORMATS = ("folders", "npz")
MAX_PER_LABEL = 100_000  # images per label: 70,000 is all of Fashion-MNIST; beyond this, export in parts
MANIFEST = "export.json"
CHUNK = 256  # images generated and written at a time


@dataclass(frozen=True)
class Exported:
    out: Path
    written: int  # images written by this call (0: everything was there)
    total: int


def folder_name(index: int, class_name: str, width: int) -> str:
    """``007-sneaker``: the index first so that sorted names keep label order; only [a-z0-9-] after it (safe on
    every file system, no case clashes), the index alone when nothing of the name is left."""
    slug = re.sub(r"[^a-z0-9]+", "-", class_name.lower()).strip("-")[:48].strip("-")
    return f"{index:0{width}d}-{slug}" if slug else f"{index:0{width}d}"


def chunk_seed(seed: int, label: int, chunk: int) -> int:
    """The sampling seed of one chunk of one label: a function of the three alone."""
    digest = hashlib.sha256(f"wcgan-zoo export {seed} {label} {chunk}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % MAX_SEED


def _check(per_label: object, fmt: str, out: Path) -> None:
    if isinstance(per_label, bool) or not isinstance(per_label, int) or not 1 <= per_label <= MAX_PER_LABEL:
        raise InvalidRequest(f"--per-label: expected images per label in 1..{MAX_PER_LABEL:,}, got {per_label!r}")
    if fmt not in FORMATS:
        raise InvalidRequest(f"--format: expected one of {', '.join(FORMATS)}, got {fmt!r}")
    if out.exists() and not out.is_dir():
        raise InvalidRequest(f"--out {out} is a file: expected a folder to write the data set into")


def _manifest(dataset: str, labels: list[int], served: list[Provenance], *, per_label: int, seed: int, fmt: str,
              class_ids: Sequence[str]) -> dict:
    width = max(3, len(str(max(labels))))
    classes = []
    for label, p in zip(labels, served):
        entry = {"label": label, "class_name": p.class_name, "kind": p.kind, "registry": p.registry,
                 "file": p.file.name, "sha256": sha256_file(p.file)}
        if class_ids:
            entry["class_id"] = class_ids[label]
        if fmt == "folders":
            entry = {"folder": folder_name(label, p.class_name, width), **entry}
        classes.append(entry)
    return {"dataset": dataset, "format": fmt, "per_label": per_label, "seed": seed, "chunk": CHUNK,
            "image_shape": list(served[0].meta.image_shape), "classes": classes, "package_version": __version__}


def _same_export(old: dict, new: dict) -> bool:
    keep = lambda m: {k: v for k, v in m.items() if k != "package_version"}  # noqa: E731
    return keep(old) == keep(new)


def export(dataset: str, out: str | Path, *, labels: Sequence[object] | None = None, per_label: int = 1000,
           seed: int = 0, fmt: str = "folders", registry=None,
           progress: Callable[[int, int], None] | None = None) -> Exported:
    """Write ``per_label`` generated images of every label served (or of ``labels``) into ``out``;
    ``progress(images_done_now, total)`` after each chunk."""
    out = Path(out)
    _check(per_label, fmt, out)
    seed = check_seed(seed)
    spec = _router.spec(dataset, registry=registry)
    if labels is None:  # every label the path serves
        held = _router.datasets(registry=registry).get(spec.name)
        wanted = sorted(held.labels) if held else []
    else:
        wanted = sorted({spec.resolve_label(x) for x in as_labels(labels)})
    if not wanted:
        raise InvalidRequest(f"no generator serves any label of {spec.name!r} on the registry path; see `zoo list`")
    served = [_router.which(spec.name, label, registry=registry) for label in wanted]
    manifest = _manifest(spec.name, wanted, served, per_label=per_label, seed=seed, fmt=fmt,
                         class_ids=spec.class_ids)
    existing = out / MANIFEST
    if existing.is_file():
        try:
            old = json.loads(existing.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            old = None
        if old is None or not _same_export(old, manifest):
            raise InvalidRequest(f"--out {out} holds another export ({MANIFEST} differs: other generators, labels, "
                                 "seed, format or count); expected an empty folder or the same export")
    elif out.is_dir() and any(out.iterdir()):
        raise InvalidRequest(f"--out {out} is not empty and holds no export: expected an empty or new folder")
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_json(existing, manifest)  # first: a stopped export is recognised and completed
    write = _write_folders if fmt == "folders" else _write_npz
    total = per_label * len(wanted)
    written = write(out, manifest, per_label, seed, registry,
                    (lambda n: progress(n, total)) if progress else None)
    log.info("exported %d new of %d images of %s into %s", written, per_label * len(wanted), spec.name, out)
    return Exported(out, written, per_label * len(wanted))


def _chunks(per_label: int):
    for c, start in enumerate(range(0, per_label, CHUNK)):
        yield c, start, min(CHUNK, per_label - start)


def _write_folders(out: Path, manifest: dict, per_label: int, seed: int, registry, progress) -> int:
    written = 0
    for entry in manifest["classes"]:
        folder = out / entry["folder"]
        folder.mkdir(exist_ok=True)
        for c, start, n in _chunks(per_label):
            paths = [folder / f"{start + i:06d}.png" for i in range(n)]
            if all(p.is_file() for p in paths):  # already written by an earlier run of this export
                if progress:
                    progress(n)
                continue
            x = _router.sample(manifest["dataset"], entry["label"], n=n, seed=chunk_seed(seed, entry["label"], c),
                               registry=registry)
            for path, img in zip(paths, to_pil(x)):
                if not path.is_file():
                    tmp = path.with_name(path.name + ".tmp")
                    img.save(tmp, format="PNG")
                    tmp.replace(path)
                    written += 1
            if progress:
                progress(n)
    return written


def _write_npz(out: Path, manifest: dict, per_label: int, seed: int, registry, progress) -> int:
    target = out / "images.npz"
    if target.is_file():
        if progress:
            progress(per_label * len(manifest["classes"]))
        return 0
    c, h, w = manifest["image_shape"]
    total = per_label * len(manifest["classes"])
    # Written into a memory-mapped array chunk by chunk, then packed: memory stays at one chunk of images.
    scratch = out / "images.tmp.npy"
    images = np.lib.format.open_memmap(scratch, mode="w+", dtype=np.uint8, shape=(total, c, h, w))
    labels = np.empty(total, dtype=np.int64)
    row = 0
    for entry in manifest["classes"]:
        for chunk, _, n in _chunks(per_label):
            x = _router.sample(manifest["dataset"], entry["label"], n=n,
                               seed=chunk_seed(seed, entry["label"], chunk), registry=registry)
            images[row:row + n] = (x * 255).round().clamp(0, 255).to(torch.uint8).numpy()
            labels[row:row + n] = entry["label"]
            row += n
            if progress:
                progress(n)
    images.flush()
    tmp = out / "images.npz.tmp"
    with open(tmp, "wb") as f:
        np.savez(f, images=images, labels=labels)
    del images
    scratch.unlink()
    tmp.replace(target)
    return total
