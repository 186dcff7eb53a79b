"""A label's default truncation, chosen when it is trained (``--truncation auto``) on its own training images.

The truncation trick (Brock et al. 2019) trades recall for precision: latent entries beyond +-t are redrawn,
so samples stay where the generator is surest. Which t is best differs from label to label, so each label
picks its own: for every candidate (no truncation included) the label's generator (its EMA, as published)
makes ``SAMPLES`` images from the same latents, and the candidate whose images are closest to the label's
**training** images in Frechet distance (the one number that weighs lost modes against off-data samples) is
stored in the file's meta as the label's default for ``zoo.sample``. Test images are never looked at. Features
are the domain classifier's (the registry's own, else the bundled zoo's for that data set)."""
from __future__ import annotations

import logging
from pathlib import Path

import torch
from torch import nn

from registry import LocalRegistry, RegistryError
from zoo.sampling import latents
from zoo.sources import bundled_registry_path

from .errors import InvalidTrainConfig
from .metrics.classifier import classifier_name
from .metrics.features import Extractor, classifier_extractor, extract
from .metrics.scores import METRICS, Sample

__all__ = ["CANDIDATES", "SAMPLES", "choose_truncation", "features_for"]

log = logging.getLogger(__name__)
CANDIDATES: tuple[float | None, ...] = (None, 2.5, 2.0, 1.5, 1.0)  # None: no truncation
SAMPLES = 1000  # generated images per candidate (and at most this many training images)
SEED = 0  # the latents every candidate redraws from: candidates differ by their truncation only


def features_for(registry: str | Path, dataset: str) -> Extractor:
    """The domain classifier that scores the candidates: the registry's, else the bundled zoo's."""
    for root in (Path(registry), bundled_registry_path()):
        try:
            reg = LocalRegistry(root)
            if reg.extra_path(dataset, "classifier").is_file():
                return classifier_extractor(reg, dataset)
        except (RegistryError, LookupError) as e:  # not a registry yet, unindexed or damaged: the next place
            log.debug("no usable domain classifier in %s: %s", root, e)
    raise InvalidTrainConfig(f"--truncation auto: no domain classifier for {dataset!r} in {registry} or the bundled "
                             f"zoo; train one with `zoo train-classifier {dataset} --out {registry}` "
                             f"(it is stored as the extra {classifier_name(dataset)!r}), or pass --truncation none")


@torch.no_grad()
def choose_truncation(generator: nn.Module, images: torch.Tensor, extractor: Extractor, *,
                      candidates: tuple[float | None, ...] = CANDIDATES,
                      samples: int = SAMPLES) -> tuple[float | None, dict[str, float]]:
    """The candidate whose images are closest to ``images`` (the label's training images, uint8), and each
    candidate's Frechet distance ("none" for no truncation)."""
    g = torch.Generator().manual_seed(SEED)
    real = images[torch.randperm(len(images), generator=g)[:samples]]
    real_features, _ = extract(extractor, real)
    device = next(generator.parameters()).device
    was_training = generator.training
    generator.eval()
    scores: dict[str, float] = {}
    try:
        for t in candidates:
            z = latents(samples, generator.latent_dim, seed=SEED, truncation=t).to(device)
            fake, _ = extract(extractor, generator(z).float().clamp(0, 1).cpu())
            scores["none" if t is None else f"{t:g}"] = round(METRICS["fid"].fn(Sample(real_features, fake)), 5)
    finally:
        generator.train(was_training)
    best = min(candidates, key=lambda t: scores["none" if t is None else f"{t:g}"])
    return best, scores
