"""A small job's overhead, and a finished job's re-run (`make bench`; JSON in bench/results/small_job.json).

1. `zoo train digits --labels 0-1 --budget 8s --workers 2` into an empty registry: wall time against the
   training time it is asked for (the shared start's share plus each label's), and where each label's time
   went (its timing.json: process age at the label, data, model build, first step, save);
2. the same command again, every label finished: wall time against `zoo list` on the same registry.
Medians of interleaved repeats (the machine is shared and noisy); the figures are ratios within this run.

    python bench/small_job.py [--repeats 3]
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from registry.layout import RUN_TIMING, run_dir  # noqa: E402
from training.speed import cpu_name  # noqa: E402

BUDGET_S, LABELS = 8.0, (0, 1)


def timed(cmd: list[str]) -> float:
    start = time.monotonic()
    subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT)
    return time.monotonic() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "small_job.json")
    args = ap.parse_args()
    zoo = [sys.executable, "-m", "zoo"]
    fresh, rerun, listing, timings = [], [], [], []
    for i in range(args.repeats):
        reg = Path(tempfile.mkdtemp(prefix="zoo-small-job-")) / "reg"
        train = [*zoo, "train", "digits", "--labels", "0-1", "--budget", f"{BUDGET_S:g}s", "--workers", "2",
                 "--out", str(reg), "--no-progress"]
        fresh.append(timed(train))
        timings += [json.loads((run_dir(reg, "digits", k) / RUN_TIMING).read_text()) for k in LABELS]
        pair = [lambda: rerun.append(timed(train)), lambda: listing.append(timed([*zoo, "list", "-r", str(reg)]))]
        for run in (pair if i % 2 == 0 else pair[::-1]):
            run()
    # Training asked for: the shared start (0.2 x budget x 2 labels on 2 cores) then each label's 0.8 x budget.
    training_s = 0.2 * BUDGET_S * len(LABELS) / 2 + 0.8 * BUDGET_S
    parts = ("process_age_at_label_start_s", "data_s", "build_s", "first_step_s", "save_s")
    result = {
        "cpu": cpu_name(), "command": "zoo train digits --labels 0-1 --budget 8s --workers 2",
        "training_s": training_s,
        "fresh_wall_s": [round(t, 2) for t in fresh], "fresh_wall_median_s": round(statistics.median(fresh), 2),
        "overhead_s": round(statistics.median(fresh) - training_s, 2),
        "per_label_median_s": {p: round(statistics.median(t[p] for t in timings), 3) for p in parts},
        "rerun_wall_s": [round(t, 2) for t in rerun], "zoo_list_wall_s": [round(t, 2) for t in listing],
        "rerun_vs_zoo_list": round(statistics.median(rerun) / statistics.median(listing), 2),
        "targets": {"fresh_wall_s": f"<= training + 10 s = {training_s + 10:g}", "rerun_vs_zoo_list": "< 1.5"},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
