"""The device check: what to run when an accelerator is at hand, in one go, into one JSON of figures.

1. the device tests (tests/test_device.py: training, sampling, routing) and the speed-option tests on it;
2. trainer throughput on it: generator steps/s in fp32, bf16 autocast and torch.compile, back to back;
3. a 10-label `zoo train` with one worker per device (--workers = GPU count; 2 on the CPU), its wall time
   against its budget, and every label's steps.

    bench/device_check.sh                 # CUDA: refuses clearly when there is no GPU
    bench/device_check.sh --device cpu    # the same end to end on the CPU (shorter budgets)

Budgeted to finish in under 8 minutes on one GPU.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from training.config import TrainConfig  # noqa: E402
from training.data import load_label  # noqa: E402
from training.speed import cpu_name  # noqa: E402
from training.wgan_gp import new_state, train_steps  # noqa: E402

VARIANTS = {"fp32": {"precision": "fp32"}, "bf16": {"precision": "bf16"},
            "compile (fp32)": {"precision": "fp32", "compile": True}}


def device_name(device: torch.device) -> str:
    if device.type == "cuda":
        return f"{torch.cuda.get_device_name(device)} x {torch.cuda.device_count()}"
    return f"{cpu_name()} ({os.cpu_count()} cores)"


def run_tests(device: str) -> dict:
    tests = ["tests/test_device.py", "tests/training/test_speed_options.py"]
    start = time.monotonic()
    res = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *tests, "--device", device],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    tail = res.stdout.strip().splitlines()[-1] if res.stdout.strip() else res.stderr[-500:]
    return {"passed": res.returncode == 0, "summary": tail, "seconds": round(time.monotonic() - start, 1)}


def rate(images: torch.Tensor, cfg: TrainConfig, device: torch.device, seconds: float) -> float:
    """Steady-state generator steps/s; two warm-up steps (and compiling) not counted."""
    state = new_state(cfg, cfg.net_config(tuple(images.shape[1:])), seed=0, device=device)
    train_steps(state, images, dataclasses.replace(cfg, max_steps=2), deadline_s=1e9)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    step0, sec0 = state.step, state.seconds
    train_steps(state, images, dataclasses.replace(cfg, max_steps=None), deadline_s=sec0 + seconds)
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return (state.step - step0) / (state.seconds - sec0)


def throughput(device: torch.device, seconds: float) -> dict:
    images = load_label("fashion-mnist", 0).to(device)
    base = TrainConfig(budget_s=seconds, tick_s=seconds)
    out = {}
    for name, options in VARIANTS.items():
        try:
            out[name] = round(rate(images, dataclasses.replace(base, **options), device, seconds), 2)
        except Exception as e:  # noqa: BLE001 - one variant failing (no compiler on the machine) is a figure too
            out[name] = f"failed: {type(e).__name__}: {str(e).splitlines()[0][:200]}"
    fp32 = out["fp32"] if isinstance(out["fp32"], float) else None
    return {"generator_steps_per_s": out, "vs_fp32": {k: round(v / fp32, 2) for k, v in out.items()
                                                      if fp32 and isinstance(v, float)},
            "preset": base.preset, "batch_size": base.batch_size, "seconds_each": seconds}


def ten_labels(device: str, workers: int, budget: str) -> dict:
    out = Path(tempfile.mkdtemp(prefix="zoo-device-check-"))
    cmd = [sys.executable, "-m", "zoo", "train", "fashion-mnist", "--labels", "0-9", "--budget", budget,
           "--workers", str(workers), "--device", device, "--out", str(out / "reg"), "--no-progress"]
    start = time.monotonic()
    res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=600)
    wall = time.monotonic() - start
    lines = [ln.split() for ln in res.stdout.splitlines() if ln.startswith("label")]
    return {"command": " ".join(cmd[1:]), "exit_code": res.returncode, "wall_s": round(wall, 1),
            "labels_trained": sum(1 for ln in lines if ln[2] == "trained"),
            "steps": [int(ln[3]) for ln in lines if ln[2] == "trained"],
            "stderr_tail": res.stderr[-800:] if res.returncode else ""}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="cuda", help="cuda (default) or cpu")
    ap.add_argument("--out", type=Path, default=Path(os.environ.get("OUT", ROOT / "bench" / "results"))
                    / "device_check.json")
    args = ap.parse_args()
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        print("device check: no CUDA GPU on this machine (torch.cuda.is_available() is False); nothing was run. "
              "Run it where a GPU is, or with --device cpu to try it end to end here.", file=sys.stderr)
        return 3
    on_gpu = device.type == "cuda"
    started = time.monotonic()
    report = {"device": str(device), "hardware": device_name(device), "torch": torch.__version__,
              "python": platform.python_version()}
    report["tests"] = run_tests(args.device)
    print(f"tests: {report['tests']['summary']}", flush=True)
    report["throughput"] = throughput(device, 10.0 if on_gpu else 5.0)
    print(f"throughput: {report['throughput']['generator_steps_per_s']}", flush=True)
    workers = torch.cuda.device_count() if on_gpu else 2
    report["ten_labels"] = ten_labels(args.device if not on_gpu else "cuda", workers, "15s" if on_gpu else "6s")
    print(f"10 labels: exit {report['ten_labels']['exit_code']}, {report['ten_labels']['wall_s']} s", flush=True)
    report["total_s"] = round(time.monotonic() - started, 1)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1))
    print(f"wrote {args.out} ({report['total_s']} s in all)")
    ok = report["tests"]["passed"] and report["ten_labels"]["exit_code"] == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
