"""Train the generator of one (dataset, label) of a ``TrainJob`` into its registry: skip if present, lock,
resume, save.

Run records live beside the generators, in the folder the registry names (``LocalRegistry.run_dir``; their
file names are ``registry.layout``'s): the job, its identity, the net config and where it ran; one stats line
per tick; timings; and, while the run is unfinished, the checkpoint (which carries its identity: only the
same identity resumes it, ``checkpoint``).
"""
from __future__ import annotations

import dataclasses
import json
import logging
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import torch

from registry import LocalRegistry, faults
from registry.atomic import atomic_write_json, remove_stale_temporaries
from registry.layout import CHECKPOINT, LOCK, RUN_CONFIG, RUN_STATS, RUN_TIMING, replaced_stats_path
from registry.locks import exclusive
from zoo.loading import save_generator
from zoo.specs import builtin_spec

from . import preempt
from .checkpoint import load_checkpoint, made_under, save_checkpoint
from .errors import EmptyLabel
from .job import LabelJob
from .shard import detect_rank
from .speed import cpu_name, use_bf16
from .timing import Stopwatch, process_age_s
from .warm_start import apply_warm_start, ensure_warm_start
from .wgan_gp import new_state, train_steps

__all__ = ["LabelJob", "LabelResult", "already_done", "run_label"]

log = logging.getLogger(__name__)
Tick = Callable[[dict], None]


@dataclass(frozen=True)
class LabelResult:
    label: int | None  # None: the conditional baseline
    status: str  # "trained" | "skipped" (already in the registry) | "busy" (another process holds it) |
    #              "stopped" (asked to stop: checkpointed at a step boundary, or not started)
    steps: int = 0
    seconds: float = 0.0
    resumed_from: int = 0  # generator steps restored from a checkpoint
    cpu_seconds: float = 0.0  # CPU time this process got in the training loop: below ``seconds`` when other
    #                           processes share its cores (a host's contention below the hypervisor does not show)


def already_done(unit: LabelJob) -> LabelResult | None:
    """The result of a unit whose generator the registry holds (and no --retrain): skipped; else None."""
    reg = LocalRegistry.create(unit.job.registry)
    if unit.job.retrain or not reg.has(unit.job.dataset, unit.label):
        return None
    folder = reg.run_dir(unit.job.dataset, unit.label)
    if (folder / CHECKPOINT).is_file():
        with exclusive(folder / LOCK, wait=False) as held:  # one in training is left alone
            if held:
                _remove_finished_checkpoint(unit, reg)
    log.info("%s/%s is already in %s: skipped", unit.job.dataset, unit.name, unit.job.registry)
    return LabelResult(unit.label, "skipped")


def run_label(unit: LabelJob, on_tick: Tick | None = None) -> LabelResult:
    done = already_done(unit)
    if done is not None:
        return done
    reg, dataset = LocalRegistry.create(unit.job.registry), unit.job.dataset
    folder = reg.run_dir(dataset, unit.label)
    folder.mkdir(parents=True, exist_ok=True)
    with exclusive(folder / LOCK, wait=False) as held:  # released if this process dies
        if not held:
            log.warning("%s/%s is being trained by another process: skipped here%s", dataset, unit.name,
                        ", its current file left as it is" if reg.has(dataset, unit.label) else "")
            return LabelResult(unit.label, "busy")
        _remove_finished_checkpoint(unit, reg)
        if reg.has(dataset, unit.label) and not unit.job.retrain:  # finished by another process while we waited
            return LabelResult(unit.label, "skipped")
        for target in (reg.path_of(dataset, unit.label), folder / CHECKPOINT, folder / RUN_CONFIG):
            remove_stale_temporaries(target)
        return _train(unit, reg, folder, on_tick)


def _remove_finished_checkpoint(unit: LabelJob, reg: LocalRegistry) -> None:
    """A kill after a label's generator is saved and before its checkpoint goes leaves that checkpoint behind,
    and nothing resumes a label that is done (a --retrain would resume it near its end). The caller holds the
    label's lock. Only a checkpoint of this identity written before the generator is the finished run's; a newer
    one is a --retrain run's progress and another identity's belongs to another job: both are kept."""
    ckpt = reg.run_dir(unit.job.dataset, unit.label) / CHECKPOINT
    try:
        older = ckpt.stat().st_mtime_ns <= reg.path_of(unit.job.dataset, unit.label).stat().st_mtime_ns
    except FileNotFoundError:
        return
    if older and made_under(ckpt, unit.identity):
        ckpt.unlink()
        log.info("%s/%s: removed the checkpoint its finished run left behind", unit.job.dataset, unit.name)


def _load(unit: LabelJob, names: tuple[str, ...]) -> tuple[torch.Tensor, torch.Tensor | None]:
    """The unit's images, uint8 (N, C, H, W), and for a conditional model the label of each (N,)."""
    job = unit.job
    bad = [lab for lab in unit.wanted if not 0 <= lab < len(names)]
    if bad:
        raise EmptyLabel(f"{job.dataset} has labels 0..{len(names) - 1}; got {bad[0]}")
    images, labels = job.load_images(unit.wanted)
    return images, (labels if unit.label is None else None)


def _resume(unit: LabelJob, state, folder: Path, device: torch.device) -> None:
    """Restore the unit's checkpoint if it was made under the unit's identity (another is moved aside)."""
    saved = load_checkpoint(folder / CHECKPOINT, device=device, identity=unit.identity)
    if saved is None:
        return
    state.load_state_dict(saved)
    log.info("%s/%s resumes at step %d, %.0f s spent", unit.job.dataset, unit.name, state.step, state.seconds)


def _train(unit: LabelJob, reg: LocalRegistry, folder: Path, on_tick: Tick | None) -> LabelResult:
    job, device = unit.job, torch.device(unit.device)
    cfg, watch, process_age = job.config, Stopwatch(), process_age_s()
    names = job.data_source().class_names()
    with watch.time("data_s"):
        images, labels = _load(unit, names)
    images, labels = images.to(device), (labels.to(device) if labels is not None else None)
    net_cfg = cfg.net_config(tuple(images.shape[1:]))
    if labels is not None:
        net_cfg = dataclasses.replace(net_cfg, num_classes=len(names))
    if builtin_spec(job.dataset) is None:
        reg.write_dataset_info(job.dataset, class_names=list(names), image_shape=net_cfg.image_shape)
    # Equal budget: the conditional baseline gets what the per-label runs of its labels get together; after a
    # warm start each label fine-tunes for what the start left of its budget.
    deadline = cfg.label_budget_s() * len(unit.wanted)
    with watch.time("build_s"):
        state = new_state(cfg, net_cfg, seed=cfg.label_seed(unit.label if labels is None else len(names)),
                          device=device)
    with watch.time("warm_start_s"):
        start = ensure_warm_start(job)  # already trained by the pool or by another rank: this reads and checks it
        if start is not None:
            apply_warm_start(state, start[1], kind=start[0].kind, label=unit.label, images=images)
    warm = start[0].record() if start is not None else None
    _resume(unit, state, folder, device)
    resumed_from = state.step
    if resumed_from == 0 and (folder / RUN_STATS).is_file():  # a new run: the old run's stats are kept apart
        (folder / RUN_STATS).rename(replaced_stats_path(folder, time.strftime("%Y%m%dT%H%M%S")))
    atomic_write_json(folder / RUN_CONFIG, {
        "job": job.to_json(), "identity": unit.identity, "label": unit.label, "budget_s": deadline,
        "net_config": net_cfg.to_json(),
        "warm_start": warm, "device": str(device), "cpu": cpu_name() if device.type == "cpu" else None,
        "arithmetic": "bf16" if use_bf16(cfg.precision, device) else "fp32", "images": len(images),
        "launcher": dataclasses.asdict(detect_rank()), "pid": os.getpid(), "host": socket.gethostname()})
    # Held past the last step: a stop request that comes while the finished label is saved waits for the save
    # (seconds) rather than throwing the whole run away.
    with preempt.training():
        ckpt_path = folder / CHECKPOINT
        with open(folder / RUN_STATS, "a", encoding="utf-8") as stats:
            def tick(line: dict) -> None:
                line = {"label": unit.label, "time": round(time.time(), 3), **line}
                stats.write(json.dumps(line) + "\n")
                stats.flush()
                if on_tick is not None:
                    on_tick(line)

            cpu_start = time.process_time()
            train_steps(state, images, cfg, deadline_s=deadline, labels=labels, on_tick=tick,
                        on_checkpoint=lambda s: save_checkpoint(ckpt_path, s.state_dict(), unit.identity))
            cpu_seconds = time.process_time() - cpu_start
        return _finish(unit, reg, folder, state, images=images, labels=labels, names=names, net_cfg=net_cfg,
                       warm=warm, watch=watch, process_age=process_age, resumed_from=resumed_from,
                       cpu_seconds=cpu_seconds)


def _finish(unit: LabelJob, reg: LocalRegistry, folder: Path, state, *, images: torch.Tensor,
            labels: torch.Tensor | None, names: tuple[str, ...], net_cfg, warm: dict | None, watch: Stopwatch,
            process_age: float, resumed_from: int, cpu_seconds: float) -> LabelResult:
    """The trained label's truncation choice, its generator file and timing; its checkpoint goes."""
    job, cfg = unit.job, unit.job.config
    truncation, truncation_scores = None, None
    if cfg.truncation == "auto" and labels is None:
        from .truncation import choose_truncation, features_for  # the metrics stack, only where it is used

        with watch.time("truncation_s"):
            truncation, truncation_scores = choose_truncation(state.G_ema, images.cpu(),
                                                              features_for(job.registry, job.dataset))
        log.info("%s/%s: truncation %s chosen on its training images (FID %s)", job.dataset, unit.name,
                 truncation or "none", truncation_scores)
    with watch.time("save_s"):
        save_generator(reg, state.G_ema, config=net_cfg, dataset=job.dataset, label=unit.label,
                       class_name=names[unit.label] if labels is None else "", steps=state.step,
                       seconds=state.seconds, seed=cfg.seed, loss=cfg.loss, warm_start=warm,
                       labels=unit.wanted if labels is not None else None, truncation=truncation,
                       truncation_scores=truncation_scores)
    atomic_write_json(folder / RUN_TIMING, {"process_age_at_label_start_s": process_age, **watch.seconds,
                                               "first_step_s": state.first_step_s,
                                               "train_s": round(state.seconds, 4),
                                               "train_cpu_s": round(cpu_seconds, 4), "steps": state.step})
    faults.reached("label-saved")
    (folder / CHECKPOINT).unlink(missing_ok=True)
    log.info("%s/%s trained: %d steps in %.1f s", job.dataset, unit.name, state.step, state.seconds)
    return LabelResult(unit.label, "trained", state.step, state.seconds, resumed_from, cpu_seconds)


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
