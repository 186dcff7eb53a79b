"""Data set specs (name, classes, image shape) and the resolution of a label given by index or name."""
from __future__ import annotations

import functools
import numbers
import re
from dataclasses import dataclass

from . import builtin
from .errors import AmbiguousLabel, InvalidConfig, LabelOutOfRange, UnknownLabel, suggest

__all__ = ["DatasetSpec", "BUILTIN_SPECS", "builtin_spec", "as_label", "as_labels"]


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
        label = as_label(label)
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


def as_label(label: object) -> object:
    """A label as users hold it, as the int it stands for: numpy and torch integers, 0-d integer tensors and
    arrays. Anything else comes back as it was (a float, a bool or a 2-d array is then refused by the caller)."""
    if isinstance(label, (bool, int, str)):
        return label
    if isinstance(label, numbers.Integral) and not _is_bool(label):
        return int(label)
    shape, dtype = getattr(label, "shape", None), getattr(label, "dtype", None)
    if shape is not None and len(shape) == 0 and _integer_dtype(dtype):
        return int(label.item())  # type: ignore[attr-defined]
    return label


def as_labels(labels: object) -> object:
    """A sequence of labels as users hold it: a list or tuple, or a 1-d numpy array or torch tensor of integers,
    as a list. Anything else comes back as it was (for the caller to refuse)."""
    shape, dtype = getattr(labels, "shape", None), getattr(labels, "dtype", None)
    if shape is not None and dtype is not None and hasattr(labels, "tolist"):
        return labels.tolist() if len(shape) == 1 and _integer_dtype(dtype) else labels
    return labels


def _is_bool(v: object) -> bool:
    return type(v).__name__ in ("bool_", "bool")


def _integer_dtype(dtype: object) -> bool:
    """An integer dtype of numpy or torch (never bool, never float)."""
    if dtype is None:
        return False
    is_floating = getattr(dtype, "is_floating_point", None)
    if is_floating is not None:  # a torch dtype
        return not is_floating and not getattr(dtype, "is_complex", False) and str(dtype) != "torch.bool"
    kind = getattr(dtype, "kind", "")  # a numpy dtype: i signed, u unsigned
    return kind in ("i", "u")


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
