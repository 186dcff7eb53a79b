"""Training throughput, printed as JSON (`make bench`):

1. generator steps/s of the trainer (`training.run.run_label`) versus a minimal plain-PyTorch WGAN-GP loop
   with the same architecture, batch, n_critic and data, timed back to back in one run (floor: ratio >= 1.0);
2. weak scaling: per-worker steps/s with 2 workers on 2 cores (one label and one thread each) divided by
   1 worker alone with one thread (target >= 0.90).

    python bench/train.py [--seconds 20 --preset small]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from training.config import TrainConfig  # noqa: E402
from training.data import load_label  # noqa: E402
from training.run import LabelJob, run_label  # noqa: E402
from zoo.nets import build_critic, build_generator  # noqa: E402


def plain_loop(images: torch.Tensor, cfg: TrainConfig, seconds: float) -> float:
    """The textbook loop (Gulrajani et al., Algorithm 1), nothing else: generator steps per second."""
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


def trainer_rate(label: int, cfg: TrainConfig, root: str) -> float:
    res = run_label(LabelJob("fashion-mnist", label, root, cfg))
    return res.steps / res.seconds


def _one_thread() -> None:
    torch.set_num_threads(1)


def per_worker_rates(workers: int, cfg: TrainConfig) -> list[float]:
    root = tempfile.mkdtemp(prefix=f"zoo-bench-{workers}w-")
    with ProcessPoolExecutor(workers, initializer=_one_thread) as pool:
        return list(pool.map(trainer_rate, range(workers), [cfg] * workers, [root] * workers))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=10.0)
    ap.add_argument("--preset", default="small")
    ap.add_argument("--out", type=Path, default=Path("bench/results/train.json"))
    args = ap.parse_args()
    cfg = TrainConfig(budget_s=args.seconds, preset=args.preset, tick_s=args.seconds)
    images = load_label("fashion-mnist", 0)
    # A B B A order: drift of a shared, noisy machine hits both sides alike.
    plain_runs, our_runs = [], []
    for first_plain in (True, False):
        for is_plain in ((True, False) if first_plain else (False, True)):
            if is_plain:
                plain_runs.append(plain_loop(images, cfg, args.seconds))
            else:
                our_runs.append(trainer_rate(0, cfg, tempfile.mkdtemp(prefix="zoo-bench-")))
    plain, ours = statistics.mean(plain_runs), statistics.mean(our_runs)
    alone_runs = [per_worker_rates(1, cfg)[0]]
    pair = per_worker_rates(2, cfg)
    alone_runs.append(per_worker_rates(1, cfg)[0])
    alone = statistics.mean(alone_runs)
    net_cfg = cfg.net_config((1, 28, 28))
    results = {
        "arch": cfg.arch, "preset": cfg.preset, "batch_size": cfg.batch_size, "n_critic": cfg.n_critic,
        "generator_params": sum(p.numel() for p in build_generator(net_cfg).parameters()),
        "critic_params": sum(p.numel() for p in build_critic(net_cfg).parameters()),
        "seconds_per_run": args.seconds, "torch_threads": torch.get_num_threads(),
        "plain_loop_steps_per_s": plain_runs, "trainer_steps_per_s": our_runs, "trainer_vs_plain": ours / plain,
        "one_worker_one_thread_steps_per_s": alone_runs, "two_workers_steps_per_s_each": pair,
        "weak_scaling_per_worker": statistics.mean(pair) / alone,
        "targets": {"trainer_vs_plain": ">= 1.0", "weak_scaling_per_worker": ">= 0.90"},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1))
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
