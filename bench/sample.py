"""Router overhead, cold load and peak memory of `zoo.sample`, printed as JSON.

    python bench/sample.py [--arch dcgan --preset base --repeats 60]

Overhead = median time of `zoo.sample(dataset, label, n, seed)` / median time of a raw `G(z)` forward of the
same generator on the same latents, timed interleaved in one run (the machine is shared and noisy).
"""
from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import zoo  # noqa: E402
from registry import LocalRegistry  # noqa: E402
from zoo.loading import save_generator  # noqa: E402
from zoo.nets import NetConfig, build_generator  # noqa: E402
from zoo.sampling import latents  # noqa: E402


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _timed(fn) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--arch", default="dcgan")
    ap.add_argument("--preset", default="base")
    ap.add_argument("--repeats", type=int, default=60)
    ap.add_argument("--out", type=Path, default=Path("bench/results/sample.json"))
    args = ap.parse_args()

    cfg = NetConfig.preset(args.arch, args.preset, resolution=28, channels=1)
    root = Path(tempfile.mkdtemp(prefix="zoo-bench-"))
    reg = LocalRegistry.create(root)
    torch.manual_seed(0)
    net = build_generator(cfg).eval()
    path = save_generator(reg, net, config=cfg, dataset="fashion-mnist", label=7, class_name="Sneaker")
    reg.reindex()

    cold = [_timed(lambda: zoo.Router().load("fashion-mnist", 7, registry=root)) for _ in range(5)]
    G = zoo.load("fashion-mnist", 7, registry=root)
    rss_before = _maxrss_mb()
    results = {"arch": args.arch, "preset": args.preset, "generator_params": sum(p.numel() for p in G.parameters()),
               "file_bytes": path.stat().st_size, "torch_threads": torch.get_num_threads(),
               "cold_load_ms_median": 1e3 * statistics.median(cold), "overhead": {}}
    for n in (1, 16, 256):
        z = latents(n, G.latent_dim, seed=0)
        reps = args.repeats if n < 256 else max(5, args.repeats // 6)
        for _ in range(3):  # warm-up: caches, allocator, oneDNN primitives
            zoo.sample("fashion-mnist", 7, n=n, seed=0, registry=root)
        raw, routed = [], []
        order = random.Random(n)
        with torch.no_grad():
            for _ in range(reps):  # interleaved in random order, so drift and cache effects hit both alike
                pair = [("raw", lambda: G(z)), ("routed", lambda: zoo.sample("fashion-mnist", 7, n=n, seed=0,
                                                                             registry=root))]
                order.shuffle(pair)
                for name, fn in pair:
                    (raw if name == "raw" else routed).append(_timed(fn))
        r, s = statistics.median(raw), statistics.median(routed)
        results["overhead"][str(n)] = {"raw_ms": 1e3 * r, "sample_ms": 1e3 * s, "ratio": s / r,
                                       "ratio_of_minima": min(routed) / min(raw),
                                       "overhead_us_median_of_pairs": 1e6 * statistics.median(
                                           b - a for a, b in zip(raw, routed)),
                                       "repeats": reps}
    zoo.sample("fashion-mnist", 7, n=4096, seed=0, registry=root)
    results["peak_rss_mb"] = _maxrss_mb()
    results["rss_growth_n4096_mb"] = _maxrss_mb() - rss_before
    results["output_mb_n4096"] = 4096 * 28 * 28 * 4 / 2**20
    results["target_ratio_n16"] = 1.05
    results["meets_target"] = results["overhead"]["16"]["ratio"] <= 1.05
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1))
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
