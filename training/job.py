"""A training job: what ``zoo train`` was asked, built once, frozen. It is both the record every run saves
(in its ``config.json``) and the input every worker runs: a local process, a torchrun rank, or a SLURM
array task that reads it from a job file (``zoo train --job FILE``), never a command line rebuilt by hand.

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

from registry.atomic import atomic_write_json
from registry.layout import cache_dir

from .config import TrainConfig
from .data import DataSource, load_labels
from .errors import InvalidTrainConfig
from .shard import Rank, device_for, shard

__all__ = ["MODES", "TrainJob", "LabelJob"]

MODES = ("per-label", "conditional")
SHAPING = ("mode", "data", "resolution", "channels", "max_images", "warm_start_from")  # beside the config


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
        if self.mode == "conditional" and self.config.loss != "wgan-gp":
            raise InvalidTrainConfig(f"--loss {self.config.loss} trains per-label generators only (the paper's "
                                     "baseline); the conditional baseline is a WGAN-GP: use --loss wgan-gp")
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

    def label_jobs(self, rank: Rank | None = None) -> list[LabelJob]:
        """This rank's work: its share of the labels, or (conditional mode) the one model, on rank 0."""
        rank = rank or Rank(0, 1)
        device = str(device_for(rank, self.device))
        if self.mode == "conditional":
            return [LabelJob(self, None, device)] if rank.rank == 0 else []
        return [LabelJob(self, label, device) for label in shard(self.labels, rank)]

    def differences(self, other: TrainJob) -> list[str]:
        """How ``other`` would train the same labels differently: 'field: this -> other' for every setting
        that shapes a generator (the config, the data and its preparation, the mode and the start)."""
        mine, theirs = self.to_json(), other.to_json()
        out = [f"{k}: {mine['config'][k]!r} -> {theirs['config'][k]!r}"
               for k in sorted(mine["config"]) if k != "tick_s" and mine["config"][k] != theirs["config"].get(k)]
        return out + [f"{k}: {mine[k]!r} -> {theirs[k]!r}" for k in SHAPING if mine[k] != theirs[k]]

    # -- the job file ---------------------------------------------------------------------------
    def to_json(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["labels"], d["config"] = list(self.labels), self.config.to_json()
        return d

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> TrainJob:
        fields = {f.name for f in dataclasses.fields(cls)}
        if not isinstance(obj, dict) or not {"dataset", "labels", "registry", "config"} <= obj.keys():
            raise InvalidTrainConfig("a training job: expected an object with dataset, labels, registry and config")
        unknown = sorted(obj.keys() - fields)
        if unknown:
            raise InvalidTrainConfig(f"a training job: unknown fields {unknown}; expected {sorted(fields)}")
        try:
            config = TrainConfig.from_json(obj["config"])
        except TypeError as e:
            raise InvalidTrainConfig(f"a training job's config: {e}") from None
        return cls(**{**obj, "labels": tuple(obj["labels"]), "config": config})

    def file_name(self) -> str:
        """The job file's name, from its content: a job file once written never changes."""
        text = json.dumps(self.to_json(), sort_keys=True)
        return f"job-{hashlib.sha256(text.encode()).hexdigest()[:12]}.json"

    def save(self, folder: Path) -> Path:
        path = Path(folder) / self.file_name()
        atomic_write_json(path, self.to_json())
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
    def wanted(self) -> tuple[int, ...]:
        """The labels whose images this unit trains on."""
        return self.job.labels if self.label is None else (self.label,)
