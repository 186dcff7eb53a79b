"""Does a label keep its signal when a conditional start is specialised to it? (`make bench`; JSON in
bench/results/conditional_start.json)

Two class-conditional WGAN-GP starts of the same seed and wall-clock on Fashion-MNIST's 10 labels: one trained
on mixed batches (every batch holds every label; what `--warm-start-kind conditional` does), one on one-label
batches. For each, the share of generated images the bundled zoo's domain classifier assigns to the label asked
for (class consistency), 200 images per label:
- the conditional generator in eval mode (running statistics);
- the conditional generator in training mode on a batch of one label (batch statistics of one label);
- the per-label generator specialised from it and calibrated to its label (training/specialize.py: what a label
  fine-tunes from, at step 0), in training mode on a batch of its own (latents other than those it was
  calibrated on) and in eval mode. Specialised without the calibration it is the conditional generator in
  training mode exactly (tests/training/test_conditional_start.py).

    python bench/conditional_start.py [--seconds 60 --n 200]
"""
from __future__ import annotations

import argparse
import copy
import dataclasses
import json
import statistics
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from registry import LocalRegistry  # noqa: E402
from training.config import TrainConfig  # noqa: E402
from training.data import load_labels  # noqa: E402
from training.metrics.classifier import accuracy, load_classifier  # noqa: E402
from training.speed import cpu_name  # noqa: E402
from training.warm_start import NETS, apply_warm_start  # noqa: E402
from training.wgan_gp import new_state, train_steps  # noqa: E402
from zoo.sources import bundled_registry_path  # noqa: E402

LABELS, CPU = tuple(range(10)), torch.device("cpu")


def consistency(classifier, images: torch.Tensor, label: int) -> float:
    return accuracy(classifier, (images * 255).round(), torch.full((len(images),), label))


def measure(tensors: dict, cfg: TrainConfig, cond_cfg, classifier, n: int, images: torch.Tensor,
            labels: torch.Tensor) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"conditional, eval mode": [], "conditional, training mode on one label": [],
                                   "specialised and calibrated, training mode (step 0)": [],
                                   "specialised and calibrated, eval mode": []}
    z = torch.randn(n, cfg.latent_dim, generator=torch.Generator().manual_seed(1))
    state = new_state(cfg, cond_cfg, seed=0, device=CPU)
    state.G_ema.load_state_dict({k[6:]: v for k, v in tensors.items() if k.startswith("G_ema.")})
    with torch.no_grad():
        for label in LABELS:
            y = torch.full((n,), label)
            out["conditional, eval mode"].append(consistency(classifier, state.G_ema.eval()(z, y), label))
            train_copy = copy.deepcopy(state.G_ema).train()  # training mode moves running statistics: a copy
            out["conditional, training mode on one label"].append(consistency(classifier, train_copy(z, y), label))
            mine = new_state(cfg, cfg.net_config((1, 28, 28)), seed=0, device=CPU)
            apply_warm_start(mine, tensors, kind="conditional", label=label, images=images[labels == label])
            out["specialised and calibrated, eval mode"].append(consistency(classifier, mine.G_ema.eval()(z), label))
            out["specialised and calibrated, training mode (step 0)"].append(
                consistency(classifier, mine.G_ema.train()(z), label))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0, help="wall-clock of each start, on every core")
    ap.add_argument("--n", type=int, default=200, help="images per label")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "conditional_start.json")
    args = ap.parse_args()
    cfg = TrainConfig(warm_start_kind="conditional", tick_s=args.seconds)
    cond_cfg = dataclasses.replace(cfg.net_config((1, 28, 28)), num_classes=10, latent_bias=False)
    images, labels = load_labels("fashion-mnist", LABELS)
    classifier, _ = load_classifier(LocalRegistry(bundled_registry_path()), "fashion-mnist")
    result = {"cpu": cpu_name(), "threads": torch.get_num_threads(), "seconds_each": args.seconds, "n": args.n,
              "classifier": "the bundled zoo's fmnistnet", "starts": {}}
    for batches, one_label in (("mixed batches", False), ("one-label batches", True)):
        state = new_state(cfg, cond_cfg, seed=cfg.start_seed, device=CPU)
        train_steps(state, images, cfg, deadline_s=args.seconds, labels=labels, one_label_batches=one_label)
        tensors = {f"{net}.{k}": v for net in NETS for k, v in getattr(state, net).state_dict().items()}
        scores = measure(tensors, cfg, cond_cfg, classifier, args.n, images, labels)
        result["starts"][batches] = {"steps": state.step, **{k: {"mean": round(statistics.mean(v), 4),
                                                                  "per_label": [round(x, 3) for x in v]}
                                                              for k, v in scores.items()}}
        print(batches, {k: round(statistics.mean(v), 3) for k, v in scores.items()}, flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
