"""Per-label truncation as a lever, isolated: the same trained weights scored with and without the default each
label chooses on its own training images (training/truncation.py, what `--truncation auto` does after training).

For every registry given (per-label Fashion-MNIST generators, e.g. kept by `bench/compare.py --keep`), a copy
takes each label's chosen truncation in its file's meta; both are then scored by `evaluate` with the same
features, sample count and seed (the bundled zoo's domain classifier; real-image features cached once). The
selection's own cost is timed: it is what `--truncation auto` adds to a label's training.

    python bench/truncation.py REGISTRY [REGISTRY ...] [--n 500] [--out docs/truncation.json]
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from registry import LocalRegistry  # noqa: E402
from training.data import load_label  # noqa: E402
from training.metrics import check_provenance, classifier_extractor, evaluate  # noqa: E402
from training.speed import cpu_name  # noqa: E402
from training.truncation import choose_truncation, features_for  # noqa: E402
from zoo.loading import generator_from_file  # noqa: E402
from zoo.sources import bundled_registry_path  # noqa: E402

DATASET = "fashion-mnist"
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
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("registries", nargs="+", type=Path)
    ap.add_argument("--n", type=int, default=500, help="generated images per label for the metrics")
    ap.add_argument("--out", type=Path, default=Path("bench/results/truncation.json"))
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="zoo-truncation-"))
    bundled = LocalRegistry(bundled_registry_path())
    features = LocalRegistry.create(work / "features")
    out = {"cpu": cpu_name(), "threads": torch.get_num_threads(), "n": args.n, "features": "fmnistnet",
           "registries": []}
    try:
        for i, root in enumerate(args.registries):
            plain = work / f"{i}-plain"
            shutil.copytree(root, plain)
            for reg in (LocalRegistry(plain),):
                reg.adopt_extra(bundled, DATASET, "classifier")
                reg.reindex()
            chosen = with_chosen_truncations(plain, work / f"{i}-truncated")
            scored = {}
            for name in ("plain", "truncated"):
                reg = LocalRegistry(work / f"{i}-{name}")
                gens = reg.index().datasets[DATASET].generators
                # what is scored is what each file serves, its stored truncation included (before any score)
                check_provenance(reg.root, DATASET, sorted(gens), kind="per-label",
                                 sha256={k: g.sha256 for k, g in gens.items()})
                scored[name] = overall(evaluate(reg.root, DATASET, extractor=classifier_extractor(reg, DATASET),
                                                n=args.n, feature_cache=features))
            entry = {"registry": str(root), "chosen": chosen, "none": scored["plain"], "chosen_default":
                     scored["truncated"]}
            out["registries"].append(entry)
            print(json.dumps({"registry": str(root), **scored,
                              "truncations": {k: v["truncation"] for k, v in chosen.items()}}), flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
