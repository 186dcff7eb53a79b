"""The paper's comparison on Fashion-MNIST: per-label WGAN-GP generators versus one conditional WGAN-GP
(the monolithic baseline), under the same total core-seconds, evaluated with the same metrics and the
same number of samples. Writes bench/results/compare.json and compare.png.

    python bench/compare.py [--budget 120 --n 500]     # about 25 minutes on 2 cores at the defaults

Per-label: 10 labels x budget seconds, 2 workers of 1 thread each  -> 10 x budget core-seconds.
Conditional: 1 process of 2 threads for 10 x budget / 2 seconds      -> 10 x budget core-seconds.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import zoo  # noqa: E402
from registry import LocalRegistry  # noqa: E402
from training.config import TrainConfig  # noqa: E402
from training.job import TrainJob  # noqa: E402
from zoo.sources import bundled_registry_path  # noqa: E402
from training.metrics import classifier_extractor, evaluate, train_classifier  # noqa: E402
from training.metrics.commands import _split  # noqa: E402
from training.pool import train_jobs  # noqa: E402

DATASET, LABELS, CORES = "fashion-mnist", tuple(range(10)), 2


def _figure(results: dict, roots: dict[str, Path], out: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    keys = ["intra_fid_fmnistnet", "precision_fmnistnet", "recall_fmnistnet", "class_consistency_fmnistnet"]
    fig = plt.figure(figsize=(14, 5.5), constrained_layout=True)
    grid = fig.add_gridspec(2, 4)
    for i, key in enumerate(keys):
        ax = fig.add_subplot(grid[0, i])
        vals = [results[m]["overall"][key] for m in roots]
        ax.bar(list(roots), vals, color=["tab:blue", "tab:orange"])
        ax.set_title(key.replace("_fmnistnet", "") + (" (lower is better)" if "fid" in key else ""), fontsize=9)
        for j, v in enumerate(vals):
            ax.text(j, v, f"{v:.3f}", ha="center", va="bottom", fontsize=8)
    for i, (mode, root) in enumerate(roots.items()):
        ax = fig.add_subplot(grid[1, 2 * i : 2 * i + 2])
        x = zoo.sample(DATASET, labels=list(LABELS), n=10, seed=0, registry=root)
        ax.imshow(zoo.grid(x, nrow=10), cmap="gray")
        ax.set_title(f"{mode}: one row per class, seed 0", fontsize=9)
        ax.axis("off")
    fig.suptitle(f"Fashion-MNIST, equal budget of {results['core_seconds']:.0f} core-seconds per method")
    fig.savefig(out, dpi=100)
    plt.close(fig)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--budget", type=float, default=120.0, help="core-seconds per label")
    ap.add_argument("--n", type=int, default=500, help="generated images per label for the metrics")
    ap.add_argument("--preset", default="small")
    ap.add_argument("--out", type=Path, default=Path("bench/results"))
    ap.add_argument("--classifier-from", type=Path, default=bundled_registry_path(),
                    help="registry whose domain classifier to use (default: the bundled one); 'none' trains one")
    args = ap.parse_args()
    if str(args.classifier_from) == "none":
        args.classifier_from = None
    work = Path(tempfile.mkdtemp(prefix="zoo-compare-"))
    roots = {"per-label": work / "per-label", "conditional": work / "conditional"}
    common = dict(preset=args.preset, lr=2e-4, batch_size=32, tick_s=max(1.0, args.budget / 20))
    t0 = time.monotonic()
    per_label_cfg = TrainConfig(budget_s=args.budget, **common)
    train_jobs(TrainJob(DATASET, LABELS, str(roots["per-label"]), per_label_cfg).label_jobs(), workers=CORES,
               progress=False)
    torch.set_num_threads(CORES)  # the conditional run uses both cores for half the wall-clock time
    cond_cfg = TrainConfig(budget_s=args.budget / CORES, **common)
    train_jobs(TrainJob(DATASET, LABELS, str(roots["conditional"]), cond_cfg, mode="conditional").label_jobs(),
               workers=1, progress=False)
    train_seconds = time.monotonic() - t0
    if args.classifier_from is not None:  # the same features as the bundled zoo's metrics, and 7 minutes saved
        for root in roots.values():
            LocalRegistry.create(root).adopt_extra(LocalRegistry(args.classifier_from), DATASET, "classifier")
        classifier = {"test_accuracy": float(LocalRegistry(roots["per-label"]).read_extra(DATASET, "classifier")[1]
                                             ["test_accuracy"])}
    else:
        classifier = train_classifier(LocalRegistry.create(roots["per-label"]), DATASET,
                                      _split(DATASET, 10, None, "train"), _split(DATASET, 10, None, "test"),
                                      num_classes=10, epochs=3)
        LocalRegistry.create(roots["conditional"]).adopt_extra(LocalRegistry(roots["per-label"]), DATASET,
                                                               "classifier")
    results = {"core_seconds": args.budget * len(LABELS), "n": args.n, "preset": args.preset,
               "classifier_test_accuracy": classifier["test_accuracy"], "train_wall_seconds": train_seconds}
    for mode, root in roots.items():
        LocalRegistry(root).reindex()
        r = evaluate(root, DATASET, extractor=classifier_extractor(LocalRegistry(root), DATASET), n=args.n)
        results[mode] = {"overall": r["overall"], "labels": r["labels"], "reference": r["reference"]}
    results["winner_by_intra_fid"] = min(roots, key=lambda m: results[m]["overall"]["intra_fid_fmnistnet"])
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "compare.json").write_text(json.dumps(results, indent=1))
    _figure(results, roots, args.out / "compare.png")
    print(json.dumps({k: v for k, v in results.items() if k not in roots} |
                     {m: results[m]["overall"] for m in roots}, indent=1))


if __name__ == "__main__":
    main()
