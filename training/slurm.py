"""SLURM job arrays: each array task trains its share of labels into the shared registry; a last job,
run after the whole array, rebuilds the registry index (ranks themselves never touch it). A shared warm
start is a job of its own that the array waits for: no array task holds its CPUs or GPUs idle while
another trains the start.

One function builds the plan (``plan_submission``: the files to write and every ``sbatch`` call in order, with
its dependencies); ``--dry-run`` prints it (``describe``, a shell script that would do the same) and ``submit``
carries it out. Nothing else says what is submitted."""
from __future__ import annotations

import logging
import math
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from registry.atomic import atomic_write_bytes

from .errors import LauncherError

__all__ = ["SlurmOptions", "SbatchCall", "SlurmPlan", "plan_submission", "describe", "submit", "render_array_script"]

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
class SbatchCall:
    """One ``sbatch --parsable`` call; ``$NAME`` in an argument stands for the id an earlier call named NAME got."""
    name: str  # START, ARRAY or INDEX: what the id it returns is called
    args: tuple[str, ...]
    why: str  # one line for the dry run


@dataclass(frozen=True)
class SlurmPlan:
    files: tuple[tuple[Path, str], ...]  # written before the first call, in order: the job file, the batch script
    calls: tuple[SbatchCall, ...]


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


def plan_submission(job_file: Path, job_text: str, *, opts: SlurmOptions, n_labels: int, budget_s: float,
                    start_s: float | None, registry: Path, log_dir: Path, workdir: Path) -> SlurmPlan:
    """What submitting a job array does: write its job file and batch script, then submit the shared start (when
    ``start_s``, its cost on a task's CPUs, is given), the array (afterok the start) and the index job (afterany
    the array)."""
    script_path = log_dir / "train-array.sbatch"
    script = render_array_script(job_file, opts=opts, n_labels=n_labels, budget_s=budget_s, log_dir=log_dir,
                                 workdir=workdir)
    calls = []
    if start_s is not None:
        command = [sys.executable, "-m", "zoo", "train", "--job", str(job_file), "--warm-start-only"]
        args = [f"--job-name={opts.job_name}-start", "--ntasks=1", f"--cpus-per-task={opts.cpus_per_task}",
                f"--time={_default_time(start_s)}", f"--output={log_dir}/slurm-start-%j.out", "--requeue",
                *_resources(opts), f"--wrap=OMP_NUM_THREADS={opts.cpus_per_task} exec {shlex.join(command)}"]
        calls.append(SbatchCall("START", tuple(args), "the shared warm start, a job of its own"))
    after = ["--dependency=afterok:$START"] if start_s is not None else []
    calls.append(SbatchCall("ARRAY", (*after, str(script_path)),
                            "the array" + (", once the start has succeeded" if after else "")))
    reindex = f"{shlex.quote(sys.executable)} -m zoo registry reindex {shlex.quote(str(registry))}"
    calls.append(SbatchCall("INDEX", ("--dependency=afterany:$ARRAY", "--job-name=wcgan-zoo-index", "--ntasks=1",
                                      f"--output={log_dir}/slurm-index-%j.out", f"--wrap={reindex}"),
                            "the index job, once every array task has ended"))
    return SlurmPlan(((job_file, job_text), (script_path, script)), tuple(calls))


def _resources(opts: SlurmOptions) -> list[str]:
    return ([f"--partition={opts.partition}"] if opts.partition else []) + \
        ([f"--gpus-per-task={opts.gpus_per_task}"] if opts.gpus_per_task else [])


def describe(plan: SlurmPlan) -> str:
    """The plan as a shell script that would do what ``submit`` does (the dry run prints it)."""
    out = ["# zoo train --launcher slurm --dry-run: nothing was written or submitted; submitting does this:"]
    for path, text in plan.files:
        out += [f"cat > {shlex.quote(str(path))} <<'EOF'", text.rstrip("\n"), "EOF"]
    for call in plan.calls:
        out += [f"# {call.why}", f"{call.name}=$(sbatch --parsable {' '.join(map(_shell_arg, call.args))})"]
    return "\n".join(out) + "\n"


def _shell_arg(arg: str) -> str:
    """Quoted for the shell, except the ids of earlier calls, which the shell must expand."""
    return arg if re.fullmatch(r"--dependency=after(ok|any):\$[A-Z]+", arg) else shlex.quote(arg)


def submit(plan: SlurmPlan) -> dict[str, str]:
    """Write the plan's files, then make its calls in order; return each call's job id by name."""
    exe = shutil.which("sbatch")
    if exe is None:
        raise LauncherError("--launcher slurm needs `sbatch` on PATH (run on a SLURM login node), "
                            "or use --dry-run to see what would be submitted")
    for path, text in plan.files:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, text.encode())
    ids: dict[str, str] = {}
    for call in plan.calls:
        args = [re.sub(r"\$([A-Z]+)", lambda m: ids[m.group(1)], a) for a in call.args]
        res = subprocess.run([exe, "--parsable", *args], capture_output=True, text=True, timeout=60)
        if res.returncode != 0:
            raise LauncherError(f"sbatch ({call.why}) failed ({res.returncode}): "
                                f"{res.stderr.strip() or res.stdout.strip()}")
        ids[call.name] = res.stdout.strip().split(";")[0]
    log.info("submitted %s", ", ".join(f"{k} {v}" for k, v in ids.items()))
    return ids
