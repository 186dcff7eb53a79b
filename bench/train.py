"""Training throughput, printed and written as JSON (`make bench`). Every figure is a ratio of runs made
back to back in this one run (the machine is shared and noisy), with the spread of the repeats.

1. this machine's dense matmul peak (one core, fp32 and bf16), and the FLOPs of one training step
   (n_critic critic steps with gradient penalty plus the generator step, by torch.utils.flop_counter);
2. generator steps/s of a plain fp32 PyTorch WGAN-GP loop and of the trainer with each speed option
   (TrainConfig: precision, channels_last, compile, fused_adam), same architecture, batch and data;
   achieved FLOP/s as a fraction of the peak;
3. weak scaling: per-worker steps/s with 2 workers on 2 cores / 1 worker alone (one thread each);
4. per-task start-up: process start, imports, one label's data, model build, first step.

    python bench/train.py [--seconds 10 --preset small --rounds 2]
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils.flop_counter import flop_registry

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from training.config import TrainConfig  # noqa: E402
from training.data import load_label  # noqa: E402
from training.job import TrainJob  # noqa: E402
from training.run import run_label  # noqa: E402
from training.speed import native_bf16  # noqa: E402
from training.wgan_gp import new_state, train_steps  # noqa: E402
from zoo.nets import build_critic, build_generator  # noqa: E402

CPU = torch.device("cpu")
VARIANTS = {  # name -> TrainConfig overrides; "plain" is the textbook loop below
    "trainer (defaults)": {},
    "for-loop Adam": {"precision": "fp32", "fused_adam": False},
    "bf16 autocast": {"precision": "bf16"},
    "contiguous (no channels-last)": {"precision": "fp32", "channels_last": False},
    "torch.compile": {"precision": "fp32", "compile": True},
}


def plain_loop(images: torch.Tensor, cfg: TrainConfig, seconds: float) -> float:
    """The textbook loop (Gulrajani et al., Algorithm 1) in fp32, nothing else: generator steps per second."""
    net_cfg = cfg.net_config(tuple(images.shape[1:]))
    torch.manual_seed(0)
    G, D = build_generator(net_cfg), build_critic(net_cfg)
    opt_g = torch.optim.Adam(G.parameters(), lr=cfg.lr, betas=cfg.betas)
    opt_d = torch.optim.Adam(D.parameters(), lr=cfg.lr, betas=cfg.betas)
    data = images.float() / 255
    steps, start = 0, time.monotonic()
    while time.monotonic() - start < seconds:
        for _ in range(cfg.n_critic):
            real = data[torch.randint(len(data), (cfg.batch_size,))]
            fake = G(torch.randn(cfg.batch_size, cfg.latent_dim)).detach()
            eps = torch.rand(cfg.batch_size, 1, 1, 1)
            x_hat = (eps * real + (1 - eps) * fake).requires_grad_(True)
            grad = torch.autograd.grad(D(x_hat).sum(), x_hat, create_graph=True)[0]
            gp = ((grad.flatten(1).norm(dim=1) - 1) ** 2).mean()
            loss_d = D(fake).mean() - D(real).mean() + cfg.gp_weight * gp
            opt_d.zero_grad()
            loss_d.backward()
            opt_d.step()
        loss_g = -D(G(torch.randn(cfg.batch_size, cfg.latent_dim))).mean()
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
        steps += 1
    return steps / (time.monotonic() - start)


def trainer_rate(images: torch.Tensor, cfg: TrainConfig, seconds: float) -> float:
    """Steady-state generator steps/s of ``train_steps``; two warm-up steps (and compiling) not counted."""
    state = new_state(cfg, cfg.net_config(tuple(images.shape[1:])), seed=0, device=CPU)
    train_steps(state, images, dataclasses.replace(cfg, max_steps=2), deadline_s=1e9)
    step0, sec0 = state.step, state.seconds
    train_steps(state, images, cfg, deadline_s=sec0 + seconds)
    return (state.step - step0) / (state.seconds - sec0)


class _Flops(TorchDispatchMode):
    """torch.utils.flop_counter's per-op formulas, without FlopCounterMode's module hooks, which
    autograd.grad (the gradient penalty) does not support."""

    def __init__(self) -> None:
        super().__init__()
        self.total = 0

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):  # noqa: ANN001
        out = func(*args, **(kwargs or {}))
        count = flop_registry.get(func._overloadpacket)
        if count is not None:
            self.total += count(*args, **(kwargs or {}), out_val=out)
        return out


def step_flops(images: torch.Tensor, cfg: TrainConfig) -> int:
    state = new_state(cfg, cfg.net_config(tuple(images.shape[1:])), seed=0, device=CPU)
    with _Flops() as counter:
        train_steps(state, images, dataclasses.replace(cfg, max_steps=1, precision="fp32"), deadline_s=1e9)
    return counter.total


def matmul_peak(dtype: torch.dtype, size: int = 1024, repeats: int = 7) -> float:
    a, b = torch.randn(size, size, dtype=dtype), torch.randn(size, size, dtype=dtype)
    a @ b
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - start)
    return 2 * size**3 / statistics.median(times)


def _worker_rate(label: int, cfg: TrainConfig, root: str) -> float:
    torch.set_num_threads(1)
    (unit,) = TrainJob("fashion-mnist", (label,), str(Path(root).resolve()), cfg).label_jobs()
    res = run_label(unit)
    return res.steps / res.seconds


def per_worker_rates(workers: int, cfg: TrainConfig) -> list[float]:
    root = tempfile.mkdtemp(prefix=f"zoo-bench-{workers}w-")
    with ProcessPoolExecutor(workers) as pool:
        return list(pool.map(_worker_rate, range(workers), [cfg] * workers, [root] * workers))


STARTUP = """
import json, sys, time
t = {"spawned": time.time()}
import torch
torch.set_num_threads(1)
from training.config import TrainConfig
from training.data import load_label
from training.wgan_gp import new_state, train_steps
t["imports"] = time.time()
images = load_label("fashion-mnist", int(sys.argv[1]))
t["data"] = time.time()
cfg = TrainConfig(preset=sys.argv[2], max_steps=1)
state = new_state(cfg, cfg.net_config(tuple(images.shape[1:])), seed=0, device=torch.device("cpu"))
t["model"] = time.time()
train_steps(state, images, cfg, deadline_s=1e9)
t["first_step"] = time.time()
print(json.dumps(t))
"""


def startup_seconds(label: int, preset: str) -> dict[str, float]:
    start = time.time()
    out = subprocess.run([sys.executable, "-c", STARTUP, str(label), preset], capture_output=True, text=True,
                         check=True, cwd=ROOT).stdout
    t = json.loads(out)
    marks, last, phases = ["spawned", "imports", "data", "model", "first_step"], start, {}
    for mark in marks:
        phases[mark] = round(t[mark] - last, 3)
        last = t[mark]
    phases["total"] = round(t["first_step"] - start, 3)
    return phases


def spread(values: list[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "runs": len(values)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=10.0, help="timed seconds per run")
    ap.add_argument("--preset", default="small")
    ap.add_argument("--rounds", type=int, default=2, help="repeats of every variant, interleaved")
    ap.add_argument("--out", type=Path, default=Path("bench/results/train.json"))
    args = ap.parse_args()
    torch.set_num_threads(1)
    cfg = TrainConfig(budget_s=args.seconds, preset=args.preset, tick_s=args.seconds)
    images = load_label("fashion-mnist", 0)
    peak = {"fp32": matmul_peak(torch.float32), "bf16": matmul_peak(torch.bfloat16)}
    flops = step_flops(images, cfg)
    rates: dict[str, list[float]] = {"plain fp32 loop": [], **{k: [] for k in VARIANTS}}
    for r in range(args.rounds):  # interleaved, the order reversed every other round: drift hits all alike
        order = list(rates) if r % 2 == 0 else list(reversed(rates))
        for name in order:
            if name == "plain fp32 loop":
                rates[name].append(plain_loop(images, cfg, args.seconds))
            else:
                rates[name].append(trainer_rate(images, dataclasses.replace(cfg, **VARIANTS[name]), args.seconds))
    plain = statistics.median(rates["plain fp32 loop"])
    speed = {name: {**spread(v), "vs_plain": statistics.median(v) / plain,
                    "gflop_per_s": statistics.median(v) * flops / 1e9,
                    "fraction_of_fp32_peak": statistics.median(v) * flops / peak["fp32"]} for name, v in rates.items()}
    alone = [per_worker_rates(1, cfg)[0]]
    pair = per_worker_rates(2, cfg)
    alone.append(per_worker_rates(1, cfg)[0])
    startups = [startup_seconds(k, args.preset) for k in range(3)]
    net_cfg = cfg.net_config((1, 28, 28))
    results = {
        "arch": cfg.arch, "preset": cfg.preset, "batch_size": cfg.batch_size, "n_critic": cfg.n_critic,
        "generator_params": sum(p.numel() for p in build_generator(net_cfg).parameters()),
        "critic_params": sum(p.numel() for p in build_critic(net_cfg).parameters()),
        "seconds_per_run": args.seconds, "torch_threads": 1, "cpu_has_native_bf16": native_bf16(CPU),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "matmul_peak_gflop_per_s": {k: v / 1e9 for k, v in peak.items()},
        "flops_per_generator_step": flops, "steps_per_s": speed,
        "weak_scaling": {"one_worker_steps_per_s": alone, "two_workers_steps_per_s_each": pair,
                         "per_worker_ratio": statistics.mean(pair) / statistics.mean(alone)},
        "startup_seconds": startups,
        "startup_fraction_of_1_minute": statistics.median(s["total"] for s in startups) / 60,
        "targets": {"trainer_vs_plain": ">= 1.5", "weak_scaling": ">= 0.90", "startup_fraction_of_1_minute": "< 0.10"},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1))
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
