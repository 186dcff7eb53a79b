"""Helpers the benchmarks share: the bundled zoo's domain classifier, lent to a fresh registry."""
from __future__ import annotations

from pathlib import Path

from registry import LocalRegistry
from zoo.sources import bundled_registry_path

BUNDLED = bundled_registry_path()


def lend_classifier(root: Path, dataset: str = "fashion-mnist") -> float:
    """Copy the bundled domain classifier into the registry at ``root``; return its test accuracy."""
    reg = LocalRegistry.create(root)
    reg.adopt_extra(LocalRegistry(BUNDLED), dataset, "classifier")
    reg.reindex()
    return float(reg.read_extra(dataset, "classifier")[1]["test_accuracy"])
