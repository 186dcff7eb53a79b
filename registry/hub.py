"""A registry published as a Hugging Face Hub model repo, read lazily: the index first, then only the
files asked for, each checked against the index's sha256 before anything reads it.

Downloads go to Hugging Face's own cache (``HF_HUB_CACHE`` / ``HF_HOME``), so ``HF_HUB_OFFLINE=1``,
``HF_ENDPOINT`` and the ``hf cache`` tools behave as users of the Hub expect.
"""
from __future__ import annotations

import logging
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
import torch

from .errors import ChecksumMismatch, EntryNotFound, InvalidName, suggest
from .files import GeneratorFile, read_extra, read_placed_generator, sha256_file
from .hub_access import HubAccess
from .index import INDEX_NAME, load_index
from .meta import GeneratorMeta
from .names import check_dataset_name, check_label, extra_relpath, generator_relpath
from .records import DatasetEntry, GeneratorRecord, Index
from .summary import DatasetSummary, ranges, summarise

__all__ = ["HUB_SCHEME", "HubLocation", "HubRegistry", "is_hub_url"]

log = logging.getLogger(__name__)

HUB_SCHEME = "hf://"
_REPO_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,95}/[A-Za-z0-9][A-Za-z0-9_.-]{0,95}$")
_REVISION_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_./-]{0,255}$")


def is_hub_url(value: object) -> bool:
    return isinstance(value, str) and value.startswith(HUB_SCHEME)


@dataclass(frozen=True)
class HubLocation:
    """``hf://ORG/NAME@REVISION``: a model repo and a branch, tag or commit (default ``main``)."""
    repo_id: str
    revision: str = "main"

    def __post_init__(self) -> None:
        if not _REPO_RE.match(self.repo_id) or ".." in self.repo_id:
            raise InvalidName(f"Hub repo: expected ORG/NAME (letters, digits, '-', '_', '.'), got {self.repo_id!r}")
        if not _REVISION_RE.match(self.revision) or ".." in self.revision:
            raise InvalidName(f"Hub revision: expected a branch, tag or commit, got {self.revision!r}")

    @classmethod
    def parse(cls, text: str, revision: str | None = None) -> HubLocation:
        """``hf://ORG/NAME@REV``, ``hf://ORG/NAME`` or plain ``ORG/NAME``; ``revision`` overrides ``@REV``."""
        body = text[len(HUB_SCHEME):] if is_hub_url(text) else text
        repo, _, rev = body.partition("@")
        return cls(repo.strip("/"), revision or rev or "main")

    def __str__(self) -> str:
        return f"{HUB_SCHEME}{self.repo_id}@{self.revision}"


class HubRegistry:
    """The read side of ``LocalRegistry`` over a Hub repo. The revision is resolved to a commit once, when
    the index is fetched, and every later file comes from that commit: the files always match the index."""

    def __init__(self, location: HubLocation, *, access: HubAccess | None = None) -> None:
        self.location = location
        self.access = access or HubAccess()
        index_path = self.access.download(location.repo_id, INDEX_NAME, location.revision)
        self.root = index_path.parent  # the snapshot folder of the resolved commit, in the Hub cache
        self.commit = self.root.name
        self._index = load_index(self.root)
        self._verified: dict[str, tuple[int, int]] = {}
        self._lock = threading.Lock()
        log.info("opened %s at commit %s", location, self.commit)

    def __repr__(self) -> str:
        return f"HubRegistry({str(self.location)!r}, commit={self.commit!r})"

    @property
    def where(self) -> str:
        return f"{HUB_SCHEME}{self.location.repo_id}@{self.location.revision}"

    def index(self) -> Index:
        return self._index

    def _entry(self, dataset: str) -> DatasetEntry:
        return self._index.entry(check_dataset_name(dataset))

    def _indexed(self, dataset: str, label: int | None) -> GeneratorRecord | None:
        entry = self._entry(dataset)
        return entry.conditional if label is None else entry.generators.get(check_label(label))

    # -- generators ----------------------------------------------------------------------------
    def path_of(self, dataset: str, label: int | None) -> Path:
        # Places come from the names, never from the index's "file" field: an index cannot point elsewhere.
        return self.root / generator_relpath(dataset, label)

    def has(self, dataset: str, label: int | None) -> bool:
        return self._indexed(dataset, label) is not None

    def labels(self, dataset: str) -> list[int]:
        return sorted(self._entry(dataset).generators)

    def fetch(self, dataset: str, label: int | None) -> Path:
        """The generator's file in the local cache, downloaded on first use and checked against the index."""
        record = self._indexed(dataset, label)
        if record is None:
            have = self.labels(dataset)
            raise EntryNotFound(f"{self.where} publishes no generator for dataset {dataset!r}, label {label}; "
                                f"published labels: {ranges(have) if have else '(none)'}"
                                + ("" if dataset in self._index.datasets
                                   else suggest(dataset, self._index.datasets)))
        return self._fetch_checked(generator_relpath(dataset, label), record.sha256)

    def read_meta(self, dataset: str, label: int | None) -> GeneratorMeta:
        """From the index: asking who serves a label downloads nothing."""
        record = self._indexed(dataset, label)
        if record is None:
            self.fetch(dataset, label)  # raises the EntryNotFound that lists what is published
        return record.meta  # type: ignore[union-attr]

    def read_generator(self, dataset: str, label: int | None) -> GeneratorFile:
        path = self.fetch(dataset, label)
        return read_placed_generator(path, dataset, label, expected_sha256=self._indexed(dataset, label).sha256)

    def extras(self, dataset: str) -> list[str]:
        return sorted(self._entry(dataset).extras)

    def fetch_extra(self, dataset: str, name: str) -> Path:
        record = self._entry(dataset).extras.get(name)
        if record is None:
            raise EntryNotFound(f"{self.where} publishes no {name!r} for dataset {dataset!r}")
        return self._fetch_checked(extra_relpath(dataset, name), record.sha256)

    def read_extra(self, dataset: str, name: str) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
        path = self.fetch_extra(dataset, name)
        tensors, metadata, _ = read_extra(path, expected_sha256=self._entry(dataset).extras[name].sha256)
        return tensors, metadata

    def _fetch_checked(self, relpath: str, sha256: str) -> Path:
        path = self.root / relpath
        with self._lock:
            if path.exists() and self._verified.get(relpath) == _stamp(path):
                return path
        path = self.access.download(self.location.repo_id, relpath, self.commit)
        digest = sha256_file(path)
        if digest != sha256:
            self.access.evict(path)  # a bad download must not be served from the cache next time
            raise ChecksumMismatch(f"{self.where}: {relpath}: expected sha256 {sha256} (from the repo's index), "
                                   f"got {digest}; the download was refused and removed from the cache")
        with self._lock:
            self._verified[relpath] = _stamp(path)
        return path

    # -- data sets ----------------------------------------------------------------------------
    def datasets(self) -> dict[str, DatasetSummary]:
        out = {n: self.dataset_summary(n) for n in sorted(self._index.datasets)}
        return {n: s for n, s in out.items() if s.labels or s.num_classes or s.conditional}

    def dataset_summary(self, name: str) -> DatasetSummary:
        entry = self._entry(name)
        return summarise(name, entry, info=entry.info, labels=tuple(self.labels(name)),
                         conditional=entry.conditional is not None)

    def require_dataset(self, name: str) -> DatasetSummary:
        known = self.datasets()
        if name not in known:
            raise EntryNotFound(f"{self.where} holds no dataset {name!r}{suggest(name, known)}")
        return known[name]


def _stamp(path: Path) -> tuple[int, int]:
    st = os.stat(path)
    return st.st_mtime_ns, st.st_size
