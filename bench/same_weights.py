"""Post-training levers scored on the same trained weights: each registry given is copied as it is ("plain") and
copied again with the lever applied to every label's file; both copies are scored by `evaluate` with the same
features (the bundled zoo's Fashion-MNIST domain classifier), sample count and seed, real-image features cached
once. Used by bench/truncation.py and bench/standing_stats.py."""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import torch  # noqa: E402

from registry import LocalRegistry  # noqa: E402
from training.metrics import check_provenance, classifier_extractor, evaluate  # noqa: E402
from training.speed import cpu_name  # noqa: E402
from zoo.sources import bundled_registry_path  # noqa: E402

DATASET = "fashion-mnist"


def arguments(doc: str, *, n: int, out: str) -> tuple[argparse.Namespace, dict]:
    """The bench's command line (registries, --n, --out) and the head of its JSON record."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    ap.add_argument("registries", nargs="+", type=Path)
    ap.add_argument("--n", type=int, default=n, help="generated images per label for the metrics")
    ap.add_argument("--out", type=Path, default=Path(out))
    args = ap.parse_args()
    return args, {"cpu": cpu_name(), "threads": torch.get_num_threads(), "n": args.n, "features": "fmnistnet",
                  "registries": []}


def scored_with_and_without(roots: list[Path], apply: Callable[[Path, Path], dict], *, n: int,
                            prefix: str) -> Iterator[tuple[Path, dict, dict, dict]]:
    """For every registry: (root, what ``apply(plain, target)`` returned, the plain copy's `evaluate` result,
    the changed copy's). ``apply`` writes ``target``, a changed copy of ``plain``."""
    work = Path(tempfile.mkdtemp(prefix=prefix))
    bundled = LocalRegistry(bundled_registry_path())
    features = LocalRegistry.create(work / "features")
    try:
        for i, root in enumerate(roots):
            plain = work / f"{i}-plain"
            shutil.copytree(root, plain)
            LocalRegistry(plain).adopt_extra(bundled, DATASET, "classifier")
            LocalRegistry(plain).reindex()
            info = apply(plain, work / f"{i}-changed")
            scored = []
            for folder in (plain, work / f"{i}-changed"):
                reg = LocalRegistry(folder)
                gens = reg.index().datasets[DATASET].generators
                # what is scored is what each file serves, its stored meta included (before any score)
                check_provenance(reg.root, DATASET, sorted(gens), kind="per-label",
                                 sha256={k: g.sha256 for k, g in gens.items()})
                scored.append(evaluate(reg.root, DATASET, extractor=classifier_extractor(reg, DATASET), n=n,
                                       feature_cache=features))
            yield root, info, scored[0], scored[1]
    finally:
        shutil.rmtree(work, ignore_errors=True)
