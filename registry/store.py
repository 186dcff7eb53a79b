"""A registry on the local file system: one folder, one generator file per (dataset, label)."""
from __future__ import annotations

import dataclasses
import json
import logging
import os
import threading
from pathlib import Path
from typing import Any

import torch

from . import layout
from .atomic import atomic_write_json, create_json_once, remove_stale_temporaries
from .errors import CorruptFile, EntryNotFound, RegistryNotFound, suggest
from .files import (GeneratorFile, encode_extra, encode_generator, read_extra, read_meta, read_placed_generator,
                    sha256_bytes, write_bytes)
from .index import build_index, dataset_folders, generator_files, holds_generators, load_index, read_json_file
from .layout import DATASET_INFO, INDEX_LOCK, INDEX_NAME, METRICS, RECORD
from .locks import exclusive
from .meta import GeneratorMeta
from .names import check_dataset_name, check_label, extra_relpath, generator_relpath
from .protocol import Registry
from .records import GeneratorRecord, Index, MetricsBlock, metrics_from_json
from .summary import DatasetSummary, ranges, summarise

__all__ = ["LocalRegistry", "DatasetSummary"]

log = logging.getLogger(__name__)


class LocalRegistry:
    """A folder holding ``index.json``. Reads see label files written after the index was built."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).expanduser().resolve()
        if not (self.root / INDEX_NAME).is_file():
            what = "does not exist" if not self.root.exists() else f"has no {INDEX_NAME}"
            how = (f"`zoo registry reindex {self.root}` indexes the generator files it holds"
                   if holds_generators(self.root) else "train into it with `zoo train ... --out PATH`, or pull one "
                   "with `zoo pull`")
            raise RegistryNotFound(f"not a registry: {self.root} {what}; expected a folder with {INDEX_NAME} ({how})")
        self._lock = threading.Lock()
        self._index: Index | None = None
        self._index_stamp: tuple[int, int] | None = None

    def __repr__(self) -> str:
        return f"LocalRegistry({str(self.root)!r})"

    @property
    def where(self) -> str:
        """How messages name this registry."""
        return str(self.root)

    @classmethod
    def create(cls, root: str | os.PathLike[str]) -> LocalRegistry:
        """Open ``root`` as a registry, making it (with an index of what it holds) if it is not one."""
        root = Path(root).expanduser()
        root.mkdir(parents=True, exist_ok=True)
        if not (root / INDEX_NAME).exists():  # ranks starting together: the first creates it, none overwrites
            index, _ = build_index(root)
            create_json_once(root / INDEX_NAME, index.to_json())
        return cls(root)

    # -- the index ---------------------------------------------------------------------------
    def index(self) -> Index:
        """The parsed index, re-read whenever the file changes on disk."""
        st = (self.root / INDEX_NAME).stat()
        stamp = (st.st_mtime_ns, st.st_size)
        with self._lock:
            if stamp != self._index_stamp:
                self._index, self._index_stamp = load_index(self.root), stamp
            return self._index  # type: ignore[return-value]

    def reindex(self) -> list[str]:
        """Rebuild ``index.json`` from the files; return the files that had to be left out."""
        with exclusive(self.root / INDEX_LOCK, wait=True):
            removed = remove_stale_temporaries(self.root / INDEX_NAME)  # a killed reindex's half-written index
            if removed:
                log.warning("removed %d temporaries a killed reindex of %s left", removed, self.root)
            index, problems = build_index(self.root)
            atomic_write_json(self.root / INDEX_NAME, index.to_json(), fault="index-write")
        log.info("reindexed %s: %d datasets, %d problems", self.root, len(index.datasets), len(problems))
        return problems

    def _indexed(self, dataset: str, label: int | None) -> GeneratorRecord | None:
        entry = self.index().entry(dataset)
        return entry.conditional if label is None else entry.generators.get(label)

    # -- generators ----------------------------------------------------------------------------
    def path_of(self, dataset: str, label: int | None) -> Path:
        """``label=None``: the data set's conditional generator."""
        return self.root / generator_relpath(dataset, label)

    def fetch(self, dataset: str, label: int | None) -> Path:
        """The local file of a generator: here, where it already is (a Hub registry downloads it)."""
        return self.path_of(dataset, label)

    def has(self, dataset: str, label: int | None) -> bool:
        return self.path_of(dataset, label).is_file()

    def save_generator(self, tensors: dict[str, torch.Tensor], meta: GeneratorMeta) -> Path:
        """Write one generator atomically. The index is left alone: parallel ranks never race on it."""
        path = self.path_of(meta.dataset, meta.label)
        data = encode_generator(tensors, meta)
        write_bytes(path, data, fault="generator-write")
        log.info("saved %s (%d bytes, sha256 %s)", path, len(data), sha256_bytes(data)[:12])
        return path

    def read_generator(self, dataset: str, label: int | None) -> GeneratorFile:
        """Read one generator (``label=None``: the conditional one); an indexed file must match its sha256."""
        path = self.path_of(check_dataset_name(dataset), label if label is None else check_label(label))
        if not path.is_file():
            have = self.labels(dataset)
            raise EntryNotFound(f"{self.root} has no generator for dataset {dataset!r}, label {label}; "
                                f"labels here: {ranges(have) if have else '(none)'}")
        entry = self._indexed(dataset, label)
        return read_placed_generator(path, dataset, label, expected_sha256=entry.sha256 if entry else None)

    def read_meta(self, dataset: str, label: int | None) -> GeneratorMeta:
        """The header meta of one generator, without reading its weights (files may be newer than the index)."""
        return read_meta(self.path_of(dataset, label))

    def save_extra(self, dataset: str, name: str, tensors: dict[str, torch.Tensor], metadata: dict[str, str]) -> Path:
        path = self.root / extra_relpath(dataset, name)
        write_bytes(path, encode_extra(tensors, metadata), fault="extra-write")
        return path

    def read_extra(self, dataset: str, name: str) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
        path = self.root / extra_relpath(dataset, name)
        if not path.is_file():
            raise EntryNotFound(f"{self.root} has no {name!r} for dataset {dataset!r} (expected {path})")
        entry = self.index().entry(dataset).extras.get(name)
        tensors, metadata, _ = read_extra(path, expected_sha256=entry.sha256 if entry else None)
        return tensors, metadata

    def extra_path(self, dataset: str, name: str) -> Path:
        return self.root / extra_relpath(dataset, name)

    def extras(self, dataset: str) -> list[str]:
        return sorted(self.index().entry(dataset).extras)

    def adopt_extra(self, source: Registry, dataset: str, name: str) -> Path:
        """Copy another registry's extra (e.g. its domain classifier) byte for byte, after checking it against
        that registry's index: the same file, the same sha256, so caches keyed by it are shared."""
        source.read_extra(dataset, name)  # checked (and, from the Hub, fetched) first
        path = self.root / extra_relpath(dataset, name)
        write_bytes(path, (source.root / extra_relpath(dataset, name)).read_bytes())
        return path

    # -- records beside the generators -------------------------------------------------------
    def start_run_dir(self, dataset: str, name: str) -> Path:
        """Where the shared warm start ``name`` keeps its config.json and stats.jsonl."""
        return layout.start_run_dir(self.root, dataset, name)

    def run_dir(self, dataset: str, label: int | None) -> Path:
        """Where the training run of (dataset, label) keeps config.json, stats.jsonl and its checkpoint."""
        return layout.run_dir(self.root, dataset, label)

    def runs(self, dataset: str) -> dict[str, Path]:
        """Run folders by label text ('7') or 'conditional'."""
        folder = layout.runs_dir(self.root, dataset)
        found = ((layout.run_key(p), p) for p in sorted(folder.iterdir())) if folder.is_dir() else ()
        return {key: p for key, p in found if key is not None}

    def run_configs(self, dataset: str) -> dict[str, dict[str, Any]]:
        """The training config each run recorded (its job's ``config``), keyed as ``runs``; a run without a
        readable record is left out: it says nothing of how it trained."""
        configs = {}
        for key, folder in self.runs(dataset).items():
            try:
                configs[key] = json.loads((folder / layout.RUN_CONFIG).read_text(encoding="utf-8"))["job"]["config"]
            except (OSError, ValueError, KeyError, TypeError):
                continue
        return configs

    def cache_path(self, dataset: str, name: str) -> Path:
        """A recomputable cache file of the data set (never indexed, never published)."""
        return layout.cache_dir(self.root, dataset) / name

    def metrics(self, dataset: str) -> dict[str, MetricsBlock]:
        """The data set's evaluations, one block per feature extractor ({} when none were measured)."""
        path = layout.dataset_dir(self.root, dataset) / METRICS
        if not path.is_file():
            return {}
        try:
            return metrics_from_json(read_json_file(path), source=str(path))
        except CorruptFile:  # an unreadable record is replaced by the next write, never fatal
            log.warning("ignoring unreadable %s", path)
            return {}

    def write_metrics(self, dataset: str, block: MetricsBlock) -> Path:
        """Store one feature extractor's block (the others are kept: never mixed), then reindex."""
        stored = self.metrics(dataset) | {block.features: block}
        path = layout.dataset_dir(self.root, dataset) / METRICS
        atomic_write_json(path, {k: b.to_json() for k, b in stored.items()})
        self.reindex()
        return path

    def write_record(self, dataset: str, record: dict[str, Any]) -> Path:
        """record.json: how the data set's models were made (command, budget, hardware)."""
        path = layout.dataset_dir(self.root, dataset) / RECORD
        atomic_write_json(path, record)
        return path

    def labels(self, dataset: str) -> list[int]:
        # The files are the truth: the index may lag behind ranks that are still writing.
        folder = self.root / check_dataset_name(dataset)
        return sorted(generator_files(folder)) if folder.is_dir() else []

    # -- data sets ----------------------------------------------------------------------------
    def write_dataset_info(self, name: str, *, class_names: list[str], image_shape: tuple[int, int, int]) -> None:
        """Record a data set's spec (for user data sets the zoo has no built-in spec of)."""
        info = {"name": check_dataset_name(name), "class_names": list(class_names), "image_shape": list(image_shape)}
        atomic_write_json(self.root / name / DATASET_INFO, info)

    def datasets(self) -> dict[str, DatasetSummary]:
        names = set(self.index().datasets) | {p.name for p in dataset_folders(self.root)}
        out = {n: self.dataset_summary(n) for n in sorted(names)}
        return {n: s for n, s in out.items() if s.labels or s.num_classes or s.conditional}

    def dataset_summary(self, name: str) -> DatasetSummary:
        entry = self.index().entry(check_dataset_name(name))
        info = entry.info
        if info is None and (self.root / name / DATASET_INFO).is_file():
            info = read_json_file(self.root / name / DATASET_INFO)
        summary = summarise(name, entry, info=info, labels=tuple(self.labels(name)), conditional=self.has(name, None))
        if summary.image_shape is None and (summary.labels or summary.conditional):
            # generators written after the last reindex
            first = self.path_of(name, summary.labels[0] if summary.labels else None)
            summary = dataclasses.replace(summary, image_shape=read_meta(first).image_shape)
        return summary

    def require_dataset(self, name: str) -> DatasetSummary:
        known = self.datasets()
        if name not in known:
            raise EntryNotFound(f"{self.root} holds no dataset {name!r}{suggest(name, known)}")
        return known[name]
