"""Where everything lives under a registry root: the one place that joins these paths.

    index.json                              derived from the files; never hand-edited
    <dataset>/dataset.json                  class names and image shape (user data sets)
    <dataset>/metrics.json                  evaluation results, one block per feature extractor
    <dataset>/record.json                   how the models were made (command, budget, hardware)
    <dataset>/label-00007.safetensors       one generator per label
    <dataset>/conditional.safetensors       one conditional generator serving every label
    <dataset>/extras/<name>.safetensors     models evaluation needs (the domain classifier)
    <dataset>/runs/label-00007/             training records: config.json, stats.jsonl, checkpoint
    <dataset>/runs/warm-start-<key>/        the record of a shared warm start (the start itself is an extra)
    <dataset>/cache/                        recomputable caches (reference features); never indexed
    .slurm/                                 job files, batch scripts and logs of submitted job arrays
"""
from __future__ import annotations

import re
from pathlib import Path

from .names import check_dataset_name, check_label

__all__ = ["INDEX_NAME", "INDEX_LOCK", "DATASET_INFO", "METRICS", "RECORD", "LOCAL_ONLY", "dataset_dir", "extras_dir",
           "runs_dir", "run_dir", "start_run_dir", "run_key", "cache_dir", "jobs_dir"]

INDEX_NAME = "index.json"
INDEX_LOCK = ".index.lock"  # held while index.json is rewritten: one reindex at a time
DATASET_INFO = "dataset.json"
METRICS = "metrics.json"
RECORD = "record.json"
LOCAL_ONLY = ("runs", "cache")  # folders of a data set that stay on the machine that made them
CONDITIONAL_RUN = "conditional"


def dataset_dir(root: Path, dataset: str) -> Path:
    return Path(root) / check_dataset_name(dataset)


def extras_dir(root: Path, dataset: str) -> Path:
    return dataset_dir(root, dataset) / "extras"


def runs_dir(root: Path, dataset: str) -> Path:
    return dataset_dir(root, dataset) / "runs"


def run_dir(root: Path, dataset: str, label: int | None) -> Path:
    """The training record folder of one label's run (``label=None``: the conditional model's)."""
    name = CONDITIONAL_RUN if label is None else f"label-{check_label(label):05d}"
    return runs_dir(root, dataset) / name


def start_run_dir(root: Path, dataset: str, name: str) -> Path:
    """The training record folder of a shared warm start (extra ``name``); not a label's run."""
    return runs_dir(root, dataset) / check_dataset_name(name)


def run_key(folder: Path) -> str | None:
    """A run folder's label as text ('7'), 'conditional', or None for a folder that is not a run."""
    if folder.name == CONDITIONAL_RUN:
        return CONDITIONAL_RUN
    m = re.fullmatch(r"label-(\d{5})", folder.name)
    return str(int(m.group(1))) if m else None


def cache_dir(root: Path, dataset: str) -> Path:
    return dataset_dir(root, dataset) / "cache"


def jobs_dir(root: Path) -> Path:
    """Where submitted job arrays keep their job files, batch scripts and logs (the registry may not exist yet)."""
    return Path(root) / ".slurm"
