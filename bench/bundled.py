"""Helpers the benchmarks share: the bundled zoo's domain classifier, lent to a fresh registry."""
from __future__ import annotations

import shutil
from pathlib import Path

import zoo
from registry import LocalRegistry

BUNDLED = Path(zoo.__file__).parent / "pretrained"


def lend_classifier(root: Path, dataset: str = "fashion-mnist") -> float:
    """Copy the bundled domain classifier into the registry at ``root``; return its test accuracy."""
    shutil.copytree(BUNDLED / dataset / "extras", Path(root) / dataset / "extras", dirs_exist_ok=True)
    LocalRegistry.create(root).reindex()
    return float(LocalRegistry(root).read_extra(dataset, "classifier")[1]["test_accuracy"])
