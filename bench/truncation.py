"""Per-label truncation as a lever, isolated: the same trained weights scored with and without the default each
label chooses on its own training images (training/truncation.py, what `--truncation auto` does after training).

For every registry given (per-label Fashion-MNIST generators, e.g. kept by `bench/compare.py --keep`), a copy
takes each label's chosen truncation in its file's meta; both are then scored by `evaluate` with the same
features, sample count and seed (the bundled zoo's domain classifier; real-image features cached once). The
selection's own cost is timed: it is what `--truncation auto` adds to a label's training.

    python bench/truncation.py REGISTRY [REGISTRY ...] [--n 500] [--out docs/truncation.json]
"""
from __future__ import annotations

import dataclasses
import json
import shutil
import sys
import time
from pathlib import Path


sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from registry import LocalRegistry  # noqa: E402
from training.data import load_label  # noqa: E402
from training.truncation import choose_truncation, features_for  # noqa: E402
from zoo.loading import generator_from_file  # noqa: E402

from same_weights import DATASET, arguments, scored_with_and_without  # noqa: E402

SHOWN = ("intra_fid", "precision", "recall", "class_consistency")


def with_chosen_truncations(source: Path, target: Path) -> dict:
    """``target``: a copy of ``source`` whose every label stores the truncation chosen on its training images."""
    shutil.copytree(source, target)
    reg, features = LocalRegistry(target), features_for(target, DATASET)
    chosen = {}
    for label in reg.index().datasets[DATASET].generators:
        gf = reg.read_generator(DATASET, label)
        channels, resolution = gf.meta.image_shape[:2]
        images = load_label(DATASET, label, split="train", resolution=resolution, channels=channels)
        t0 = time.monotonic()
        t, scores = choose_truncation(generator_from_file(gf), images, features)
        seconds = time.monotonic() - t0
        reg.save_generator(gf.tensors, dataclasses.replace(gf.meta, truncation=t, truncation_scores=scores))
        chosen[str(label)] = {"truncation": t, "fid_train": scores, "seconds": round(seconds, 2)}
    reg.reindex()
    return chosen


def overall(result: dict) -> dict:
    return {k: round(result["overall"][f"{k}_fmnistnet"], 4) for k in SHOWN}


def main() -> None:
    args, out = arguments(__doc__, n=500, out="bench/results/truncation.json")
    for root, chosen, plain, truncated in scored_with_and_without(args.registries, with_chosen_truncations, n=args.n,
                                                                   prefix="zoo-truncation-"):
        scored = {"plain": overall(plain), "truncated": overall(truncated)}
        out["registries"].append({"registry": str(root), "chosen": chosen, "none": scored["plain"],
                                  "chosen_default": scored["truncated"]})
        print(json.dumps({"registry": str(root), **scored,
                          "truncations": {k: v["truncation"] for k, v in chosen.items()}}), flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
