"""Train the generator of one (dataset, label) into a registry: skip if present, lock, resume, save.

Run records live beside the generators, in ``<registry>/<dataset>/runs/label-NNNNN/``:
``config.json`` (the TrainConfig and the net config), ``stats.jsonl`` (one line per tick) and, while the
run is unfinished, ``checkpoint.pt``.
"""
from __future__ import annotations

import dataclasses
import fcntl
import json
import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch

from registry import LocalRegistry
from registry.atomic import atomic_write_json, remove_stale_temporaries
from zoo.loading import save_generator
from zoo.specs import builtin_spec

from .checkpoint import load_checkpoint, save_checkpoint
from .config import TrainConfig
from .data import DataSource, load_label
from .errors import EmptyLabel
from .shard import detect_rank
from .wgan_gp import new_state, train_steps

__all__ = ["LabelJob", "LabelResult", "run_label", "run_dir"]

log = logging.getLogger(__name__)
Tick = Callable[[dict], None]


@dataclass(frozen=True)
class LabelJob:
    dataset: str
    label: int | None  # None: the conditional baseline over ``conditional_labels``
    registry: str  # registry root the generator is written into
    config: TrainConfig
    data: str | None = None
    resolution: int | None = None
    channels: int = 3
    device: str = "cpu"
    conditional_labels: tuple[int, ...] = ()  # labels one conditional model learns (label None)

    def __post_init__(self) -> None:
        if (self.label is None) != bool(self.conditional_labels):
            raise EmptyLabel("a job trains one label, or (label=None) a conditional model over conditional_labels")

    @property
    def name(self) -> str:
        return "conditional" if self.label is None else str(self.label)

    def source(self) -> DataSource:
        return DataSource(self.dataset, Path(self.data) if self.data else None, self.resolution, self.channels)


@dataclass(frozen=True)
class LabelResult:
    label: int | None  # None: the conditional baseline
    status: str  # "trained" | "skipped" (already in the registry) | "busy" (another process holds it)
    steps: int = 0
    seconds: float = 0.0
    resumed_from: int = 0  # generator steps restored from a checkpoint


def run_dir(registry_root: str | Path, dataset: str, label: int | None) -> Path:
    return Path(registry_root) / dataset / "runs" / ("conditional" if label is None else f"label-{label:05d}")


def run_label(job: LabelJob, on_tick: Tick | None = None) -> LabelResult:
    reg = LocalRegistry.create(job.registry)
    if reg.has(job.dataset, job.label):
        log.info("%s/%s is already in %s: skipped", job.dataset, job.name, reg.root)
        return LabelResult(job.label, "skipped")
    folder = run_dir(reg.root, job.dataset, job.label)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".lock", "a") as lock:
        try:  # released by the kernel when the process dies, so a killed run never blocks its rerun
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.warning("%s/%s is being trained by another process: skipped here", job.dataset, job.name)
            return LabelResult(job.label, "busy")
        if reg.has(job.dataset, job.label):  # finished by another process while we waited
            return LabelResult(job.label, "skipped")
        for target in (reg.path_of(job.dataset, job.label), folder / "checkpoint.pt", folder / "config.json"):
            remove_stale_temporaries(target)
        return _train(job, reg, folder, on_tick)


def _load(job: LabelJob, names: tuple[str, ...]) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The job's images, uint8 (N, C, H, W), and for a conditional model the label of each (N,)."""
    wanted = job.conditional_labels if job.label is None else (job.label,)
    bad = [lab for lab in wanted if not 0 <= lab < len(names)]
    if bad:
        raise EmptyLabel(f"{job.dataset} has labels 0..{len(names) - 1}; got {bad[0]}")
    parts = [load_label(job.dataset, lab, data=job.data, resolution=job.resolution, channels=job.channels)
             for lab in wanted]
    if job.label is not None:
        return parts[0], None
    return torch.cat(parts), torch.cat([torch.full((len(p),), lab) for p, lab in zip(parts, wanted)])


def _train(job: LabelJob, reg: LocalRegistry, folder: Path, on_tick: Tick | None) -> LabelResult:
    cfg, device, src = job.config, torch.device(job.device), job.source()
    names = src.class_names()
    images, labels = _load(job, names)
    images, labels = images.to(device), (labels.to(device) if labels is not None else None)
    net_cfg = cfg.net_config(tuple(images.shape[1:]))
    if labels is not None:
        net_cfg = dataclasses.replace(net_cfg, num_classes=len(names))
    if builtin_spec(job.dataset) is None:
        reg.write_dataset_info(job.dataset, class_names=list(names), image_shape=net_cfg.image_shape)
    # Equal budget: the conditional baseline gets what the per-label runs of its labels get together.
    deadline = cfg.budget_s * (len(job.conditional_labels) if labels is not None else 1)
    state = new_state(cfg, net_cfg, seed=cfg.label_seed(job.label if labels is None else len(names)), device=device)
    record = {"dataset": job.dataset, "label": job.label, "labels": list(job.conditional_labels) or None,
              "budget_s": deadline, "train_config": cfg.to_json(),
              "net_config": net_cfg.to_json(), "data": job.data, "device": str(device), "images": len(images),
              "launcher": dataclasses.asdict(detect_rank()), "pid": os.getpid(), "host": socket.gethostname()}
    ckpt_path = folder / "checkpoint.pt"
    saved = load_checkpoint(ckpt_path, device=device)
    config_path = folder / "config.json"
    if saved is not None and config_path.is_file() and json.loads(config_path.read_text())["train_config"] != cfg.to_json():
        log.warning("%s: checkpoint was made with another config; starting afresh", ckpt_path)
        saved = None
    if saved is not None:
        state.load_state_dict(saved)
        log.info("%s/%s resumes at step %d, %.0f s of %.0f s spent", job.dataset, job.name, state.step,
                 state.seconds, deadline)
    resumed_from = state.step
    atomic_write_json(config_path, record)

    with open(folder / "stats.jsonl", "a", encoding="utf-8") as stats:
        def tick(line: dict) -> None:
            line = {"label": job.label, "time": round(time.time(), 3), **line}
            stats.write(json.dumps(line) + "\n")
            stats.flush()
            if on_tick is not None:
                on_tick(line)

        train_steps(state, images, cfg, deadline_s=deadline, labels=labels, on_tick=tick,
                    on_checkpoint=lambda s: save_checkpoint(ckpt_path, s.state_dict()))
    save_generator(reg, state.G_ema, config=net_cfg, dataset=job.dataset, label=job.label,
                   class_name=names[job.label] if labels is None else "", steps=state.step, seconds=state.seconds, seed=cfg.seed)
    ckpt_path.unlink(missing_ok=True)
    log.info("%s/%s trained: %d steps in %.1f s", job.dataset, job.name, state.step, state.seconds)
    return LabelResult(job.label, "trained", state.step, state.seconds, resumed_from)


def ensure_writable(root: str | os.PathLike[str]) -> None:
    """Fail before any training when the registry cannot take files."""
    from .errors import InvalidTrainConfig

    path = Path(root)
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as e:
        raise InvalidTrainConfig(f"registry {path} is not writable: {e.strerror or e}") from None
