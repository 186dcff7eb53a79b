"""What each architecture family costs per generator step at each resolution, on one thread: generator steps per
CPU-second of the trainer (the default recipe otherwise), as a ratio to the DC-GAN family at Fashion-MNIST's own
28 px, all measured in this one run, round-robin. It tells how many steps a family gets in a budget before any
quality run: the ResNet family at 32 px needs Fashion-MNIST padded to 32 and its samples cropped back to be
scored, which is not built; this says what it would cost.

    python bench/arch_cost.py [--seconds 8 --rounds 3]   # -> bench/results/arch_cost.json
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from training.config import TrainConfig  # noqa: E402
from training.speed import cpu_name, native_bf16  # noqa: E402
from training.wgan_gp import new_state, train_steps  # noqa: E402

CPU = torch.device("cpu")
VARIANTS = (("dcgan", 28), ("dcgan", 32), ("resnet", 28), ("resnet", 32))


def steps_per_cpu_second(arch: str, resolution: int, seconds: float) -> float:
    """Steady-state generator steps per CPU-second; two warm-up steps not counted. Random images: the cost of a
    step does not depend on what the pixels are."""
    cfg = TrainConfig(arch=arch)
    images = torch.randint(0, 256, (512, 1, resolution, resolution), dtype=torch.uint8)
    state = new_state(cfg, cfg.net_config((1, resolution, resolution)), seed=0, device=CPU)
    train_steps(state, images, dataclasses.replace(cfg, max_steps=2), deadline_s=1e9)
    steps0, cpu0 = state.step, time.process_time()
    train_steps(state, images, cfg, deadline_s=state.seconds + seconds)
    return (state.step - steps0) / (time.process_time() - cpu0)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=8.0, help="seconds each variant trains per round")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "arch_cost.json")
    args = ap.parse_args()
    torch.set_num_threads(1)
    rates: dict[str, list[float]] = {f"{a} {r} px": [] for a, r in VARIANTS}
    for _ in range(args.rounds):  # round-robin: a slow spell of the host falls on every variant alike
        for arch, res in VARIANTS:
            rates[f"{arch} {res} px"].append(steps_per_cpu_second(arch, res, args.seconds))
    base = statistics.median(rates["dcgan 28 px"])
    result = {"cpu": cpu_name(), "bf16": native_bf16(CPU),
              "seconds": args.seconds, "rounds": args.rounds,
              "variants": {k: {"steps_per_cpu_s": statistics.median(v), "spread": [min(v), max(v)],
                               "vs_dcgan_28": statistics.median(v) / base} for k, v in rates.items()}}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"{'variant':<14} {'steps/CPU-s':>12} {'x DC-GAN 28 px':>15}")
    for k, v in result["variants"].items():
        print(f"{k:<14} {v['steps_per_cpu_s']:>12.2f} {v['vs_dcgan_28']:>15.3f}")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
