"""Data set specs (name, classes, image shape) and the resolution of a label given by index or name."""
from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from . import classnames
from .errors import AmbiguousLabel, InvalidConfig, LabelOutOfRange, UnknownLabel, suggest

__all__ = ["DatasetSpec", "BUILTIN_SPECS", "builtin_spec"]


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    class_names: tuple[str, ...]  # index -> human name
    image_shape: tuple[int, int, int]  # (C, H, W) the zoo's generators produce by default
    description: str = ""

    def __post_init__(self) -> None:
        if not self.class_names:
            raise InvalidConfig(f"dataset {self.name!r}: expected at least one class name, got none")
        if len(self.image_shape) != 3 or any(s <= 0 for s in self.image_shape):
            raise InvalidConfig(f"dataset {self.name!r}: expected image_shape (C, H, W), got {self.image_shape}")

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def resolve_label(self, label: int | str) -> int:
        """Index, or class name: case-insensitive exact match first, then a unique prefix."""
        if isinstance(label, bool) or not isinstance(label, (int, str)):
            raise UnknownLabel(f"label for {self.name!r}: expected a class index or name, got {label!r}")
        if isinstance(label, str):
            key = label.strip().casefold()
            found = self._by_name().get(key)
            if found is not None:
                return found
            if not key.lstrip("-").isdigit():
                return self._by_prefix(label, key)
            label = int(key)
        if not 0 <= label < self.num_classes:
            raise LabelOutOfRange(f"label {label} of {self.name!r}: expected an index in 0..{self.num_classes - 1} "
                                  f"or a class name")
        return label

    def _by_name(self) -> dict[str, int]:
        return _name_table(self.class_names)

    def _by_prefix(self, label: str, key: str) -> int:
        hits = [(i, n) for i, n in enumerate(self.class_names) if n.casefold().startswith(key)]
        if len(hits) == 1:
            return hits[0][0]
        if hits:
            listed = ", ".join(f"{n!r} ({i})" for i, n in hits)
            raise AmbiguousLabel(f"label {label!r} of {self.name!r} is ambiguous; it matches {listed}")
        raise UnknownLabel(f"unknown label {label!r} for {self.name!r}{suggest(label, self.class_names)}")


@functools.lru_cache(maxsize=64)
def _name_table(names: tuple[str, ...]) -> dict[str, int]:
    table: dict[str, int] = {}
    for i, n in enumerate(names):
        table.setdefault(n.casefold(), i)  # first wins when two classes share a name (ImageNet's 'crane')
    return table


def _spec(name: str, names: tuple[str, ...], shape: tuple[int, int, int], description: str) -> Callable[[], DatasetSpec]:
    return lambda: DatasetSpec(name, names, shape, description)


def _imagenet() -> DatasetSpec:
    return DatasetSpec("imagenet1k", classnames.imagenet1k_names(), (3, 64, 64),
                       "ImageNet-1k (ILSVRC 2012), resized to 64 px by default")


# Built lazily: ImageNet's names come from torchvision, whose import is slow.
_BUILDERS: dict[str, Callable[[], DatasetSpec]] = {
    "fashion-mnist": _spec("fashion-mnist", classnames.FASHION_MNIST, (1, 28, 28), "Zalando Fashion-MNIST, 28x28 grey"),
    "mnist": _spec("mnist", classnames.MNIST, (1, 28, 28), "MNIST handwritten digits, 28x28 grey"),
    "digits": _spec("digits", classnames.DIGITS, (1, 8, 8), "scikit-learn's 8x8 handwritten digits"),
    "cifar10": _spec("cifar10", classnames.CIFAR10, (3, 32, 32), "CIFAR-10, 32x32 colour"),
    "cifar100": _spec("cifar100", classnames.CIFAR100, (3, 32, 32), "CIFAR-100 fine labels, 32x32 colour"),
    "imagenet1k": _imagenet,
}
BUILTIN_SPECS = tuple(_BUILDERS)


@functools.lru_cache(maxsize=None)
def builtin_spec(name: str) -> DatasetSpec | None:
    build = _BUILDERS.get(name)
    return build() if build else None
