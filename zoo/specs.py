"""Data set specs (name, classes, image shape) and the resolution of a label given by index or name."""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from . import builtin
from .errors import AmbiguousLabel, InvalidConfig, LabelOutOfRange, UnknownLabel, suggest

__all__ = ["DatasetSpec", "BUILTIN_SPECS", "builtin_spec"]


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    class_names: tuple[str, ...]  # index -> human name
    image_shape: tuple[int, int, int]  # (C, H, W) the zoo's generators produce by default
    description: str = ""
    class_ids: tuple[str, ...] = ()  # index -> a unique id that also names the class (ImageNet's WordNet ids)

    def __post_init__(self) -> None:
        if not self.class_names:
            raise InvalidConfig(f"dataset {self.name!r}: expected at least one class name, got none")
        if len(self.image_shape) != 3 or any(s <= 0 for s in self.image_shape):
            raise InvalidConfig(f"dataset {self.name!r}: expected image_shape (C, H, W), got {self.image_shape}")
        ids = self.class_ids
        if ids and (len(ids) != len(self.class_names) or len(set(ids)) != len(ids)):
            raise InvalidConfig(f"dataset {self.name!r}: expected one unique class id per class, got "
                                f"{len(set(self.class_ids))} distinct ids for {len(self.class_names)} classes")

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def resolve_label(self, label: int | str) -> int:
        """Index (an int, or a string of ASCII digits: always the index, even where a class is named by
        digits), class id, or class name: case-insensitive exact match first, then a unique prefix. A name
        that several classes share (ImageNet's 'cardigan') resolves only by index or id."""
        if isinstance(label, bool) or not isinstance(label, (int, str)):
            raise UnknownLabel(f"label for {self.name!r}: expected a class index or name, got {label!r}")
        if isinstance(label, str):
            key = label.strip().casefold()
            if not _INDEX.fullmatch(key):
                return self._by_name(label, key)
            label = int(key)
        if not 0 <= label < self.num_classes:
            raise LabelOutOfRange(f"label {label} of {self.name!r}: expected an index in 0..{self.num_classes - 1} "
                                  f"or a class name")
        return label

    def describe(self, index: int) -> str:
        """'cardigan' (474, n02963159): how errors name a class."""
        ident = f", {self.class_ids[index]}" if self.class_ids else ""
        return f"{self.class_names[index]!r} ({index}{ident})"

    def _by_name(self, label: str, key: str) -> int:
        hits = _name_table(self.class_names, self.class_ids).get(key)
        if hits is None:
            hits = tuple(i for i, n in enumerate(self.class_names) if n.casefold().startswith(key))
            if not hits:
                raise UnknownLabel(f"unknown label {label!r} for {self.name!r}{suggest(label, self.class_names)}")
        if len(hits) == 1:
            return hits[0]
        listed = ", ".join(self.describe(i) for i in hits)
        how = "the index or the class id" if self.class_ids else "the index"
        raise AmbiguousLabel(f"label {label!r} of {self.name!r} is ambiguous; it matches {listed}: use {how}")


_INDEX = re.compile(r"[+-]?[0-9]+")  # ASCII only: '²'.isdigit() is true but int('²') fails


@functools.lru_cache(maxsize=64)
def _name_table(names: tuple[str, ...], ids: tuple[str, ...]) -> dict[str, tuple[int, ...]]:
    """Every exact name and id (casefolded) -> the classes it names; a shared name keeps all of them."""
    table: dict[str, tuple[int, ...]] = {}
    for i, n in enumerate(names):
        table[n.casefold()] = table.get(n.casefold(), ()) + (i,)
    table.update((ident.casefold(), (i,)) for i, ident in enumerate(ids))
    return table


BUILTIN_SPECS = builtin.names()  # each built-in data set is a module of zoo.builtin


def builtin_spec(name: str) -> DatasetSpec | None:
    known = builtin.find(name)
    return known.spec if known is not None else None
