"""A 100-label job array on the real local SLURM cluster (slurmctld, slurmd, munge started by the fixture):
real Fashion-MNIST images cut into a 100-class folder tree, 25 labels per task, 2 tasks at a time. Mid-run
one task is SIGKILLed mid-step and the rest of the array cancelled (SIGTERM: they checkpoint and stop); the
same command is submitted again. Every label must end up trained exactly once, with no half file, the index
written by the job that follows the array, the labels of the first round left untouched, and the label killed
with a checkpoint resumed from it."""
from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path

import pytest
from conftest import requires, together
from slurm_cluster import slurm_available, slurm_cluster, wait_for_jobs

from registry import LocalRegistry, verify
from registry.index import all_generator_files
from registry.layout import CHECKPOINT, run_dir, run_key
from training.data.fmnist_tree import write_class_tree
from zoo.loading import generator_from_file

pytestmark = [pytest.mark.slow, requires(slurm_available()), together("slurm")]
CLASSES, TASKS = 100, 4
NAME = "fmnist100"


def squeue(env: dict[str, str]) -> list[tuple[str, str]]:
    out = subprocess.run(["squeue", "-h", "-r", "-o", "%i %T"], env=env, capture_output=True, text=True).stdout
    return [tuple(line.split()) for line in out.splitlines()]


def job_pids(env: dict[str, str], task: str) -> list[int]:
    """The processes of one array task, none if it has ended (``scontrol listpids`` wants the task's job id)."""
    queue = subprocess.run(["squeue", "-h", "-r", "-o", "%i %A"], env=env, capture_output=True, text=True).stdout
    job_id = dict(line.split() for line in queue.splitlines()).get(task)
    if job_id is None:
        return []
    listed = subprocess.run(["scontrol", "listpids", job_id], env=env, capture_output=True, text=True)
    out = listed.stdout if listed.returncode == 0 else ""
    return [int(line.split()[0]) for line in out.splitlines()[1:] if line.strip()]


def signal_all(pids: Iterable[int], sig: signal.Signals) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):  # a task that ended since it was listed
            os.kill(pid, sig)


def digests(out: Path) -> dict[int, str]:
    files = all_generator_files(out / NAME) if (out / NAME).is_dir() else {}
    return {k: hashlib.sha256(p.read_bytes()).hexdigest() for k, p in files.items()}


def test_a_hundred_label_array_survives_kills_and_resubmission(tmp_path, monkeypatch) -> None:
    data, out = write_class_tree(tmp_path / "data", classes=CLASSES, per_class=12), tmp_path / "reg"
    cmd = [sys.executable, "-m", "zoo", "train", "--name", NAME, "--data", str(data), "--channels", "1",
           "--resolution", "16", "--labels", "all", "--launcher", "slurm", "--array-size", str(TASKS),
           "--array-parallelism", "2", "--budget", "0.3s", "--checkpoint-every", "0.1s", "--warm-start", "0",
           "--preset", "tiny", "--batch-size", "8", "--out", str(out)]
    with slurm_cluster(tmp_path / "slurm") as env:
        started = time.monotonic()
        first = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)
        assert first.returncode == 0, first.stderr
        array_id = first.stdout.split("submitted job array ")[1].split()[0]
        deadline, running, checkpointed = time.monotonic() + 300, [], []
        # Some done, some running, and one label inside its training loop with a checkpoint saved: a signal that
        # lands while a task loads its next label's data ends it with nothing to resume (training.preempt), and
        # on a loaded machine, whose start-ups are slower, that once happened to both running tasks. The running
        # tasks are frozen before the checkpoints are looked at: with a 0.3 s budget a label may finish between a
        # look and a signal (stop 36's CI: then nothing was left to resume). The cluster is this machine, so its
        # processes are stopped directly (scancel's SIGSTOP on an array task makes SLURM drop its record here).
        while not checkpointed and time.monotonic() < deadline:
            time.sleep(0.05)
            running = [i for i, state in squeue(env) if state == "RUNNING" and i.startswith(array_id + "_")]
            if len(digests(out)) < 15 or not running or not list(out.rglob(CHECKPOINT)):
                continue
            pids = {task: job_pids(env, task) for task in running}
            signal_all(itertools.chain(*pids.values()), signal.SIGSTOP)
            # training.shard: round-robin, so label k is the array's task k % TASKS; only a frozen task's count,
            # and only a label with no generator yet: one frozen between saving its file and removing its
            # checkpoint is done, and the second round rightly skips it (stop 42's CI)
            saved = digests(out)
            checkpointed = sorted(k for k in (int(run_key(p.parent)) for p in out.rglob(CHECKPOINT))
                                  if pids.get(f"{array_id}_{k % TASKS}") and k not in saved)
            if not checkpointed:
                signal_all(itertools.chain(*pids.values()), signal.SIGCONT)
        assert checkpointed, squeue(env)
        killed_label = checkpointed[0]
        killed = f"{array_id}_{killed_label % TASKS}"
        subprocess.run(["scancel", "--batch", "--signal=KILL", killed], env=env, check=True)  # mid-step
        signal_all(itertools.chain(*(pids[task] for task in running if task != killed)), signal.SIGCONT)
        subprocess.run(["scancel", array_id], env=env, check=True)  # the rest: SIGTERM, or never started
        wait_for_jobs(env, timeout=300)
        done = digests(out)
        assert (run_dir(out, NAME, killed_label) / CHECKPOINT).is_file()  # what SIGKILL left
        first_round_s = time.monotonic() - started
        assert 15 <= len(done) < CLASSES
        reg = LocalRegistry(out)
        assert sorted(reg.index().datasets[NAME].generators) == sorted(done)  # the index job ran after all
        assert verify(reg, load_check=generator_from_file).ok  # whole files only, each loads
        stamps = {k: (run_dir(out, NAME, k) / "config.json").stat().st_mtime_ns for k in done}

        second = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)
        assert second.returncode == 0, second.stderr
        second_id = second.stdout.split("submitted job array ")[1].split()[0]
        wait_for_jobs(env, timeout=600)
        total_s = time.monotonic() - started
    print(f"100 labels: {len(done)} done when killed ({first_round_s:.0f} s), all done {total_s:.0f} s after the "
          "first submission")
    logs = "\n".join(p.read_text() for p in sorted((out / ".slurm").glob("slurm-*.out")))
    final = digests(out)
    assert sorted(final) == list(range(CLASSES)), logs[-3000:]
    assert {k: final[k] for k in done} == done  # the first round's generators untouched: trained once
    assert {k: (run_dir(out, NAME, k) / "config.json").stat().st_mtime_ns for k in done} == stamps
    reg = LocalRegistry(out)
    assert sorted(reg.index().datasets[NAME].generators) == list(range(CLASSES))
    assert verify(reg, load_check=generator_from_file).ok
    assert not list(out.rglob(".tmp-*")) and not list(out.rglob("checkpoint.pt"))
    second_logs = "\n".join(p.read_text() for p in (out / ".slurm").glob(f"slurm-{second_id}_*.out"))
    resumed = [line for line in second_logs.splitlines() if "resumed at step" in line]
    assert any(line.split()[:3] == ["label", str(killed_label), "trained"] for line in resumed), second_logs[-3000:]
    skipped = [line for line in second_logs.splitlines() if line.startswith("label") and " skipped " in line]
    assert len(skipped) == len(done)  # the second submission skipped exactly the labels finished before


def test_a_requeued_task_checkpoints_on_sigterm_and_resumes(tmp_path) -> None:
    """`scontrol requeue` as a pre-emption does it: SIGTERM, then the task runs again. The only checkpoint the
    run can have is the one SIGTERM asks for (periodic checkpoints every 10 minutes)."""
    out = tmp_path / "reg"
    cmd = [sys.executable, "-m", "zoo", "train", "fashion-mnist", "--labels", "6", "--launcher", "slurm",
           "--budget", "6s", "--checkpoint-every", "10m", "--warm-start", "0", "--preset", "tiny",
           "--batch-size", "8", "--out", str(out)]
    with slurm_cluster(tmp_path / "slurm") as env:
        submitted = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)
        assert submitted.returncode == 0, submitted.stderr
        task = submitted.stdout.split("submitted job array ")[1].split()[0] + "_0"
        stats = run_dir(out, "fashion-mnist", 6) / "stats.jsonl"
        deadline = time.monotonic() + 120
        while not (stats.is_file() and stats.read_text().count("\n") >= 3) and time.monotonic() < deadline:
            time.sleep(0.2)
        requeue = subprocess.run(["scontrol", "requeue", task], env=env, capture_output=True, text=True)
        assert requeue.returncode == 0, requeue.stderr
        # SLURM holds a requeued job back for a while (its begin time); a pre-empted task on a real cluster
        # waits for the pre-emptor anyway. Here it may start again as soon as it is pending.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any(s == "PENDING" for i, s in squeue(env) if i == task):
            time.sleep(0.2)
        subprocess.run(["scontrol", "update", f"JobId={task}", "StartTime=now"], env=env, capture_output=True)
        wait_for_jobs(env, timeout=300)
    log = "\n".join(p.read_text() for p in sorted((out / ".slurm").glob("slurm-*_0.out")))
    assert "resumed at step" in log, log[-2000:]
    gf = LocalRegistry(out).read_generator("fashion-mnist", 6)
    assert gf.meta.seconds >= 5.5  # the whole budget, over both runs
