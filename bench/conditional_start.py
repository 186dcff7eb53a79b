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

With ``--finetune S`` each specialised pair then trains alone on its label for S seconds (as a label of the
factorial does), measured again; precision and recall (fmnistnet features, k = 3, against as many of the
label's real images) beside class consistency show a collapse that class consistency alone would not.
``--loss dcgan`` measures the DC-GAN start with its tuned recipe (bench/compare.py's TUNED): the factorial's
DC-GAN arm with the conditional start reached recall 0.000.

    python bench/conditional_start.py [--seconds 60 --n 200]
    python bench/conditional_start.py --loss dcgan --mixed-only --finetune 24
    python bench/conditional_start.py --start REGISTRY/fashion-mnist/extras/warm-start-KEY.safetensors
    python bench/conditional_start.py --mixed-only --n-critic 2      # the start at its own n_critic

``--start`` measures a start another run trained (a factorial arm's, say) instead of training two; the file must
be a conditional start of the default recipe with ``--critic-norm``'s norm.
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
sys.path.insert(0, str(ROOT / "bench"))

from compare import TUNED  # noqa: E402
from registry import LocalRegistry  # noqa: E402
from registry.files import read_extra  # noqa: E402
from training.config import TrainConfig  # noqa: E402
from training.data import load_labels  # noqa: E402
from training.metrics.classifier import accuracy, load_classifier  # noqa: E402
from training.metrics.scores import METRICS, Sample  # noqa: E402
from training.speed import cpu_name  # noqa: E402
from training.warm_start import NETS, apply_warm_start  # noqa: E402
from training.wgan_gp import new_state, train_steps  # noqa: E402
from zoo.sources import bundled_registry_path  # noqa: E402

LABELS, CPU = tuple(range(10)), torch.device("cpu")


def scores(classifier, images: torch.Tensor, label: int, real: torch.Tensor) -> dict[str, float]:
    """Class consistency, and precision / recall against as many of the label's real images (fmnistnet features)."""
    with torch.no_grad():
        fake, _ = classifier(images)
        real_feats, _ = classifier(real[: len(images)].float() / 255)
    sample = Sample(real_feats, fake)
    return {"class consistency": accuracy(classifier, (images * 255).round(), torch.full((len(images),), label)),
            "precision": METRICS["precision"].fn(sample), "recall": METRICS["recall"].fn(sample)}


def measure(tensors: dict, cfg: TrainConfig, cond_cfg, classifier, n: int, images: torch.Tensor,
            labels: torch.Tensor, finetune_s: float) -> dict[str, list[dict[str, float]]]:
    out: dict[str, list[dict[str, float]]] = {}
    z = torch.randn(n, cfg.latent_dim, generator=torch.Generator().manual_seed(1))
    state = new_state(cfg, cond_cfg, seed=0, device=CPU)
    state.G_ema.load_state_dict({k[6:]: v for k, v in tensors.items() if k.startswith("G_ema.")})

    def put(what: str, x: torch.Tensor, label: int) -> None:
        out.setdefault(what, []).append(scores(classifier, x, label, images[labels == label]))

    for label in LABELS:
        y = torch.full((n,), label)
        with torch.no_grad():
            put("conditional, eval mode", state.G_ema.eval()(z, y), label)
            train_copy = copy.deepcopy(state.G_ema).train()  # training mode moves running statistics: a copy
            put("conditional, training mode on one label", train_copy(z, y), label)
        mine = new_state(cfg, cfg.net_config((1, 28, 28)), seed=0, device=CPU)
        apply_warm_start(mine, tensors, kind="conditional", label=label, images=images[labels == label])
        with torch.no_grad():
            put("specialised and calibrated, eval mode", mine.G_ema.eval()(z), label)
            put("specialised and calibrated, training mode (step 0)", copy.deepcopy(mine.G_ema).train()(z), label)
        if finetune_s:
            train_steps(mine, images[labels == label], cfg, deadline_s=finetune_s)
            with torch.no_grad():
                put(f"specialised, then fine-tuned alone for {finetune_s:g} s (EMA, eval mode)", mine.G_ema.eval()(z),
                    label)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seconds", type=float, default=60.0, help="wall-clock of each start, on every core")
    ap.add_argument("--n", type=int, default=200, help="images per label")
    ap.add_argument("--loss", default="wgan-gp", help="the start's loss, with its tuned per-label recipe")
    ap.add_argument("--finetune", type=float, default=0.0, help="then each label alone for this many seconds")
    ap.add_argument("--mixed-only", action="store_true", help="only the start trained on mixed batches")
    ap.add_argument("--critic-norm", default=None,
                    help="the critic's normalisation (TrainConfig.critic_norm; default: the loss's own)")
    ap.add_argument("--n-critic", type=int, default=None, help="the start's critic steps per generator step "
                    "(default: the recipe's; --warm-start-n-critic in a job)")
    ap.add_argument("--lr", type=float, default=None, help="the start's learning rate (default: the recipe's; "
                    "--warm-start-lr in a job); the labels fine-tune with the recipe's")
    ap.add_argument("--start", type=Path, help="measure this conditional start file instead of training two")
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "conditional_start.json")
    args = ap.parse_args()
    recipe = TUNED["per-label DC-GAN" if args.loss == "dcgan" else "per-label WGAN-GP"]
    own = {k: v for k, v in (("warm_start_n_critic", args.n_critic), ("warm_start_lr", args.lr)) if v is not None}
    cfg = TrainConfig.for_loss(args.loss, **{**recipe, **own}, warm_start=0.2, warm_start_kind="conditional",
                               tick_s=args.seconds, critic_norm=args.critic_norm)
    cond_cfg = dataclasses.replace(cfg.net_config((1, 28, 28)), num_classes=10, latent_bias=False)
    images, labels = load_labels("fashion-mnist", LABELS)
    classifier, _ = load_classifier(LocalRegistry(bundled_registry_path()), "fashion-mnist")
    result = {"cpu": cpu_name(), "threads": torch.get_num_threads(), "seconds_each": args.seconds, "n": args.n,
              "loss": args.loss, "recipe": {**recipe, **own}, "critic_norm": args.critic_norm,
              "finetune_s": args.finetune,
              "classifier": "the bundled zoo's fmnistnet", "starts": {}}
    kinds = (("mixed batches", False),) + (() if args.mixed_only or args.start else (("one-label batches", True),))
    for batches, one_label in kinds:
        if args.start:
            tensors, meta, _ = read_extra(args.start)
            steps = json.loads(meta["start"])["steps"]
        else:
            state = new_state(cfg.start_config(), cond_cfg, seed=cfg.start_seed, device=CPU)
            train_steps(state, images, cfg.start_config(), deadline_s=args.seconds, labels=labels,
                        one_label_batches=one_label)
            tensors = {f"{net}.{k}": v for net in NETS for k, v in getattr(state, net).state_dict().items()}
            steps = state.step
        measured = measure(tensors, cfg, cond_cfg, classifier, args.n, images, labels, args.finetune)
        result["starts"][str(args.start or batches)] = {"steps": steps, **{
            what: {m: {"mean": round(statistics.mean(s[m] for s in per_label), 4),
                       "per_label": [round(s[m], 3) for s in per_label]} for m in per_label[0]}
            for what, per_label in measured.items()}}
        print(args.start or batches, {what: {m: round(statistics.mean(s[m] for s in per_label), 3)
                                             for m in per_label[0]} for what, per_label in measured.items()}, flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1))
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
