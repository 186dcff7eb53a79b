"""Classification Accuracy Score (Ravuri & Vinyals 2019): what a class-conditional generator's images are
worth as training data. A classifier of the domain classifier's recipe (``fit_classifier``) is trained on
``n`` generated images per label only, then tested on the real test split, overall and per label. Beside it,
the same recipe on ``n`` real training images per label (the same amount of real data) and the domain
classifier itself (the recipe on every real training image: the ceiling).

Stored as the metrics block ``cas`` of the registry (``zoo eval --cas``), so the model card shows it."""
from __future__ import annotations

import datetime as _dt
import logging
import math
import statistics
from collections.abc import Callable, Sequence
from pathlib import Path

import torch

import zoo
from registry import LocalRegistry, MetricsBlock

from ..data import load_label, seeded_subset
from ..errors import DataNotFound
from .classifier import BATCH, fit_classifier, load_classifier_or_say_how, predictions

__all__ = ["classification_accuracy_score", "BLOCK"]

log = logging.getLogger(__name__)
BLOCK = "cas"  # the metrics block's name; its metrics: cas, cas_real_same_n, cas_real_all
MIN_STEPS = 100  # optimizer steps each CAS classifier takes at least: 3 epochs of a small set are a few steps


def _per_label(model, test: dict[int, torch.Tensor]) -> dict[int, float]:
    return {k: float((predictions(model, x) == k).float().mean()) for k, x in test.items()}


def classification_accuracy_score(root: str | Path, dataset: str, *, n: int = 1000, seed: int = 0,
                                  data: str | None = None, labels: Sequence[int] | None = None, epochs: int = 3,
                                  baselines: bool = True, min_steps: int = MIN_STEPS, test_n: int | None = None,
                                  progress: Callable[[str], None] | None = None) -> dict:
    """Train on ``n`` generated images per label served by the registry at ``root``; test on real test images.
    Needs the registry's domain classifier (the ceiling, and the recipe's reference). ``baselines=False`` leaves
    out the two real-data classifiers, which depend on the data, ``n`` and ``seed`` only (a comparison scoring
    many registries computes them once). ``test_n``: at most that many real test images per label (the seeded
    subset ``zoo eval --real-n`` scores against), default every one."""
    reg = LocalRegistry(root)
    ceiling = load_classifier_or_say_how(reg, dataset)
    spec = zoo.spec(dataset, registry=reg.root)
    info = zoo.datasets(registry=reg.root).get(spec.name)
    wanted = sorted(set(info.labels if info else ()) & set(range(spec.num_classes) if labels is None else labels))
    if len(wanted) < 2:
        raise DataNotFound(f"--cas needs generators of at least two labels of {dataset!r} in {reg.root}; "
                           f"found {wanted or 'none'}")
    generated, real_same_n, test = [], [], {}
    g = torch.Generator().manual_seed(seed)
    for label in wanted:
        served = zoo.which(dataset, label, registry=reg.root)
        channels, resolution = served.meta.image_shape[:2]
        x = zoo.sample(dataset, label, n=n, seed=seed + label, registry=reg.root)  # seeded per label
        generated.append((x * 255).round().clamp(0, 255).to(torch.uint8))
        real = load_label(dataset, label, data=data, split="train", resolution=resolution, channels=channels)
        real_same_n.append(real[torch.randperm(len(real), generator=g)[:n]])
        test[label] = seeded_subset(load_label(dataset, label, data=data, split="test", resolution=resolution,
                                               channels=channels), test_n, label)
        if progress is not None:
            progress(f"label {label}")

    def fit(images: list[torch.Tensor]) -> torch.nn.Module:
        ys = torch.cat([torch.full((len(x),), k) for k, x in zip(wanted, images)])
        rounds = max(epochs, math.ceil(min_steps / math.ceil(len(ys) / BATCH)))
        return fit_classifier((torch.cat(images), ys), num_classes=spec.num_classes, epochs=rounds, seed=seed)

    scores = {"cas": _per_label(fit(generated), test)}
    if progress is not None:
        progress("trained on generated images")
    if baselines:
        scores["cas_real_same_n"] = _per_label(fit(real_same_n), test)
        scores["cas_real_all"] = _per_label(ceiling, test)
    per_label = {k: {name: s[k] for name, s in scores.items()} for k in wanted}
    # Overall: accuracy over every test image (labels weigh by their test images, as CAS is reported).
    sizes = {k: len(test[k]) for k in wanted}
    overall = {name: sum(s[k] * sizes[k] for k in wanted) / sum(sizes.values()) for name, s in scores.items()}
    description = (f"Classification Accuracy Score: `cas` is the test accuracy, on the real test split, of a "
                   f"classifier of the domain classifier's recipe (at least {epochs} epochs and {min_steps} "
                   f"steps) trained on {n} generated images per label only (seed {seed})"
                   + (f", tested on at most {test_n:,} real test images per label (a seeded subset)" if test_n else "")
                   + (f"; `cas_real_same_n` the same recipe on {n} real training images per label; `cas_real_all` "
                      "the domain classifier (every real training image: the ceiling)." if baselines else
                      "; the real-data classifiers beside it were not run here."))
    block = MetricsBlock(features=BLOCK, n=n, seed=seed, labels=per_label, overall=overall, dataset=spec.name,
                         description=description,
                         missing_labels=tuple(k for k in (labels or range(spec.num_classes)) if k not in wanted),
                         reference={"cas_real_all_mean_per_label": statistics.mean(scores["cas_real_all"].values())}
                         if baselines else {},
                         created=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"))
    reg.write_metrics(spec.name, block)
    log.info("%s: CAS %.4f (same real n %s, all real %s)", dataset, overall["cas"],
             overall.get("cas_real_same_n", "not run"), overall.get("cas_real_all", "not run"))
    return block.to_json()
