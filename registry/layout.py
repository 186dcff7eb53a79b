"""Where everything lives under a registry root: the one place that joins these paths.

    index.json                              derived from the files; never hand-edited
    <dataset>/dataset.json                  class names and image shape (user data sets)
    <dataset>/metrics.json                  evaluation results, one block per feature extractor
    <dataset>/record.json                   how the models were made (command, budget, hardware)
    <dataset>/label-00007.safetensors       one generator per label
    <dataset>/conditional.safetensors       one conditional generator serving every label
    <dataset>/extras/<name>.safetensors     models evaluation needs (the domain classifier)
    <dataset>/runs/label-00007/             one run's records (RUN_FILES): config.json (the job, its identity),
                                            stats.jsonl, timing.json, checkpoint.pt while unfinished, and
                                            checkpoint-set-aside-<time>.pt: a checkpoint of another job, kept
    <dataset>/runs/warm-start-<key>/        the record of a shared warm start (the start itself is an extra)
    <dataset>/cache/                        recomputable caches (reference features, decoded images); never indexed
    .slurm/                                 job files, batch scripts and logs of submitted job arrays

Every name of a file or folder inside a registry comes from this module. What never leaves the machine that
made it is ``MACHINE_LOCAL`` (the package build reads it too: ``setup.py``); what is never published to the
Hub is that and the run records (``NOT_PUBLISHED``).
"""
from __future__ import annotations

import re
from pathlib import Path

from .names import check_dataset_name, check_label

__all__ = ["INDEX_NAME", "INDEX_LOCK", "DATASET_INFO", "METRICS", "RECORD", "RUN_CONFIG", "RUN_STATS", "RUN_TIMING",
           "CHECKPOINT", "LOCK", "MACHINE_LOCAL", "NOT_PUBLISHED", "is_machine_local", "is_published",
           "dataset_dir", "extras_dir", "runs_dir", "run_dir", "start_run_dir", "run_key", "cache_dir", "jobs_dir",
           "set_aside_path", "replaced_stats_path"]

INDEX_NAME = "index.json"
INDEX_LOCK = ".index.lock"  # held while index.json is rewritten: one reindex at a time
DATASET_INFO = "dataset.json"
METRICS = "metrics.json"
RECORD = "record.json"
CONDITIONAL_RUN = "conditional"
# Inside a run folder.
RUN_CONFIG = "config.json"  # the job the run was made by, its identity, where it ran
RUN_STATS = "stats.jsonl"  # one line per tick
RUN_TIMING = "timing.json"  # where a label's wall-clock went (data, build, first step, save)
CHECKPOINT = "checkpoint.pt"  # resume state while the run is unfinished
LOCK = ".lock"  # held by the process training a run or a start
# Never leaves the machine that made it (neither the Hub nor the package): globs relative to the registry root.
# setup.py reads this tuple as a literal: keep it one.
MACHINE_LOCAL = ("*/cache/**", "**/.lock", ".index.lock", "**/*.held", "**/checkpoint*.pt", "**/.tmp-*",
                 ".slurm/**", "**/.write-test-*")
# Not published either: training records stay with the registry that trained them.
NOT_PUBLISHED = (*MACHINE_LOCAL, "*/runs/**")


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


def set_aside_path(folder: Path, stamp: str) -> Path:
    """Where a run's checkpoint of another job is kept: never resumed (only CHECKPOINT is), never deleted."""
    return Path(folder) / f"checkpoint-set-aside-{stamp}.pt"


def replaced_stats_path(folder: Path, stamp: str) -> Path:
    """Where a retrained run keeps the stats of the run it replaces."""
    return Path(folder) / f"stats-replaced-{stamp}.jsonl"


def _matches(rel: str, patterns: tuple[str, ...]) -> bool:
    return any(_glob_match(rel, p) for p in patterns)


def _glob_match(rel: str, pattern: str) -> bool:
    """A glob over a whole relative path: ** spans folders, * does not (PurePath.full_match, before 3.13)."""
    regex = re.escape(pattern).replace(r"\*\*/", "(?:.*/)?").replace(r"\*\*", ".*").replace(r"\*", "[^/]*")
    return re.fullmatch(regex, rel) is not None


def is_machine_local(rel: str) -> bool:
    """Whether the path (relative to the registry root, with /) stays on the machine that made it."""
    return _matches(rel, MACHINE_LOCAL)


def is_published(rel: str) -> bool:
    return not _matches(rel, NOT_PUBLISHED)


def cache_dir(root: Path, dataset: str) -> Path:
    return dataset_dir(root, dataset) / "cache"


def jobs_dir(root: Path) -> Path:
    """Where submitted job arrays keep their job files, batch scripts and logs (the registry may not exist yet)."""
    return Path(root) / ".slurm"
