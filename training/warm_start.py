"""Warm start and fan-out: one shared starting point, trained once on the images of every label of a job, from
which each label then fine-tunes alone, with no communication between labels. Pre-training both nets on related
data and fine-tuning them on the target is Wang et al. 2018, "Transferring GANs: generating images from limited
data". Two kinds (``TrainConfig.warm_start_kind``): an unconditional GAN of the job's architecture and loss, or
a class-conditional one that each label is specialised from (``specialize``: the label's generator and critic
compute what the conditional pair computes for that label, their batch norms calibrated to the label's own
statistics so that it stays so in training mode).

The start's core-seconds count inside the job's budget: it trains for ``warm_start x budget x labels``
core-seconds (on every core the job uses), and each label then fine-tunes for ``(1 - warm_start) x budget``.

The start is an extra of the registry, ``warm-start-<key>``, the key derived from what it was trained on and
how, so the same command finds it again: the generator, its EMA and the critic, with metadata that says what
it fits. Every label fine-tuned from it records the start's name and sha256 in its file. A start from
elsewhere (``TrainJob.warm_start_from``) is checked against the job, then copied in byte for byte.
The start has no checkpoint: killed, it is trained again from scratch (it is a share of one label's budget).
"""
from __future__ import annotations

import dataclasses
import json
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from registry import LocalRegistry
from registry.atomic import atomic_write_json, remove_stale_temporaries
from registry.errors import RegistryError
from registry.files import read_extra, write_bytes
from registry.layout import LOCK, RUN_CONFIG, RUN_STATS
from registry.locks import exclusive
from zoo.errors import ZooError
from zoo.nets import NetConfig

from .errors import InvalidTrainConfig
from .job import TrainJob
from .progress import ProgressBoard
from .shard import Rank, device_for
from .specialize import calibrate_batch_norm, specialize_critic, specialize_generator
from .wgan_gp import GanState, new_state, train_steps

__all__ = ["WarmStart", "ensure_warm_start", "start_name", "apply_warm_start"]

log = logging.getLogger(__name__)
KIND = "warm-start"
NETS = ("G", "D", "G_ema")  # what a label continues from: both nets and the generator's running average
CALIBRATION = 1024  # latents (or real images) a specialised net's batch-norm statistics are measured on


@dataclass(frozen=True)
class WarmStart:
    """A shared start as a label's file records it."""
    name: str  # the extra's name in the registry
    sha256: str
    labels: tuple[int, ...]  # the labels whose images it was trained on
    steps: int
    seconds: float  # wall-clock seconds it trained for
    threads: int  # torch threads it trained with (core-seconds = seconds x threads)
    kind: str = "unconditional"  # or "conditional": specialised to each label before it fine-tunes

    def record(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "labels": list(self.labels)}


def start_name(job: TrainJob) -> str:
    """The start's extra name: the given file's, or one derived from what the start is trained on and how."""
    if job.warm_start_from:
        return Path(job.warm_start_from).stem
    return f"{KIND}-{job.start_key()}"


def job_net_config(job: TrainJob) -> NetConfig:
    """The nets of the job's labels."""
    shape = job.data_source().image_shape()
    return job.config.net_config(shape)


def start_net_config(job: TrainJob) -> NetConfig:
    """The nets of the job's start: the labels' own, or (conditional) one pair for every class of the data set."""
    cfg = job_net_config(job)
    if job.config.warm_start_kind != "conditional":
        return cfg
    return dataclasses.replace(cfg, num_classes=len(job.data_source().class_names()), latent_bias=False)


def ensure_warm_start(job: TrainJob, *, threads: int | None = None,
                      progress: bool | None = False) -> tuple[WarmStart, dict[str, torch.Tensor]] | None:
    """The job's shared start and its tensors, trained first if the registry lacks it (None: the job has none).
    Several processes may ask at once (ranks of one job): one trains it, the others wait for it."""
    if not job.uses_shared_start():
        return None
    reg, name = LocalRegistry.create(job.registry), start_name(job)
    path = reg.extra_path(job.dataset, name)
    if job.warm_start_from:
        _adopt(Path(job.warm_start_from), path, job)
    else:
        folder = reg.start_run_dir(job.dataset, name)
        folder.mkdir(parents=True, exist_ok=True)
        with exclusive(folder / LOCK, wait=True):  # waits while another process trains it; released if it dies
            if not path.is_file():
                remove_stale_temporaries(path)  # a killed start's half-written file
                _train_start(job, reg, name, folder, threads or torch.get_num_threads(), progress)
    return _read(path, job)


def apply_warm_start(state: GanState, tensors: dict[str, torch.Tensor], *, kind: str = "unconditional",
                     label: int | None = None, images: torch.Tensor | None = None) -> None:
    """Continue from the start: both nets and the EMA take its weights (optimisers start afresh). A conditional
    start is first specialised to ``label`` and its batch norms calibrated to that label (``specialize``): the
    generators on CALIBRATION latents, the critic on the label's ``images`` (uint8, N x C x H x W)."""
    for net in NETS:
        prefix = f"{net}."
        sd = {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}
        module = getattr(state, net)
        if kind == "conditional":
            sd = specialize_critic(sd, label) if net == "D" else specialize_generator(sd, label, module.latent_dim)
        module.load_state_dict(sd)
        if kind == "conditional":
            calibrate_batch_norm(module, _calibration_inputs(module, net, label, images))


def _calibration_inputs(module: torch.nn.Module, net: str, label: int, images: torch.Tensor | None) -> torch.Tensor:
    device = next(module.parameters()).device
    if net != "D":
        rng = torch.Generator(device=device).manual_seed(label)  # the same latents in every process
        return torch.randn(CALIBRATION, module.latent_dim, generator=rng, device=device)
    if images is None:
        raise ValueError("a critic specialised from a conditional start is calibrated on its label's images")
    return images[:CALIBRATION].to(device).float().div_(255)


def _read(path: Path, job: TrainJob) -> tuple[WarmStart, dict[str, torch.Tensor]]:
    try:
        tensors, meta, digest = read_extra(path)
    except (RegistryError, OSError) as e:
        raise InvalidTrainConfig(f"warm start {path}: expected a start `zoo train --warm-start` wrote: {e}") from None
    _check(meta, job, path)
    try:
        fields = json.loads(meta["start"])
        start = WarmStart(path.stem, digest, tuple(fields["labels"]), int(fields["steps"]), float(fields["seconds"]),
                          int(fields["threads"]), meta.get("start_kind", "unconditional"))
    except (KeyError, TypeError, ValueError) as e:
        raise InvalidTrainConfig(f"warm start {path}: its record is incomplete ({e}); expected labels, steps, "
                                 "seconds and threads") from None
    missing = sorted(set(job.labels) - set(start.labels))
    if start.kind == "conditional" and missing:
        raise InvalidTrainConfig(f"warm start {path} is conditional on labels {list(start.labels)}: it cannot be "
                                 f"specialised to labels {missing} of this job; expected a start of the job's labels")
    return start, tensors


def _check(meta: dict[str, str], job: TrainJob, path: Path) -> None:
    """A start fits a job when it is of the same data set, net (architecture, widths, resolution, channels,
    latent size) and loss; anything else is refused with what was expected."""
    want = {"dataset": job.dataset, "net_config": start_net_config(job).to_json(), "loss": job.config.loss,
            "start_kind": job.config.warm_start_kind}
    if meta.get("kind") != KIND:
        raise InvalidTrainConfig(f"warm start {path}: expected a warm-start file, got kind {meta.get('kind')!r}")
    try:
        net = NetConfig.from_json(json.loads(meta["net_config"])).to_json()  # fields added since: their defaults
        got = {"dataset": meta["dataset"], "net_config": net, "loss": meta["loss"],
               "start_kind": meta.get("start_kind", "unconditional")}
    except (KeyError, json.JSONDecodeError, ZooError) as e:
        raise InvalidTrainConfig(f"warm start {path}: metadata incomplete ({e}); expected {sorted(want)}") from None
    diff = [f"{k}: expected {want[k]}, got {got[k]}" for k in want if got[k] != want[k]]
    if diff:
        raise InvalidTrainConfig(f"warm start {path} does not fit this job: " + "; ".join(diff))


def _adopt(source: Path, target: Path, job: TrainJob) -> None:
    if not source.is_file():
        raise InvalidTrainConfig(f"--warm-start-from {source}: no such file; expected a warm-start .safetensors")
    _read(source, job)  # checked before anything is copied
    data = source.read_bytes()
    if not (target.is_file() and target.read_bytes() == data):  # each label asks again: copied once
        target.parent.mkdir(parents=True, exist_ok=True)
        write_bytes(target, data)


def _train_start(job: TrainJob, reg: LocalRegistry, name: str, folder: Path, threads: int,
                 progress: bool | None) -> None:
    cfg, device = job.config.start_config(), device_for(Rank(0, 1), job.device)
    images, labels = job.load_images(job.labels)
    conditional = cfg.warm_start_kind == "conditional"
    net_cfg = start_net_config(job)
    # Its share of the job's core-seconds, spent on every core the job uses.
    deadline = cfg.start_core_seconds(len(job.labels)) / threads
    log.info("%s: training the shared warm start %s on %d images of %d labels for %.0f s on %d threads",
             job.dataset, name, len(images), len(job.labels), deadline, threads)
    state = new_state(cfg, net_cfg, seed=cfg.start_seed, device=device)
    atomic_write_json(folder / RUN_CONFIG, {"job": job.to_json(), "start": name, "budget_s": deadline,
                                               "threads": threads, "net_config": net_cfg.to_json(),
                                               "images": len(images), "pid": os.getpid()})
    before, board = torch.get_num_threads(), ProgressBoard(1, budget_s=deadline, enabled=progress)
    torch.set_num_threads(threads)
    try:
        with open(folder / RUN_STATS, "a", encoding="utf-8") as stats:
            def tick(line: dict) -> None:
                stats.write(json.dumps({"start": name, "time": round(time.time(), 3), **line}) + "\n")
                stats.flush()
                board.update(0, {"label": "shared start", **line})

            train_steps(state, images.to(device), cfg, deadline_s=deadline, on_tick=tick,
                        labels=labels.to(device) if conditional else None)
    finally:
        torch.set_num_threads(before)
        board.close()
    record = {"labels": list(job.labels), "steps": state.step, "seconds": round(state.seconds, 3), "threads": threads}
    tensors = {f"{net}.{k}": v for net in NETS for k, v in getattr(state, net).state_dict().items()}
    reg.save_extra(job.dataset, name, tensors, {"kind": KIND, "dataset": job.dataset, "loss": cfg.loss,
                                                "net_config": json.dumps(net_cfg.to_json()),
                                                "start_kind": cfg.warm_start_kind,
                                                "start": json.dumps(record), "seed": str(cfg.start_seed)})
    log.info("%s: warm start %s trained: %d steps in %.1f s", job.dataset, name, state.step, state.seconds)

