"""Quality at equal wall-clock: does a speed option cost image quality? (`make bench`)

The same labels, budget and seed, trained with the plain fp32 path (for-loop Adam), with the trainer's
defaults and with bf16 autocast; a second fp32 seed measures the noise. Scored by intra-FID with the
bundled domain classifier (n images per label). Writes bench/results/train_quality.json.

    python bench/train_quality.py [--budget 45 --labels 0,1 --n 500]
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bundled import lend_classifier  # noqa: E402

from registry import LocalRegistry  # noqa: E402
from training.config import TrainConfig  # noqa: E402
from training.job import TrainJob  # noqa: E402
from training.metrics import classifier_extractor, evaluate  # noqa: E402
from training.pool import train_jobs  # noqa: E402

DATASET = "fashion-mnist"
RUNS = {  # name -> (seed, TrainConfig overrides)
    "fp32 (plain options)": (0, {"precision": "fp32", "fused_adam": False}),
    "fp32 (plain options), other seed": (1, {"precision": "fp32", "fused_adam": False}),
    "trainer defaults": (0, {}),
    "bf16 autocast": (0, {"precision": "bf16"}),
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--budget", type=float, default=45.0, help="seconds per label")
    ap.add_argument("--labels", default="0,1")
    ap.add_argument("--n", type=int, default=500)
    ap.add_argument("--out", type=Path, default=Path("bench/results/train_quality.json"))
    args = ap.parse_args()
    labels = [int(x) for x in args.labels.split(",")]
    work = Path(tempfile.mkdtemp(prefix="zoo-quality-"))
    results: dict = {"budget_s_per_label": args.budget, "labels": labels, "n": args.n, "runs": {}}
    for name, (seed, overrides) in RUNS.items():
        root = work / name.replace(" ", "-").replace(",", "").replace("(", "").replace(")", "")
        cfg = TrainConfig(budget_s=args.budget, seed=seed, lr=2e-4, batch_size=32, tick_s=args.budget, **overrides)
        done = train_jobs(TrainJob(DATASET, tuple(labels), str(Path(root).resolve()), cfg).label_jobs(),
                          workers=min(2, len(labels)),
                          progress=False)
        results["classifier_test_accuracy"] = lend_classifier(root)
        scores = evaluate(root, DATASET, extractor=classifier_extractor(LocalRegistry(root), DATASET), n=args.n,
                          with_logits=False)
        fid = [s["fid_fmnistnet"] for s in scores["labels"].values()]  # each label's FID: intra-FID's terms
        results["runs"][name] = {"seed": seed, "options": overrides, "steps": [r.steps for r in done],
                                 "fid_per_label": fid, "intra_fid_mean": statistics.mean(fid)}
    base = results["runs"]["fp32 (plain options)"]["intra_fid_mean"]
    noise = abs(results["runs"]["fp32 (plain options), other seed"]["intra_fid_mean"] - base)
    results["seed_noise_intra_fid"] = noise
    for run in results["runs"].values():
        run["vs_fp32"] = run["intra_fid_mean"] - base
        run["within_noise_or_better"] = run["vs_fp32"] <= noise
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1))
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
