"""Standing statistics as a lever, isolated: the same trained weights scored with the batch-norm statistics the
trainer left in the published (EMA) generator, and with its own (Brock et al. 2019, BigGAN's standing statistics).

The published generator is the running average (EMA) of the trained weights, but the running means and variances
its batch norms use in eval mode come from the *live* net's batches (the trainer copies them over at every step):
statistics of other weights than the ones published. ``standing_statistics`` replaces them with the EMA net's own,
averaged over many batches of its latents in training mode; the weights stay as trained. Measured on the bundled
zoo and not adopted (docs/training.md, "Standing statistics, measured and not adopted").

For every registry given (per-label Fashion-MNIST generators: the bundled zoo, or ones kept by
`bench/compare.py --keep`), a copy has each label's batch-norm running statistics re-estimated from the EMA
generator's own batches; both are scored by `evaluate` with the same features, sample count and seed (the
bundled zoo's domain classifier; real-image features cached once). The re-estimate's cost is timed.

    python bench/standing_stats.py REGISTRY [REGISTRY ...] [--n 1000] [--out bench/results/standing_stats.json]
"""
from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path

import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from registry import LocalRegistry  # noqa: E402
from zoo.loading import generator_from_file  # noqa: E402

from same_weights import DATASET, arguments, scored_with_and_without  # noqa: E402

SHOWN = ("intra_fid", "precision", "recall", "class_consistency")
BATCHES, BATCH_SIZE = 32, 256  # 8,192 latents per estimate


@torch.no_grad()
def standing_statistics(net: nn.Module, latent_dim: int, *, labels: torch.Tensor | None = None, seed: int = 0,
                        batches: int = BATCHES, batch_size: int = BATCH_SIZE) -> int:
    """Re-estimate every batch norm's running mean and variance of ``net`` (a generator ``net(z, y)``) from
    ``batches`` batches of its own latents; ``labels`` (a conditional generator): the labels drawn from, uniformly.
    Returns how many layers changed (0: no batch norm, and nothing ran)."""
    norms = [m for m in net.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.track_running_stats]
    if not norms:
        return 0
    device = next(net.parameters()).device
    rng = torch.Generator(device=device).manual_seed(seed)
    momenta, was_training = [m.momentum for m in norms], net.training
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # a cumulative average over the batches, every batch weighted the same
    try:
        net.train()
        for _ in range(batches):
            z = torch.randn(batch_size, latent_dim, device=device, generator=rng)
            y = None if labels is None else labels[torch.randint(len(labels), (batch_size,), device=device,
                                                                    generator=rng)]
            net(z, y)
    finally:
        for m, momentum in zip(norms, momenta):
            m.momentum = momentum
        net.train(was_training)
    return len(norms)




def with_standing_statistics(source: Path, target: Path) -> dict[str, float]:
    """``target``: a copy of ``source`` whose every label's generator has standing statistics; seconds per label."""
    shutil.copytree(source, target)
    reg, seconds = LocalRegistry(target), {}
    for label in reg.index().datasets[DATASET].generators:
        gf = reg.read_generator(DATASET, label)
        net = generator_from_file(gf)
        t0 = time.monotonic()
        standing_statistics(net, gf.meta.latent_dim, seed=label)
        seconds[str(label)] = round(time.monotonic() - t0, 2)
        tensors = {k: v.to(dtype=gf.tensors[k].dtype) for k, v in net.state_dict().items()}
        reg.save_generator(tensors, gf.meta)
    reg.reindex()
    return seconds


def per_label_and_overall(result: dict) -> dict:
    return {"overall": {k: round(result["overall"][f"{k}_fmnistnet"], 4) for k in SHOWN},
            "labels": {str(lab): {k: round(row[f"{'fid' if k == 'intra_fid' else k}_fmnistnet"], 4) for k in SHOWN}
                       for lab, row in result["labels"].items()}}


def main() -> None:
    args, out = arguments(__doc__, n=1000, out="bench/results/standing_stats.json")
    for root, seconds, plain, standing in scored_with_and_without(args.registries, with_standing_statistics,
                                                                  n=args.n, prefix="zoo-standing-"):
        scored = {"plain": per_label_and_overall(plain), "standing": per_label_and_overall(standing)}
        out["registries"].append({"registry": str(root), "seconds": seconds, **scored})
        print(json.dumps({"registry": str(root), **{k: v["overall"] for k, v in scored.items()}}), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
