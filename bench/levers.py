"""Recipe levers at equal compute, with the comparison's machinery (same pool, budgets in core-seconds,
provenance guard, features and sample counts): which TrainConfig settings let one label's WGAN-GP reach
good samples in fewer core-seconds, and the same levers for the conditional baseline (tuned against tuned).

    python bench/levers.py --budget 30 --out bench/results/levers     # about 25 minutes on 2 cores

Writes levers.json and levers.md. Each variant is a named set of TrainConfig fields over its loss's defaults.
"""
from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from compare import CORES, DATASET, STARTS, TUNED, Run, score, train  # noqa: E402
from registry import LocalRegistry  # noqa: E402
from training.speed import cpu_name, use_bf16  # noqa: E402
from zoo.nets.conditioning import PROJECTION_INIT  # noqa: E402

# name -> (the METHODS entry it modifies, TrainConfig fields)
FAST = {"lr": 2e-4, "batch_size": 32, "n_critic": 2, "gp_every": 1, "warm_start": 0.0}  # explicit: defaults move
OLD = {"lr": 1e-4, "batch_size": 64, "n_critic": 5, "gp_every": 1, "warm_start": 0.0}  # the defaults before these runs
VARIANTS: dict[str, tuple[str, dict]] = {
    "per-label lr 1e-4, batch 64, n_critic 5 (Gulrajani et al.; the old defaults)": ("per-label WGAN-GP", OLD),
    "per-label lr 2e-4, batch 32, n_critic 2": ("per-label WGAN-GP", FAST),
    "  + gp every 4": ("per-label WGAN-GP", {**FAST, "gp_every": 4}),
    "  + betas (0.5, 0.9)": ("per-label WGAN-GP", {**FAST, "betas": (0.5, 0.9)}),
    "per-label TTUR: n_critic 1, lr 1e-4 / 4e-4, batch 32": ("per-label WGAN-GP", {
        **FAST, "n_critic": 1, "lr": 1e-4, "lr_d": 4e-4}),
    "per-label lr 2e-4, batch 32, n_critic 2, tiny width": ("per-label WGAN-GP", {**FAST, "preset": "tiny"}),
    "per-label lr 3e-4, batch 32, n_critic 2, gp every 4": ("per-label WGAN-GP", {**FAST, "lr": 3e-4, "gp_every": 4}),
    "per-label lr 2e-4, batch 16, n_critic 2, gp every 4": ("per-label WGAN-GP", {**FAST, "batch_size": 16,
                                                                                "gp_every": 4}),
    "per-label lr 2e-4, batch 32, n_critic 2, gp every 4, warm start 0.2": ("per-label WGAN-GP", {
        **FAST, "gp_every": 4, "warm_start": 0.2}),
    "per-label lr 2e-4, batch 32, n_critic 2, gp every 4, warm start 0.4": ("per-label WGAN-GP", {
        **FAST, "gp_every": 4, "warm_start": 0.4}),
    "per-label lr 2e-4, batch 32, n_critic 2, gp every 4, warm start 0.6": ("per-label WGAN-GP", {
        **FAST, "gp_every": 4, "warm_start": 0.6}),
    "per-label lr 3e-4, batch 32, n_critic 2, gp every 4, warm start 0.2": ("per-label WGAN-GP", {
        **FAST, "lr": 3e-4, "gp_every": 4, "warm_start": 0.2}),
    "conditional lr 1e-4, batch 64, n_critic 5 (Gulrajani et al.)": ("conditional WGAN-GP", OLD),
    "conditional lr 2e-4, batch 32, n_critic 2": ("conditional WGAN-GP", FAST),
    "conditional lr 2e-4, batch 32, n_critic 2, gp every 4": ("conditional WGAN-GP", {**FAST, "gp_every": 4}),
    # The paper's baseline tuned with the same effort: its authors' recipe, then faster learning rates and batches.
    "per-label DC-GAN defaults (lr 1e-4, batch 100)": ("per-label DC-GAN", {}),
    "per-label DC-GAN lr 2e-4, batch 64": ("per-label DC-GAN", {"lr": 2e-4, "batch_size": 64}),
    "per-label DC-GAN lr 2e-4, batch 32": ("per-label DC-GAN", {"lr": 2e-4, "batch_size": 32}),
}
# The small-data regime (CIFAR-100 gives each label 500 images): augmentation against none, on the zoo's defaults
# (the shared start included). The sweep of docs/levers-small-data.json ran the recipe before them (lr 2e-4, no
# start; its rows record it).
SMALL_DATA: dict[str, tuple[str, dict]] = {
    "500 images: per-label defaults": ("per-label WGAN-GP", {}),
    "500 images: per-label defaults + translation,cutout": ("per-label WGAN-GP", {"augment": "translation,cutout"}),
}
# The precision gap (issue: per-label precision below the conditional model's): levers not measured before, each
# against the zoo's default recipe (which sets the shared start) at equal core-seconds, one changed at a time.
# The ResNet family at Fashion-MNIST's own 28 px (7x7 start); at 32 px it would need the images padded, not built.
DEFAULT: dict = {}  # the per-label WGAN-GP defaults as they are
RECIPE_1202: dict = {"lr": 3e-4, "n_critic": 2, "critic_norm": "none"}
PRECISION: dict[str, tuple[str, dict]] = {
    "default recipe": ("per-label WGAN-GP", DEFAULT),
    "critic 2x as wide": ("per-label WGAN-GP", {"critic_width": 2.0}),
    "critic half as wide": ("per-label WGAN-GP", {"critic_width": 0.5}),
    "EMA decay 0.9995": ("per-label WGAN-GP", {"ema_decay": 0.9995}),
    "EMA decay 0.99": ("per-label WGAN-GP", {"ema_decay": 0.99}),
    "latent 64": ("per-label WGAN-GP", {"latent_dim": 64}),
    "latent 256": ("per-label WGAN-GP", {"latent_dim": 256}),
    "DiffAugment translation,cutout": ("per-label WGAN-GP", {"augment": "translation,cutout"}),
    "critic layer norm": ("per-label WGAN-GP", {"critic_norm": "layer"}),  # the WGAN-GP default since
    "critic without norm (the default before)": ("per-label WGAN-GP", {"critic_norm": "none"}),
    "linear lr decay": ("per-label WGAN-GP", {"lr_decay": "linear"}),
    # The start's share on today's default (0.2 was chosen at 300 on the recipe before n_critic 1 and layer norm).
    "warm start 0.1": ("per-label WGAN-GP", {"warm_start": 0.1}),
    "warm start 0.3": ("per-label WGAN-GP", {"warm_start": 0.3}),
    "warm start 0.4": ("per-label WGAN-GP", {"warm_start": 0.4}),
    "batch 64": ("per-label WGAN-GP", {"batch_size": 64}),
    # The penalty's weight, never varied before (lambda 10 from Gulrajani et al.): a weaker pull towards unit
    # gradients lets the critic separate sharper, which is what precision asks of the generator.
    "gradient-penalty weight 1": ("per-label WGAN-GP", {"gp_weight": 1.0}),
    "gradient-penalty weight 3": ("per-label WGAN-GP", {"gp_weight": 3.0}),
    # 3e-4 beat 2e-4 at 300 on the recipe before n_critic 1 and layer norm; the next step up, on today's.
    "lr 5e-4": ("per-label WGAN-GP", {"lr": 5e-4}),
    # Past 5e-4, to find where the curve turns (5e-4 won all four metrics in every run against 3e-4).
    "lr 7e-4": ("per-label WGAN-GP", {"lr": 7e-4}),
    "lr 1e-3": ("per-label WGAN-GP", {"lr": 1e-3}),  # the default since 2026-12-04
    "lr 1.5e-3": ("per-label WGAN-GP", {"lr": 1.5e-3}),
    "lr 2e-3": ("per-label WGAN-GP", {"lr": 2e-3}),
    "lr 3e-4 (the default before)": ("per-label WGAN-GP", {"lr": 3e-4}),
    "n_critic 1": ("per-label WGAN-GP", {"n_critic": 1}),  # the DC-GAN's step count per core-second (the default since)
    "n_critic 2 (the defaults before)": ("per-label WGAN-GP", {"n_critic": 2}),
    # The generator's capacity alone: the `base` width (2x) with the critic kept at the `small` width.
    "generator 2x as wide (base), critic as before": ("per-label WGAN-GP", {"preset": "base", "critic_width": 0.5}),
    "ResNet family (28 px)": ("per-label WGAN-GP", {"arch": "resnet"}),
    "ResNet family (28 px), critic layer norm": ("per-label WGAN-GP", {"arch": "resnet", "critic_norm": "layer"}),
    "ResNet family (32 px: the images centred on 32 x 32)": ("per-label WGAN-GP", {"arch": "resnet"}),
    # The target a lever must reach, run beside it: the comparison's best per-label DC-GAN (tuned, shared start),
    # and the paper's own setting, each loss with no start (the start held equal at none).
    "per-label DC-GAN lr 2e-4, batch 32, warm start 0.2": ("per-label DC-GAN",
                                                           {**TUNED["per-label DC-GAN"], **STARTS["shared start"]}),
    # The same lever given to the DC-GAN (the same effort tuning each loss): layer norm in place of its batch norm.
    "per-label DC-GAN lr 2e-4, batch 32, warm start 0.2, critic layer norm": (
        "per-label DC-GAN", {**TUNED["per-label DC-GAN"], **STARTS["shared start"], "critic_norm": "layer"}),
    # The baseline given the per-label default's rate lever (the same effort tuning each loss): 5x its tuned rate.
    "per-label DC-GAN lr 1e-3, batch 32, warm start 0.2": ("per-label DC-GAN", {
        **TUNED["per-label DC-GAN"], **STARTS["shared start"], "lr": 1e-3}),
    # The baseline's own rate curve one step past 1e-3, as the WGAN-GP's was taken (2e-3 led it at 600).
    "per-label DC-GAN lr 2e-3, batch 32, warm start 0.2": ("per-label DC-GAN", {
        **TUNED["per-label DC-GAN"], **STARTS["shared start"], "lr": 2e-3}),
    "no start": ("per-label WGAN-GP", STARTS["no start"]),
    # The paper's own setting (no start) with both losses at the same rate as the default's.
    "per-label DC-GAN lr 1e-3, batch 32, no start": ("per-label DC-GAN", {
        **TUNED["per-label DC-GAN"], **STARTS["no start"], "lr": 1e-3}),
    "per-label DC-GAN lr 2e-4, batch 32, no start": ("per-label DC-GAN",
                                                     {**TUNED["per-label DC-GAN"], **STARTS["no start"]}),
    # The conditional baseline given the per-label arm's best lever too (the same effort tuning each side).
    "conditional WGAN-GP tuned (lr 2e-4, n_critic 2)": ("conditional WGAN-GP", TUNED["conditional WGAN-GP"]),
    "conditional WGAN-GP tuned, lr 1e-3": ("conditional WGAN-GP", {**TUNED["conditional WGAN-GP"], "lr": 1e-3}),
    # Recall is where the per-label DC-GAN leads (docs/interleaved.md); its batch-norm critic sees each batch's spread,
    # which the WGAN-GP's per-image critic cannot. Minibatch standard deviation (ProGAN, itself a WGAN-GP) gives it
    # that view and keeps the penalty per image. The penalty less often was to buy steps (it did not:
    # docs/interleaved.md).
    "critic minibatch std 4": ("per-label WGAN-GP", {"critic_mbstd": 4}),
    "gradient penalty every 8": ("per-label WGAN-GP", {"gp_every": 8}),
    # The penalty itself: zero-centred on the interpolates (Thanh-Tung et al. 2019: a critic pulled to gradient 0
    # off the data generalises, where one pulled to 1 can keep pushing samples onto the modes it has), and the
    # drift term that keeps the critic's scores near 0 (Karras et al. 2018: with one critic step per generator
    # step and betas (0, 0.9), nothing else anchors them).
    "zero-centred gradient penalty": ("per-label WGAN-GP", {"gp_target": 0.0}),
    "drift term 0.001": ("per-label WGAN-GP", {"drift": 1e-3}),
    # Adam's momentum: Gulrajani et al.'s (0, 0.9) was set for lr 1e-4 and 5 critic steps; at 1e-3 and one step
    # each, the DC-GAN's (0.5, 0.999) averages over more steps, and StyleGAN2's (0, 0.99) keeps no momentum.
    "Adam betas (0.5, 0.999), the DC-GAN's": ("per-label WGAN-GP", {"betas": (0.5, 0.999)}),
    "Adam betas (0, 0.99)": ("per-label WGAN-GP", {"betas": (0.0, 0.99)}),
    # Two time-scales (Heusel et al. 2017) at today's rate, never tried since lr 1e-4 / 4e-4 on the old recipe: the
    # critic faster than the generator (one critic step each, so its estimate lags), and slower.
    "critic lr 2e-3, generator 1e-3 (TTUR)": ("per-label WGAN-GP", {"lr_d": 2e-3}),
    "critic lr 5e-4, generator 1e-3": ("per-label WGAN-GP", {"lr_d": 5e-4}),
    # The same view given to the DC-GAN, whose batch-norm critic already has one (the same tuning effort per arm).
    "per-label DC-GAN lr 1e-3, batch 32, warm start 0.2, critic minibatch std 4": ("per-label DC-GAN", {
        **TUNED["per-label DC-GAN"], **STARTS["shared start"], "lr": 1e-3, "critic_mbstd": 4}),
    # The factorial's third start at today's rates: one class-conditional model for the start's share, each label
    # specialised from it (docs/training.md), for each loss.
    "shared conditional start": ("per-label WGAN-GP", STARTS["shared conditional start"]),
    "per-label DC-GAN lr 1e-3, batch 32, shared conditional start": ("per-label DC-GAN", {
        **TUNED["per-label DC-GAN"], **STARTS["shared conditional start"], "lr": 1e-3}),
    # At lr 1e-3 the conditional model of the start diverged in its first hundred steps (docs/interleaved.md): the
    # start at the conditional model's tuned rate, the labels still fine-tuning at 1e-3.
    "shared conditional start, the start at lr 2e-4": ("per-label WGAN-GP", {
        **STARTS["shared conditional start"], "warm_start_lr": 2e-4}),
    # It was level with the unconditional start on the recipe without a critic norm; against "critic without
    # norm (the default before)", the start's kind is the one lever.
    "shared conditional start, critic without norm": ("per-label WGAN-GP", {
        **STARTS["shared conditional start"], "critic_norm": "none"}),
    # Against "lr 3e-4 (the default before)": the start's kind at the rate of the day it was level.
    "shared conditional start, lr 3e-4": ("per-label WGAN-GP", {**STARTS["shared conditional start"], "lr": 3e-4}),
    # The recipe of the day the conditional start was level (docs/factorial-600, 2026-12-02): lr 3e-4, n_critic 2, no
    # critic norm, each start kind on it; if it fails on today's code too, the code changed, not the recipe.
    "the 2026-12-02 recipe, shared start": ("per-label WGAN-GP", {**RECIPE_1202, **STARTS["shared start"]}),
    "the 2026-12-02 recipe, shared conditional start": ("per-label WGAN-GP", {
        **RECIPE_1202, **STARTS["shared conditional start"]}),
    # After the fix the conditional start still scores recall 0.000 at step 0: trained with the labels' n_critic 1
    # it is the conditional model at the n_critic that cost it recall (docs/levers-precision-cond-ncritic-600i). The
    # start at the conditional model's n_critic 2 (the labels keep 1 and their layer norm), and with a longer share.
    "shared conditional start, the start n_critic 2": ("per-label WGAN-GP", {
        **STARTS["shared conditional start"], "warm_start_n_critic": 2}),
    "shared conditional start, the start n_critic 2, share 0.4": ("per-label WGAN-GP", {
        **STARTS["shared conditional start"], "warm_start_n_critic": 2, "warm_start": 0.4}),
    "conditional WGAN-GP tuned, n_critic 1": ("conditional WGAN-GP", {**TUNED["conditional WGAN-GP"], "n_critic": 1}),
    # The per-label default's lever given to the conditional model too (it was tuned without a critic norm).
    "conditional WGAN-GP tuned, critic layer norm": ("conditional WGAN-GP", {**TUNED["conditional WGAN-GP"],
                                                                           "critic_norm": "layer"}),
}
# Variants at another size than Fashion-MNIST's 28 px; they are scored at it, against real images centred the
# same way (their own floor is in their row's reference).
RESOLUTIONS: dict[str, int] = {"ResNet family (32 px: the images centred on 32 x 32)": 32}
KEYS = ["intra_fid_fmnistnet", "precision_fmnistnet", "recall_fmnistnet", "class_consistency_fmnistnet"]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--budget", type=float, default=30, help="seconds per label (x labels = core-seconds)")
    ap.add_argument("--labels", default="0-9")
    ap.add_argument("--n", type=int, default=500)
    ap.add_argument("--only", nargs="*", help="variant names to run (default: all)")
    ap.add_argument("--small-data", action="store_true", help="the 500-images-per-label variants instead")
    ap.add_argument("--precision", action="store_true", help="the precision levers (PRECISION) instead")
    ap.add_argument("--seed", type=int, default=0, help="training seed of every variant (another seed: the noise)")
    ap.add_argument("--out", type=Path, default=Path("bench/results/levers"))
    ap.add_argument("--tag", default="", help="appended to the output file names (another sweep, same budget)")
    ap.add_argument("--keep", type=Path, help="train each variant's registry under this folder and keep it (default: a "
                    "temporary one, removed once scored); every row records it, for bench/independent.py")
    args = ap.parse_args()
    lo, _, hi = args.labels.partition("-")
    labels = tuple(range(int(lo), int(hi or lo) + 1))
    torch.set_num_threads(1)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="zoo-levers-", dir=args.keep))
    variants = PRECISION if args.precision else SMALL_DATA if args.small_data else VARIANTS
    chosen = {k: v for k, v in variants.items() if not args.only or k in args.only}
    runs = [Run(name, args.budget, args.seed, "core-seconds", work / f"v{i}", recipe=tuple(recipe.items()), base=base,
                max_images=500 if args.small_data else None, resolution=RESOLUTIONS.get(name))
            for i, (name, (base, recipe)) in enumerate(chosen.items())]
    t0 = time.monotonic()
    preset = "small"
    trained = train(runs, labels, preset)
    torch.set_num_threads(CORES)
    features = LocalRegistry.create(work / "features")
    rows = [{"variant": r.method, "base": r.base, "recipe": {k: v for k, v in r.recipe}, "max_images": r.max_images,
             **({"registry": str(r.root)} if args.keep else {}),
             "config": r.job(labels, preset).config.to_json(),  # the whole config it trained with
             "core_seconds": r.budget * len(labels), **trained[r.root], **score(r, labels, args.n, features)}
            for r in runs]
    if not args.keep:  # scored: a temporary folder's registries (about 100 MB a run) go
        shutil.rmtree(work)
    # The arithmetic the variants trained in, from their recorded precision: bf16 buys several times the steps of
    # an fp32 CPU of the same name for the same core-seconds.
    bf16 = all(use_bf16(r["config"]["precision"], torch.device("cpu")) for r in rows)
    out = {"dataset": DATASET, "labels": list(labels), "n": args.n, "budget_per_label_s": args.budget, "seed": args.seed,
           "cpu": cpu_name(), "bf16": bf16, "torch": torch.__version__, "cores": CORES,
           "projection_init": PROJECTION_INIT, "rows": rows,
           "wall_seconds": round(time.monotonic() - t0, 1)}
    args.out.mkdir(parents=True, exist_ok=True)
    name = ("levers-precision" if args.precision else "levers-small-data" if args.small_data else "levers") + (f"-seed{args.seed}" if args.seed else "") + (f"-{args.tag}" if args.tag else "")
    (args.out / f"{name}.json").write_text(json.dumps(out, indent=1))
    stolen = rows[0].get("pool_stolen_share") if rows else None
    lines = [f"{len(labels)} labels x {args.budget:g} s = {args.budget * len(labels):g} core-seconds per variant; "
             f"{args.n} samples per label; {cpu_name()} ({'bf16' if bf16 else 'fp32'}), {CORES} cores"
             + (f"; the hypervisor took {stolen:.0%} of the CPU time while they trained" if stolen is not None else "")
             + ".", "",
             "| variant | steps (median, min-max) | CPU s a label got (median) | "
             + " | ".join(k.replace("_fmnistnet", "") for k in KEYS) + " |",
             "|" + " --- |" * (3 + len(KEYS))]
    lines += [f"| {r['variant'].strip()} | {statistics.median(r['steps']):,.0f} "
              f"({min(r['steps']):,}-{max(r['steps']):,}) | {statistics.median(r['cpu_seconds']):.1f} | "
              + " | ".join(f"{r['overall'][k]:.3f}" for k in KEYS) + " |" for r in rows]
    (args.out / f"{name}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
