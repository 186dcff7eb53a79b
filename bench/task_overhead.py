"""Per-task overhead of a job array, measured on real `zoo train --job` processes (what a SLURM array task
runs): process start and imports, then per label its data, model build, first step and registry write, for
1, 4 and 16 labels per task. Overhead per label = (task wall time - training time) / labels, as a fraction
of a 1-minute budget (target < 5 %). Data: a 16-class folder tree cut from Fashion-MNIST's real images.

    python bench/task_overhead.py [--preset small --budget 3 --repeats 2]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from registry.layout import RUN_TIMING, run_dir
from training.config import TrainConfig
from training.data.fmnist_tree import write_class_tree
from training.job import TrainJob
from training.speed import cpu_name

ROOT = Path(__file__).resolve().parents[1]
PARTS = ("data_s", "build_s", "warm_start_s", "first_step_s", "save_s")


def one_task(tree: Path, labels: int, args: argparse.Namespace, work: Path) -> dict:
    registry = work / f"reg-{labels}-{time.monotonic_ns()}"
    cfg = TrainConfig(budget_s=args.budget, preset=args.preset, warm_start=0, tick_s=max(0.5, args.budget / 5))
    job = TrainJob("fmnist16", tuple(range(labels)), str(registry), cfg, data=str(tree), channels=1, resolution=28)
    path = job.save(work / "jobs")
    env = {**os.environ, "SLURM_ARRAY_TASK_ID": "0", "SLURM_ARRAY_TASK_COUNT": "1", "SLURM_ARRAY_TASK_MIN": "0",
           "OMP_NUM_THREADS": "1"}
    start = time.time()
    subprocess.run([sys.executable, "-m", "zoo", "train", "--job", str(path), "--no-progress"], check=True,
                   capture_output=True, env=env, cwd=work)
    wall = time.time() - start
    timings = [json.loads((run_dir(registry, "fmnist16", k) / RUN_TIMING).read_text()) for k in range(labels)]
    trained = sum(t["train_s"] for t in timings)
    per_label = {p: statistics.mean(t.get(p, 0.0) for t in timings) for p in PARTS}
    return {"labels": labels, "wall_s": round(wall, 2), "train_s": round(trained, 2),
            "start_and_imports_s": round(timings[0]["process_age_at_label_start_s"], 2),
            "per_label_s": {k: round(v, 3) for k, v in per_label.items()},
            "overhead_per_label_s": round((wall - trained) / labels, 3),
            "fraction_of_1_minute": round((wall - trained) / labels / 60, 4)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--preset", default="small")
    ap.add_argument("--budget", type=float, default=3.0, help="training seconds per label (overhead is apart)")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "task_overhead.json")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="task-overhead-") as tmp:
        work = Path(tmp)
        tree = write_class_tree(work / "tree", classes=16, per_class=600)
        runs = [one_task(tree, k, args, work) for _ in range(args.repeats) for k in (1, 4, 16)]
    summary = {}
    for k in (1, 4, 16):
        mine = [r for r in runs if r["labels"] == k]
        summary[k] = {"overhead_per_label_s": statistics.median(r["overhead_per_label_s"] for r in mine),
                      "fraction_of_1_minute": statistics.median(r["fraction_of_1_minute"] for r in mine),
                      "start_and_imports_s": statistics.median(r["start_and_imports_s"] for r in mine),
                      **{p: statistics.median(r["per_label_s"][p] for r in mine) for p in PARTS}}
        print(f"{k:>2} labels/task: overhead {summary[k]['overhead_per_label_s']:.2f} s per label = "
              f"{100 * summary[k]['fraction_of_1_minute']:.1f} % of 1 min (start+imports "
              f"{summary[k]['start_and_imports_s']:.2f} s; per label data {summary[k]['data_s']:.2f}, build "
              f"{summary[k]['build_s']:.2f}, first step {summary[k]['first_step_s']:.2f}, "
              f"save {summary[k]['save_s']:.2f} s)")
    result = {"cpu": cpu_name(), "preset": args.preset, "budget_s": args.budget,
              "images_per_label": 600, "runs": runs, "summary": summary, "target": "< 0.05 of a 1-minute budget"}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
