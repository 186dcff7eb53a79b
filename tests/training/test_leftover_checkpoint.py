"""A kill after a label's generator is saved and before its checkpoint is removed leaves that checkpoint behind
(seen in CI: a SLURM task killed in that window). The run that finds the label done removes it when it is the
finished run's own (same identity, written before the generator); a --retrain run's newer progress and another
job's checkpoint stay. The kill itself, in a real `zoo train` process, is in test_kill_points ("label-saved")."""
from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from registry import LocalRegistry
from registry.layout import CHECKPOINT, run_dir
from training.checkpoint import save_checkpoint
from training.config import TrainConfig
from training.job import LabelJob, TrainJob
from training.run import already_done, run_label

from conftest import add_generator


def unit(root: Path, **config) -> LabelJob:
    return LabelJob(TrainJob("digits", (3,), str(root), TrainConfig(**config)), 3)


def checkpoint(reg: LocalRegistry, of: LabelJob, *, before_generator: bool) -> Path:
    path = run_dir(reg.root, "digits", 3) / CHECKPOINT
    path.parent.mkdir(parents=True, exist_ok=True)
    save_checkpoint(path, {"step": 7}, of.identity)
    generator_ns = reg.path_of("digits", 3).stat().st_mtime_ns
    stamp = generator_ns - 10**9 if before_generator else generator_ns + 10**9
    os.utime(path, ns=(stamp, stamp))
    return path


def test_the_finished_runs_own_checkpoint_goes_when_the_label_is_found_done(tmp_path: Path) -> None:
    reg = LocalRegistry.create(tmp_path / "reg")
    add_generator(reg, "digits", 3)
    left = checkpoint(reg, unit(reg.root), before_generator=True)
    assert already_done(unit(reg.root)).status == "skipped"
    assert not left.exists() and reg.has("digits", 3)


def test_a_retrain_runs_progress_and_another_jobs_checkpoint_are_kept(tmp_path: Path) -> None:
    reg = LocalRegistry.create(tmp_path / "reg")
    add_generator(reg, "digits", 3)
    newer = checkpoint(reg, unit(reg.root), before_generator=False)  # a --retrain killed after the file was saved
    assert already_done(unit(reg.root)).status == "skipped" and newer.exists()
    other = checkpoint(reg, unit(reg.root, seed=5), before_generator=True)  # another job's, never this one's to drop
    assert already_done(unit(reg.root)).status == "skipped" and other.exists()


def test_a_retrain_starts_afresh_rather_than_resume_the_finished_runs_leftover(tmp_path: Path) -> None:
    """Under the lock, before training: a --retrain would otherwise resume the old run near its end."""
    reg = LocalRegistry.create(tmp_path / "reg")
    add_generator(reg, "digits", 3)
    tiny = {"budget_s": 0.3, "preset": "tiny", "warm_start": 0.0, "batch_size": 8, "max_steps": 2}
    again = LabelJob(dataclasses.replace(unit(reg.root, **tiny).job, retrain=True), 3)
    left = checkpoint(reg, again, before_generator=True)
    result = run_label(again)
    assert result.status == "trained" and result.resumed_from == 0 and not left.exists()
