"""A training job: what ``zoo train`` was asked, built once, frozen. It is both the record every run saves
(in its ``config.json``) and the input every worker runs: a local process, a torchrun rank, or a SLURM
array task that reads it from a job file (``zoo train --job FILE``), never a command line rebuilt by hand.

Whether two jobs train the same thing is decided here and nowhere else (``TrainJob.shaping``): resume, the
shared start's key, local re-runs and array re-submissions all ask it.

    job = TrainJob("fashion-mnist", labels=(0, 7), registry="/shared/zoo", config=TrainConfig(budget_s=60))
    for label_job in job.label_jobs(detect_rank()):   # this rank's share
        run_label(label_job)
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from registry.atomic import atomic_write_bytes
from registry.layout import cache_dir

from . import losses
from .config import ADDED_SINCE as CONFIG_ADDED_SINCE
from .config import TrainConfig
from .data import DataSource, load_labels
from .errors import InvalidTrainConfig
from .shard import Rank, device_for, shard

__all__ = ["MODES", "JOB_FORMAT", "NOT_SHAPING", "TrainJob", "LabelJob", "describe_differences"]

MODES = ("per-label", "conditional")
JOB_FORMAT = 2  # 2: the job file carries every field (1: fields missing took today's defaults)
# What never changes the weights a job trains: where and how it runs, how often it reports and checkpoints, and
# the speed options that keep the arithmetic (tests/training/test_speed_options.py: the same weights to 1e-5,
# compile to 1e-4). bf16 precision does change them, so it shapes.
NOT_SHAPING = frozenset({"labels", "registry", "device", "retrain", "format",
                         "config.tick_s", "config.checkpoint_s", "config.channels_last", "config.compile",
                         "config.fused_adam"})
# Settings added after JOB_FORMAT 2, at the value that does what every version before them did: left out of the
# identity at that value, so records, checkpoints, start keys and job files written before them still match.
ADDED_SINCE = {f"config.{k}": v for k, v in CONFIG_ADDED_SINCE.items()}


@dataclass(frozen=True)
class TrainJob:
    dataset: str  # a built-in name, or the name a user data set (class-per-folder tree) gets in the registry
    labels: tuple[int, ...]  # the labels to train (class indices)
    registry: str  # absolute path of the registry folder the generators are written into
    config: TrainConfig  # how each generator is trained
    mode: str = "per-label"  # per-label: one generator per label; conditional: one model for all labels,
    #                          trained for budget x len(labels) (the monolithic baseline)
    data: str | None = None  # where the data set's files are (None: data that ships on the machine)
    resolution: int | None = None  # resize target of folder trees and ImageNet (None: 64)
    channels: int = 3  # channels of a user folder tree: 1 or 3
    max_images: int | None = None  # use only the first N images of each label (the small-data regime)
    device: str | None = None  # None: cuda:LOCAL_RANK when CUDA exists, else cpu
    retrain: bool = False  # train the labels even if the registry has them: each new file replaces the old one
    #                        atomically when written (until then the old one serves); without it they are skipped
    warm_start_from: str | None = None  # absolute path of a shared start to fine-tune every label from (instead
    #                                     of training one for config.warm_start of the budget; training.warm_start)

    def __post_init__(self) -> None:
        object.__setattr__(self, "labels", tuple(self.labels))
        if self.mode not in MODES:
            raise InvalidTrainConfig(f"TrainJob.mode: expected one of {', '.join(MODES)}, got {self.mode!r}")
        if not self.labels or any(isinstance(k, bool) or not isinstance(k, int) or k < 0 for k in self.labels):
            raise InvalidTrainConfig(f"TrainJob.labels: expected class indices >= 0, got {self.labels!r}")
        if not os.path.isabs(self.registry):
            raise InvalidTrainConfig(f"TrainJob.registry: expected an absolute path, got {self.registry!r}")
        if self.mode == "conditional" and not losses.get(self.config.loss).conditional:
            able = [x for x in losses.names() if losses.get(x).conditional]
            raise InvalidTrainConfig(f"--loss {self.config.loss} trains per-label generators only (the paper's "
                                     f"baseline); the conditional baseline takes --loss {' or '.join(able)}")
        if self.mode == "conditional" and self.config.truncation != "none":
            raise InvalidTrainConfig("--truncation auto chooses one label's default on its own images; the "
                                     "conditional model serves every label from one file: expected --truncation none")
        if self.mode == "conditional" and (self.config.warm_start or self.warm_start_from):
            raise InvalidTrainConfig("--warm-start fans a shared start out to per-label generators; the conditional "
                                     "baseline is one model: use --mode per-label, or no warm start")
        if self.warm_start_from is not None and not os.path.isabs(self.warm_start_from):
            raise InvalidTrainConfig(f"TrainJob.warm_start_from: expected an absolute path, "
                                     f"got {self.warm_start_from!r}")
        if self.max_images is not None and (isinstance(self.max_images, bool) or not isinstance(self.max_images, int)
                                            or self.max_images < 1):
            raise InvalidTrainConfig(f"TrainJob.max_images: expected None or a positive integer, got {self.max_images!r}")
        if self.channels not in (1, 3):
            raise InvalidTrainConfig(f"TrainJob.channels: expected 1 or 3, got {self.channels!r}")

    def data_source(self) -> DataSource:
        return DataSource(self.dataset, Path(self.data) if self.data else None, self.resolution, self.channels)

    def load_images(self, labels: tuple[int, ...]) -> tuple[torch.Tensor, torch.Tensor]:
        """These labels' training images as the job prepares them, and each image's label. Decoded class
        folders (ImageNet, user trees) are kept in the registry's cache: a rerun does not decode them again."""
        return load_labels(self.dataset, labels, data=self.data, resolution=self.resolution, channels=self.channels,
                           max_images=self.max_images, cache=cache_dir(Path(self.registry), self.dataset) / "decoded")

    def unit_labels(self) -> tuple[int | None, ...]:
        """The job's units of work: one per label, or (conditional mode) the one model, label None."""
        return (None,) if self.mode == "conditional" else self.labels

    def label_jobs(self, rank: Rank | None = None) -> list[LabelJob]:
        """This rank's work: its share of the labels, or (conditional mode) the one model, on rank 0."""
        rank = rank or Rank(0, 1)
        device = str(device_for(rank, self.device))
        if self.mode == "conditional":
            return [LabelJob(self, None, device)] if rank.rank == 0 else []
        return [LabelJob(self, label, device) for label in shard(self.labels, rank)]

    # -- identity: what shapes the weights -----------------------------------------------------------
    def shaping(self) -> dict[str, Any]:
        """Every setting that shapes a generator of this job, flat ('config.lr': 3e-4): the config, the data
        and its preparation, the mode and the start. Two jobs with equal ``shaping`` train the same thing."""
        before = {f"config.{k}": v for k, v in self.config.identity_defaults().items()}
        return {k: v for k, v in _flat(self.to_json()).items()
                if k not in NOT_SHAPING and not (k in before and v == before[k])}

    def differences(self, other: TrainJob) -> list[str]:
        """How ``other`` would train the same labels differently: 'field: this -> other' for each setting that
        shapes a generator."""
        return describe_differences(self.shaping(), other.shaping())

    def uses_shared_start(self) -> bool:
        return self.mode == "per-label" and (self.config.warm_start > 0 or self.warm_start_from is not None)

    def identity(self, label: int | None) -> dict[str, Any]:
        """What one unit of the job is trained from: its label, the shaping settings, and the labels whose images
        shaped it (its own; every label of the job when it learns them all or fine-tunes a start trained on them).
        A checkpoint carries it; only a run of the same identity resumes it."""
        together = label is None or (self.uses_shared_start() and self.warm_start_from is None)
        return {**self.shaping(), "label": label,
                "trained_on": list(self.labels) if together else [label]}

    def start_key(self) -> str:
        """The key of the job's shared start: what it is trained on and how, nothing else."""
        what = {**self.shaping(), "labels": list(self.labels)}
        return hashlib.sha256(json.dumps(what, sort_keys=True).encode()).hexdigest()[:12]

    # -- the job file ---------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["labels"], d["config"] = list(self.labels), self.config.to_json()
        return {"format": JOB_FORMAT, **d}

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> TrainJob:
        fields = {f.name for f in dataclasses.fields(cls)}
        if not isinstance(obj, dict) or not {"dataset", "labels", "registry", "config"} <= obj.keys():
            raise InvalidTrainConfig("a training job: expected an object with dataset, labels, registry and config")
        unknown = sorted(obj.keys() - fields - {"format"})
        if unknown:
            raise InvalidTrainConfig(f"a training job: unknown fields {unknown}; expected {sorted(fields)}")
        config = obj["config"] if isinstance(obj["config"], dict) else {}
        lacks = sorted(fields - obj.keys()) + [f"config.{f.name}" for f in dataclasses.fields(TrainConfig)
                                               if f.name not in config and f"config.{f.name}" not in ADDED_SINCE]
        if obj.get("format") != JOB_FORMAT or lacks:
            raise InvalidTrainConfig(f"a training job of an older format (format {obj.get('format', 1)}, this "
                                     f"version writes {JOB_FORMAT}): it lacks {', '.join(lacks) or 'nothing'}; "
                                     "its defaults may have changed since, so it is not guessed: run `zoo train` "
                                     "with the options you want again")
        try:
            config = TrainConfig.from_json(obj["config"])
        except TypeError as e:
            raise InvalidTrainConfig(f"a training job's config: {e}") from None
        rest = {k: v for k, v in obj.items() if k != "format"}
        return cls(**{**rest, "labels": tuple(obj["labels"]), "config": config})

    def file_name(self) -> str:
        """The job file's name, from its content: a job file once written never changes."""
        text = json.dumps(self.to_json(), sort_keys=True)
        return f"job-{hashlib.sha256(text.encode()).hexdigest()[:12]}.json"

    def to_text(self) -> str:
        """The job file's content."""
        return json.dumps(self.to_json(), indent=1, sort_keys=True) + "\n"

    def save(self, folder: Path) -> Path:
        path = Path(folder) / self.file_name()
        atomic_write_bytes(path, self.to_text().encode())
        return path

    @classmethod
    def load(cls, path: Path) -> TrainJob:
        try:
            obj = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InvalidTrainConfig(f"job file {path} does not exist: expected the file `zoo train` wrote") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
            raise InvalidTrainConfig(f"job file {path} is unreadable: {e}") from None
        return cls.from_json(obj)


@dataclass(frozen=True)
class LabelJob:
    """One unit of work of a job: one label's generator (or, label None, the conditional model)."""
    job: TrainJob
    label: int | None
    device: str = "cpu"

    @property
    def name(self) -> str:
        return "conditional" if self.label is None else str(self.label)

    @property
    def identity(self) -> dict[str, Any]:
        return self.job.identity(self.label)

    @property
    def wanted(self) -> tuple[int, ...]:
        """The labels whose images this unit trains on."""
        return self.job.labels if self.label is None else (self.label,)


def _flat(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(_flat(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def describe_differences(before: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """'field: before -> now' for each field that differs (absent on one side: <none>)."""
    missing = _Absent()
    return [f"{k}: {before.get(k, missing)!r} -> {now.get(k, missing)!r}"
            for k in sorted(before.keys() | now.keys()) if before.get(k, missing) != now.get(k, missing)]


class _Absent:
    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Absent)

    def __hash__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return "<none>"
