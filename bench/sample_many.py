"""Sampling at scale, printed and written as JSON (`make bench`); ratios of runs interleaved in one run.

1. multi-label: one image from each of 100 labels (one stacked call) / one generator making 100 images
   (target <= 2), and the loop of 100 one-label calls for comparison;
2. start-up: `zoo sample` from the shell, end to end / (`python -c "import torch"` + one forward)
   (target <= 1.5);
3. memory: a registry of 1,000 generators, 3,000 requests for random labels under a 64 MB cache bound:
   peak RSS, and the cache's largest size against its bound;
4. inference precision: zoo.sample(dtype=torch.bfloat16) / fp32, n = 64.

    python bench/sample_many.py [--repeats 15]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import zoo  # noqa: E402
from registry import LocalRegistry  # noqa: E402
from zoo.loading import save_generator  # noqa: E402
from zoo.nets import NetConfig, build_generator  # noqa: E402
from zoo.router import Router, RouterConfig  # noqa: E402


def make_registry(root: Path, name: str, labels: int, preset: str) -> Path:
    """``labels`` generators of one architecture (random weights: speed does not depend on training)."""
    reg = LocalRegistry.create(root)
    cfg = NetConfig.preset("dcgan", preset, resolution=28, channels=1, latent_dim=128)
    reg.write_dataset_info(name, class_names=[f"class-{k}" for k in range(labels)], image_shape=(1, 28, 28))
    for k in range(labels):
        torch.manual_seed(k)
        save_generator(reg, build_generator(cfg).eval(), config=cfg, dataset=name, label=k, class_name=f"class-{k}",
                       dtype=torch.float16)
    reg.reindex()
    return reg.root


def median_time(fn, repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def multi_label(root: Path, repeats: int) -> dict:
    labels = list(range(100))
    calls = {
        "one_generator_100_images": lambda: zoo.sample("bench100", 0, n=100, seed=0, registry=root),
        "100_labels_1_image_stacked": lambda: zoo.sample("bench100", labels=labels, n=1, seed=0, registry=root),
        "100_labels_1_image_loop": lambda: [zoo.sample("bench100", k, n=1, seed=0, registry=root) for k in labels],
    }
    for fn in calls.values():
        fn()  # load and cache every generator (and the stacked weights) first
    times: dict[str, list[float]] = {k: [] for k in calls}
    for _ in range(repeats):  # interleaved
        for name, fn in calls.items():
            times[name] += median_time(fn, 1)
    med = {k: statistics.median(v) for k, v in times.items()}
    base = med["one_generator_100_images"]
    return {"ms": {k: v * 1e3 for k, v in med.items()},
            "stacked_vs_one_generator": med["100_labels_1_image_stacked"] / base,
            "loop_vs_one_generator": med["100_labels_1_image_loop"] / base, "target_stacked": "<= 2"}


FORWARD = """
import time, torch, sys
sys.path.insert(0, sys.argv[1])
from zoo.nets import NetConfig, build_generator
G = build_generator(NetConfig.preset("dcgan", "small", resolution=28, channels=1, latent_dim=128)).eval()
start = time.perf_counter()
with torch.no_grad():
    G(torch.randn(1, 128))
print(time.perf_counter() - start)
"""


def startup(repeats: int) -> dict:
    env = {**os.environ, "ZOO_CACHE": tempfile.mkdtemp()}
    cli, torch_only, forward = [], [], []
    out = Path(tempfile.mkdtemp()) / "x.png"
    for _ in range(repeats):
        for kind, cmd in (("cli", [sys.executable, "-m", "zoo", "sample", "fashion-mnist", "7", "-n", "1", "--seed",
                                   "0", "-o", str(out)]),
                          ("torch", [sys.executable, "-c", "import torch"])):
            start = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True, env=env, cwd=ROOT)
            (cli if kind == "cli" else torch_only).append(time.perf_counter() - start)
        forward.append(float(subprocess.run([sys.executable, "-c", FORWARD, str(ROOT)], check=True,
                                            capture_output=True, text=True).stdout))
    base = statistics.median(torch_only) + statistics.median(forward)
    return {"zoo_sample_cli_s": statistics.median(cli), "import_torch_s": statistics.median(torch_only),
            "one_forward_s": statistics.median(forward), "cli_vs_torch_plus_forward": statistics.median(cli) / base,
            "target": "<= 1.5"}


def memory(root: Path, requests: int) -> dict:
    bound = 64 << 20
    router = Router(RouterConfig(cache_bytes=bound))
    rng, largest = random.Random(0), 0
    rss_start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    start = time.perf_counter()
    for _ in range(requests):
        router.sample("bench1000", rng.randrange(1000), n=1, seed=0, registry=root)
        largest = max(largest, router.cache.nbytes)
    return {"generators": 1000, "requests": requests, "cache_bound_mb": bound / 2**20,
            "cache_largest_mb": largest / 2**20, "within_bound": largest <= bound,
            "ms_per_request": (time.perf_counter() - start) / requests * 1e3,
            "peak_rss_mb_before": rss_start, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def precision(repeats: int) -> dict:
    fns = {str(dt): (lambda dt=dt: zoo.sample("fashion-mnist", 3, n=64, seed=0, dtype=dt))
           for dt in (torch.float32, torch.bfloat16)}
    for fn in fns.values():
        fn()
    times = {k: [] for k in fns}
    for _ in range(repeats):
        for k, fn in fns.items():
            times[k] += median_time(fn, 1)
    med = {k: statistics.median(v) * 1e3 for k, v in times.items()}
    return {"ms_n64": med, "bf16_vs_fp32": med["torch.bfloat16"] / med["torch.float32"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--out", type=Path, default=Path("bench/results/sample_many.json"))
    args = ap.parse_args()
    torch.set_num_threads(2)
    work = Path(tempfile.mkdtemp(prefix="zoo-bench-many-"))
    results = {"threads": torch.get_num_threads(),
               "multi_label": multi_label(make_registry(work / "r100", "bench100", 100, "small"), args.repeats),
               "startup": startup(max(3, args.repeats // 3)),
               "memory": memory(make_registry(work / "r1000", "bench1000", 1000, "tiny"), 3000),
               "precision": precision(args.repeats)}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1))
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
