"""The one protocol a registry implements, in a local folder (``LocalRegistry``) or a Hub repo
(``HubRegistry``): what the zoo's resolver and router may ask of either."""
from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable

import torch

from .files import GeneratorFile
from .meta import GeneratorMeta
from .records import Index
from .summary import DatasetSummary

__all__ = ["Registry"]


@runtime_checkable
class Registry(Protocol):
    root: Path  # the folder the files are in (for a Hub repo: its snapshot in the Hub cache)

    @property
    def where(self) -> str:
        """How messages name this registry: a folder, or ``hf://ORG/NAME@REV``."""

    def index(self) -> Index: ...

    def has(self, dataset: str, label: int | None) -> bool:
        """Whether the generator of (dataset, label) is here; ``label=None``: the conditional one."""

    def labels(self, dataset: str) -> list[int]:
        """Labels with a generator of their own here."""

    def path_of(self, dataset: str, label: int | None) -> Path: ...

    def fetch(self, dataset: str, label: int | None) -> Path:
        """The generator's local file (a Hub registry downloads and checks it first)."""

    def read_meta(self, dataset: str, label: int | None) -> GeneratorMeta: ...

    def read_generator(self, dataset: str, label: int | None) -> GeneratorFile: ...

    def extras(self, dataset: str) -> list[str]:
        """Names of the indexed extras (e.g. 'classifier') of the data set."""

    def read_extra(self, dataset: str, name: str) -> tuple[dict[str, torch.Tensor], dict[str, str]]: ...

    def datasets(self) -> dict[str, DatasetSummary]: ...

    def dataset_summary(self, name: str) -> DatasetSummary: ...

    def require_dataset(self, name: str) -> DatasetSummary: ...
