"""SLURM job arrays: each array task trains its share of labels into the shared registry; a last job,
run after the whole array, rebuilds the registry index (ranks themselves never touch it). A shared warm
start is a job of its own that the array waits for: no array task holds its CPUs or GPUs idle while
another trains the start."""
from __future__ import annotations

import logging
import math
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from .errors import LauncherError

__all__ = ["SlurmOptions", "StartJob", "render_array_script", "start_sbatch_args", "submit"]

log = logging.getLogger(__name__)
GRACE_S = 120  # seconds before the time limit at which a task is told to checkpoint and stop


@dataclass(frozen=True)
class SlurmOptions:
    tasks: int  # array size; task i trains labels[i::tasks]
    parallelism: int | None = None  # --array=...%P: at most P tasks at once
    partition: str | None = None
    time: str | None = None  # SLURM time limit; default: the budget of every label a task holds, plus slack
    gpus_per_task: int | None = None
    cpus_per_task: int = 1
    job_name: str = "wcgan-zoo"


@dataclass(frozen=True)
class StartJob:
    """The job's shared warm start, trained by a job of its own before the array."""
    command: list[str]
    seconds: float  # what it costs on the task's CPUs


def _default_time(seconds: float) -> str:
    # The training itself, plus a quarter and 10 minutes for start-up, data loading and saving.
    minutes = math.ceil(seconds * 1.25 / 60) + 10
    return f"{minutes // 60:02d}:{minutes % 60:02d}:00"


def render_array_script(job_file: Path, *, opts: SlurmOptions, n_labels: int, budget_s: float,
                        log_dir: Path, workdir: Path) -> str:
    """The batch script of the array: every task runs the same saved job file and finds its labels from
    its own SLURM_ARRAY_TASK_ID, so no training option is ever re-spelt on a command line."""
    labels_per_task = math.ceil(n_labels / opts.tasks)
    array = f"0-{opts.tasks - 1}" + (f"%{opts.parallelism}" if opts.parallelism else "")
    lines = ["#!/bin/bash", f"#SBATCH --job-name={opts.job_name}", f"#SBATCH --array={array}",
             "#SBATCH --ntasks=1", f"#SBATCH --cpus-per-task={opts.cpus_per_task}",
             f"#SBATCH --time={opts.time or _default_time(budget_s * labels_per_task)}",
             f"#SBATCH --output={log_dir}/slurm-%A_%a.out",
             # Pre-emption or node failure puts a task back in the queue; SIGTERM (then, or 2 minutes before
             # the time limit) makes it checkpoint and stop, and the requeued task resumes from there.
             "#SBATCH --requeue", f"#SBATCH --signal=B:TERM@{GRACE_S}"]
    if opts.partition:
        lines.append(f"#SBATCH --partition={opts.partition}")
    if opts.gpus_per_task:
        lines.append(f"#SBATCH --gpus-per-task={opts.gpus_per_task}")
    cmd = [sys.executable, "-m", "zoo", "train", "--job", str(job_file), "--no-progress"]
    lines += ["", "# Each array task finds its labels from SLURM_ARRAY_TASK_ID / SLURM_ARRAY_TASK_COUNT.",
              f"export OMP_NUM_THREADS={opts.cpus_per_task}", f"cd {shlex.quote(str(workdir))}",
              "exec " + " ".join(shlex.quote(c) for c in cmd), ""]
    return "\n".join(lines)


def _sbatch(args: list[str]) -> str:
    exe = shutil.which("sbatch")
    if exe is None:
        raise LauncherError("--launcher slurm needs `sbatch` on PATH (run on a SLURM login node), "
                            "or use --dry-run to print the batch script")
    res = subprocess.run([exe, "--parsable", *args], capture_output=True, text=True, timeout=60)
    if res.returncode != 0:
        raise LauncherError(f"sbatch failed ({res.returncode}): {res.stderr.strip() or res.stdout.strip()}")
    return res.stdout.strip().split(";")[0]


def start_sbatch_args(start: StartJob, opts: SlurmOptions, log_dir: Path) -> list[str]:
    """sbatch arguments of the warm-start job: the array's resources, its own time limit."""
    args = [f"--job-name={opts.job_name}-start", "--ntasks=1", f"--cpus-per-task={opts.cpus_per_task}",
            f"--time={_default_time(start.seconds)}", f"--output={log_dir}/slurm-start-%j.out", "--requeue"]
    args += [f"--partition={opts.partition}"] if opts.partition else []
    args += [f"--gpus-per-task={opts.gpus_per_task}"] if opts.gpus_per_task else []
    return [*args, f"--wrap=OMP_NUM_THREADS={opts.cpus_per_task} exec {shlex.join(start.command)}"]


def submit(script: str, *, script_path: Path, registry: Path, start: StartJob | None = None,
           opts: SlurmOptions | None = None) -> tuple[str, str, str | None]:
    """Submit the warm-start job (if any), the array after it, and the index job after the array; return
    the array's, the index job's and the start job's ids."""
    script_path.parent.mkdir(parents=True, exist_ok=True)
    script_path.write_text(script)
    start_id = _sbatch(start_sbatch_args(start, opts or SlurmOptions(1), script_path.parent)) if start else None
    array_id = _sbatch([*([f"--dependency=afterok:{start_id}"] if start_id else []), str(script_path)])
    reindex = f"{shlex.quote(sys.executable)} -m zoo registry reindex {shlex.quote(str(registry))}"
    index_id = _sbatch([f"--dependency=afterany:{array_id}", "--job-name=wcgan-zoo-index", "--ntasks=1",
                        f"--output={script_path.parent}/slurm-index-%j.out", f"--wrap={reindex}"])
    log.info("submitted start job %s, array job %s and index job %s", start_id, array_id, index_id)
    return array_id, index_id, start_id
