"""The built-in data sets, by name. Each is one module of this package that registers a ``BuiltinSet``: its
name, class names, image shape, default resolution and loader. Adding a built-in data set is one new module
here (every module of the package is imported); nothing else names one.

Loaders run only when training reads images, and import ``training.data``'s readers when called: a core
install (sampling only) never imports training. Class names that need a slow import (ImageNet's come from
torchvision) are built on first use.
"""
from __future__ import annotations

import functools
import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..named import NameTable

__all__ = ["BuiltinSet", "register", "find", "names"]

# (data folder or None, label, split "train"/"test", image shape (C, H, W), decode cache or None) -> uint8 (N, C, H, W)
Loader = Callable[[Path | None, int, str, tuple[int, int, int], Path | None], Any]


@dataclass(frozen=True, eq=False)
class BuiltinSet:
    name: str
    description: str
    class_names: Callable[[], tuple[str, ...]]
    image_shape: tuple[int, int, int]  # (C, H, W) of its images, or of its generators by default when resizable
    load: Loader
    resizable: bool = False  # images are resized to --resolution (default image_shape's); fixed-size sets are not
    pad_to: tuple[int, ...] = ()  # larger --resolution a fixed-size set is centred in, on its zero background: the
    #                               ResNet family's 32 px (three up-blocks from 4x4) for 28 px images, as LeNet did
    class_ids: Callable[[], tuple[str, ...]] | None = None  # unique ids that also name the classes
    labels_present: Callable[[Path], tuple[int, ...]] | None = None  # a data folder may hold a subset of the classes
    short_name: str | None = None  # in metric names (fid_fmnistnet); default: the name without punctuation

    @property
    def num_classes(self) -> int:
        """Without building the spec where ids name the classes (ImageNet's names import torchvision)."""
        return len(self.class_ids()) if self.class_ids else len(self.class_names())

    @functools.cached_property
    def spec(self):  # -> zoo.specs.DatasetSpec
        from ..specs import DatasetSpec

        return DatasetSpec(self.name, self.class_names(), self.image_shape, self.description,
                           self.class_ids() if self.class_ids else ())


_SETS: NameTable[BuiltinSet] = NameTable("built-in data set")


def register(dataset: BuiltinSet) -> BuiltinSet:
    return _SETS.register(dataset.name, dataset)


def find(name: str) -> BuiltinSet | None:
    return _SETS.find(name)


def names() -> tuple[str, ...]:
    return _SETS.names()


for _module in sorted(m.name for m in pkgutil.iter_modules(__path__)):
    importlib.import_module(f"{__name__}.{_module}")
