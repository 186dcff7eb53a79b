"""`zoo eval`: every metric per label (generated images of label k against real images of label k) and
over the data set; results go to the registry's metrics record, which reindex keeps and the Hub carries.

The registry evaluated is the whole search path: each label is served by what ``zoo.which`` names there,
and the result records it (``served_by``)."""
from __future__ import annotations

import datetime as _dt
import logging
import statistics
from collections.abc import Callable, Sequence
from pathlib import Path

import torch

import zoo
from registry import LocalRegistry, MetricsBlock

from ..data import load_label
from ..errors import InvalidTrainConfig
from .features import Extractor, extract, real_features
from .scores import METRICS, Sample, minimum_n

__all__ = ["evaluate"]

log = logging.getLogger(__name__)


def weak_labels(per_label: dict[str, dict[str, float]], suffix: str) -> dict[int, tuple[str, ...]]:
    """Labels whose recall or class consistency is far below the others': under half the median of the
    labels evaluated and at least 0.1 below it. These are the ones worth retraining (`zoo train --retrain`)."""
    weak: dict[int, list[str]] = {}
    for metric in ("class_consistency", "recall"):
        values = {int(k): s[f"{metric}{suffix}"] for k, s in per_label.items() if f"{metric}{suffix}" in s}
        if len(values) < 3:  # too few labels for "the others" to mean anything
            continue
        median = statistics.median(values.values())
        for label, v in values.items():
            if v < median / 2 and median - v >= 0.1:
                weak.setdefault(label, []).append(f"{metric} {v:.2f} vs median {median:.2f}")
    return {k: tuple(v) for k, v in sorted(weak.items())}


def _names(with_logits: bool) -> list[str]:
    return [m for m, spec in METRICS.items() if with_logits or not spec.needs_logits]


def _scores(names: list[str], train_feats: torch.Tensor, subset: torch.Tensor, feats: torch.Tensor,
            logits: torch.Tensor | None, label: int) -> dict[str, float]:
    """Each metric of one label's images against its real train images (the k-NN metrics: a subset as large)."""
    return {name: METRICS[name].fn(Sample(subset if name in ("precision", "recall") else train_feats, feats, logits,
                                          label)) for name in names}


def evaluate(root: str | Path, dataset: str, *, extractor: Extractor, n: int = 1000, seed: int = 0,
             data: str | None = None, with_logits: bool = True, labels: Sequence[int] | None = None,
             feature_cache: LocalRegistry | None = None, real_n: int | None = None,
             progress: Callable[[int, int, int], None] | None = None) -> dict:
    """Score the labels the registry serves (or only ``labels``); store and return the metrics block.

    Real-image features are cached in the evaluated registry, or in ``feature_cache`` (a registry several
    evaluations with the same extractor share). ``real_n``: at most that many real images per label and split
    (a seeded subset; default all), for feature extractors too slow for every image (Inception on a CPU)."""
    reg = LocalRegistry(root)
    cache = feature_cache or reg
    spec = zoo.spec(dataset, registry=reg.root)
    info = zoo.datasets(registry=reg.root).get(spec.name)
    wanted = list(range(spec.num_classes)) if labels is None else sorted(set(labels))
    present = [k for k in (info.labels if info else ()) if k in wanted]
    missing = [k for k in wanted if k not in present]
    if not present:
        raise InvalidTrainConfig(f"{reg.root} holds no generator for {dataset!r}: nothing to evaluate")
    names = _names(with_logits)
    if n < minimum_n(names):
        worst = max(names, key=lambda m: METRICS[m].min_n)
        raise InvalidTrainConfig(f"n={n}: {worst} needs at least {METRICS[worst].min_n} samples per label")
    if missing:
        log.warning("%s: no generator for labels %s; evaluating the %d that exist", dataset, missing, len(present))
    per_label, pooled_real, pooled_fake, reference, served_by = {}, [], [], [], {}
    held_out: dict[str, list[float]] = {m: [] for m in names if m != "fid"}
    for i, label in enumerate(present):
        served = zoo.which(dataset, label, registry=reg.root)
        served_by[str(label)] = served.kind
        channels, resolution = served.meta.image_shape[:2]  # real images as the generator was trained on them

        def real(split: str) -> torch.Tensor:
            return real_features(cache, dataset, label, split, extractor,
                                 lambda: load_label(dataset, label, data=data, split=split, resolution=resolution,
                                                    channels=channels), resolution=resolution, at_most=real_n)

        train_feats = real("train")
        fake_feats, fake_logits = extract(extractor, zoo.sample(dataset, label, n=n, seed=seed, registry=reg.root))
        g = torch.Generator().manual_seed(seed + label)
        subset = train_feats[torch.randperm(len(train_feats), generator=g)[:n]]  # equal sizes for the k-NN metrics
        per_label[str(label)] = {f"{name}_{extractor.name}": v for name, v in
                                 _scores(names, train_feats, subset, fake_feats, fake_logits, label).items()}
        test_feats = real("test")
        reference.append(METRICS["fid"].fn(Sample(train_feats, test_feats)))
        # The same metrics for n real test images in place of the generated ones: what a perfect generator scores
        # with these features and sample sizes (precision and recall are below 1 even then). The cache keeps
        # features only, so the domain classifier's logits of the test images are computed again (milliseconds).
        test_side, test_logits = (extract(extractor, load_label(dataset, label, data=data, split="test",
                                                                resolution=resolution, channels=channels)[:n])
                                  if with_logits else (test_feats[:n], None))
        for name, v in _scores(list(held_out), train_feats, subset, test_side, test_logits, label).items():
            held_out[name].append(v)
        pooled_real.append(subset)
        pooled_fake.append(fake_feats)
        if progress is not None:
            progress(i + 1, len(present), label)
    suffix = f"_{extractor.name}"
    overall = {f"{m}{suffix}": statistics.mean(s[f"{m}{suffix}"] for s in per_label.values()) for m in names}
    overall[f"intra_fid{suffix}"] = overall.pop(f"fid{suffix}")
    overall[f"fid{suffix}"] = METRICS["fid"].fn(Sample(torch.cat(pooled_real), torch.cat(pooled_fake)))
    block = MetricsBlock(
        features=extractor.name, n=n, seed=seed, labels={int(k): v for k, v in per_label.items()}, overall=overall,
        reference={f"intra_fid{suffix}_real_train_vs_test": statistics.mean(reference),
                   **{f"{m}{suffix}_real_test": statistics.mean(v) for m, v in held_out.items()}},
        missing_labels=tuple(missing),
        served_by={int(k): v for k, v in served_by.items()}, weak=weak_labels(per_label, suffix),
        dataset=dataset, features_digest=extractor.digest,
        real_n=real_n,
        description="" if extractor.network == extractor.name and real_n is None else (
            f"Features: `{extractor.name}` from {extractor.network} (sha256 `{extractor.digest[:12]}`); {n} generated "
            f"images per label (seed {seed}) against "
            + (f"{real_n:,} real train images (a seeded subset; the floor: as many train vs test images)"
               if real_n else "the real train images") + " of the same label."),
        created=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"))
    reg.write_metrics(dataset, block)
    return block.to_json()
