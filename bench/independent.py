"""The arms of a bench/levers.py run scored again with measures the runs were never tuned or scored in: Inception
FID (the field's features, not the domain classifier's) and the Classification Accuracy Score (a classifier trained
on each arm's generated images only, tested on the real test images). Every lever was chosen in the domain
classifier's features; these say whether a ranking holds outside them.

    python bench/levers.py --precision --budget 240 --keep /tmp/runs --only A B ...   # every row records its registry
    python bench/independent.py RUN.json [--n 200 --real-n 200 --cas-n 1000] [--out bench/results/independent]

Each registry's samples are proved to come from the files its run wrote before anything is scored (the
comparison's provenance check). Inception runs at a few images a second on a CPU: ``--real-n`` caps the real
images per label and split (a seeded subset, the same for every arm; their features are computed once), and every
figure is comparable only with the same ``--n`` and ``--real-n``. CAS is tested on every real test image.
Writes independent-RUN.json and .md into ``--out``.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))

from compare import CORES, DATASET, Run, score  # noqa: E402
from registry import LocalRegistry  # noqa: E402
from training.metrics import inception_extractor, minimum_n  # noqa: E402
from training.speed import cpu_name  # noqa: E402

KEYS = ("intra_fid_inception", "kid_inception", "precision_inception", "recall_inception")


def rescore(run: dict, *, n: int, real_n: int, cas_n: int, features: LocalRegistry,
            inception: Path | None = None) -> dict:
    """Every row of a levers run (its JSON, loaded) scored in Inception features and by CAS, in row order."""
    labels = tuple(run["labels"])
    missing = [r["variant"] for r in run["rows"] if "registry" not in r]
    if missing:
        raise SystemExit(f"rows without a registry (a run without --keep, or from before it): {', '.join(missing)}")
    extractor, rows, cas_baselines = inception_extractor(inception), [], None
    for row in run["rows"]:
        arm = Run(row["variant"], run["budget_per_label_s"], run["seed"], "core-seconds", Path(row["registry"]),
                  base=row["base"])
        t0 = time.monotonic()
        scored = score(arm, labels, n, features, cas_n=cas_n, cas_baselines=cas_baselines is None, real_n=real_n,
                       extractor=extractor)  # CAS on every real test image
        if cas_baselines is None:  # the real-data classifiers depend on the data, n and seed only
            cas_baselines = {k: v for k, v in scored["cas"]["overall"].items() if k != "cas"}
        per_label = {"intra_fid_inception": [scored["labels"][str(label)]["fid_inception"] for label in labels]}
        rows.append({"variant": row["variant"], "registry": row["registry"], "overall": scored["overall"],
                     "per_label": per_label, "cas": scored["cas"], "reference": scored["reference"],
                     "provenance_checks": scored["provenance_checks"],
                     "fmnistnet": row["overall"], "seconds": round(time.monotonic() - t0, 1)})
    return {"run": {k: run[k] for k in ("labels", "budget_per_label_s", "seed", "cpu", "bf16")}, "n": n,
            "real_n": real_n, "cas_n": cas_n, "cas_baselines": cas_baselines, "cpu": cpu_name(),
            "features_digest": extractor.digest, "rows": rows}


def report(result: dict, source: str) -> str:
    run, rows = result["run"], result["rows"]
    first = rows[0]["per_label"]["intra_fid_inception"]
    lines = [f"`{source}` ({len(run['labels'])} labels x {run['budget_per_label_s']:g} s, seed {run['seed']}, "
             f"trained on {run['cpu']}{' (bf16)' if run.get('bf16') else ''}) scored again on {result['cpu']}: "
             f"Inception features with {result['n']} generated and {result['real_n']} real images per label and "
             f"split; CAS trained on {result['cas_n']} generated images per label, tested on every real test image "
             f"(the same recipe on {result['cas_n']} real ones per label: "
             f"{result['cas_baselines'].get('cas_real_same_n', float('nan')):.3f}).", "",
             "| variant | intra-FID (Inception) | intra-KID (Inception) | precision (Inception) | recall (Inception) "
             f"| CAS | intra-FID (fmnistnet, the run's own) | intra-FID lower than {rows[0]['variant']!r} on |",
             "|" + " --- |" * 8]
    for r in rows:
        mine = r["per_label"]["intra_fid_inception"]
        wins = "" if r is rows[0] else f"{sum(a < b for a, b in zip(mine, first))} of {len(mine)} labels"
        o = r["overall"]
        lines.append(f"| {r['variant'].strip()} | " + " | ".join(f"{o[k]:.4g}" for k in KEYS)
                     + f" | {r['cas']['overall']['cas']:.3f} | {r['fmnistnet']['intra_fid_fmnistnet']:.3f} | {wins} |")
    ref = rows[0]["reference"]
    lines += ["", f"{result['real_n']} real test images per label against as many real train images, the data's own "
              f"level: intra-FID (Inception) {ref['intra_fid_inception_real_train_vs_test']:.4g}, precision "
              f"{ref['precision_inception_real_test']:.3f}, recall {ref['recall_inception_real_test']:.3f}. CAS of the "
              f"domain classifier (every real training image): "
              f"{result['cas_baselines'].get('cas_real_all', float('nan')):.3f}."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run", type=Path, help="a bench/levers.py JSON whose rows record their registries (--keep)")
    ap.add_argument("--n", type=int, default=200, help="generated images per label in Inception features")
    ap.add_argument("--real-n", type=int, default=200, help="real images per label and split in Inception features")
    ap.add_argument("--cas-n", type=int, default=1000, help="generated images per label the CAS classifier trains on")
    ap.add_argument("--inception", type=Path, help="the Inception network's file (default: make inception's)")
    ap.add_argument("--out", type=Path, default=Path("bench/results/independent"))
    args = ap.parse_args(argv)
    least = minimum_n(["fid", "kid", "precision", "recall"])  # what the metrics need, refused before any work
    if min(args.n, args.real_n, args.cas_n) < least:
        ap.error(f"--n, --real-n and --cas-n: expected at least {least} images per label (k-NN precision and recall)")
    torch.set_num_threads(CORES)
    with tempfile.TemporaryDirectory(prefix="zoo-independent-") as tmp:
        result = rescore(json.loads(args.run.read_text()), n=args.n, real_n=args.real_n, cas_n=args.cas_n,
                         features=LocalRegistry.create(Path(tmp) / "features"), inception=args.inception)
    args.out.mkdir(parents=True, exist_ok=True)
    stem = args.out / f"independent-{args.run.stem}"  # apart from the levers-*.json a lever table reads
    stem.with_suffix(".json").write_text(json.dumps(result, indent=1))
    text = report(result, args.run.name)
    stem.with_suffix(".md").write_text(text)
    print(text)
    return result


if __name__ == "__main__":
    main()
