"""The metrics, one small function each, registered by name. Inputs are features (N, F) and logits
(N, K) of real and generated images of one label (or of the whole data set)."""
from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch

from ..errors import InvalidTrainConfig

__all__ = ["Sample", "METRICS", "metric", "minimum_n"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Sample:
    real: torch.Tensor  # features of real images (N, F)
    fake: torch.Tensor  # features of generated images (M, F)
    fake_logits: torch.Tensor | None = None  # classifier logits of the generated images (M, K)
    label: int | None = None  # the label the generated images should show (None: many labels)


@dataclass(frozen=True)
class Metric:
    fn: Callable[[Sample], float]
    min_n: int  # fewest samples per side the estimate needs
    needs_logits: bool = False


METRICS: dict[str, Metric] = {}


def metric(name: str, *, min_n: int, needs_logits: bool = False):
    def register(fn: Callable[[Sample], float]) -> Callable[[Sample], float]:
        if name in METRICS:
            raise KeyError(f"metric {name!r} is already registered")
        METRICS[name] = Metric(fn, min_n, needs_logits)
        return fn
    return register


def minimum_n(names: list[str]) -> int:
    return max(METRICS[n].min_n for n in names)


def _stats(x: torch.Tensor) -> tuple[np.ndarray, np.ndarray]:
    a = x.double().numpy()
    return a.mean(axis=0), np.cov(a, rowvar=False)


def _frechet_from_samples(real: torch.Tensor, fake: torch.Tensor) -> float:
    """The same Frechet distance, exactly, when both sides have fewer samples than feature dimensions: with
    centred samples A (d x n), the covariances are A A^T / (n - 1), and tr sqrt(S1 S2) is the sum of the singular
    values of A1^T A2 / sqrt((n1 - 1)(n2 - 1)): an n1 x n2 SVD instead of a d x d matrix square root (2,048-d
    Inception features: seconds each)."""
    a1, a2 = real.double().numpy(), fake.double().numpy()
    m1, m2 = a1.mean(axis=0), a2.mean(axis=0)
    c1, c2 = a1 - m1, a2 - m2
    n1, n2 = len(a1) - 1, len(a2) - 1
    cross = np.linalg.svd(c1 @ c2.T / np.sqrt(n1 * n2), compute_uv=False).sum()
    return float(((m1 - m2) ** 2).sum() + (c1 ** 2).sum() / n1 + (c2 ** 2).sum() / n2 - 2 * cross)


@metric("fid", min_n=2)
def fid(s: Sample) -> float:
    """Frechet distance of Gaussians fitted to the features: clean-fid's implementation, or where both sides
    have fewer samples than dimensions the same distance from the samples (``_frechet_from_samples``)."""
    from cleanfid.fid import frechet_distance

    if max(len(s.real), len(s.fake)) < s.real.shape[1]:
        return max(0.0, _frechet_from_samples(s.real, s.fake))

    with contextlib.redirect_stdout(io.StringIO()) as out:  # clean-fid prints its singular-matrix warning
        value = frechet_distance(*_stats(s.real), *_stats(s.fake))
    if out.getvalue().strip():
        log.warning("clean-fid: %s", out.getvalue().strip())
    return max(0.0, float(value))


@metric("kid", min_n=2)
def kid(s: Sample) -> float:
    """Kernel Inception Distance (cubic polynomial kernel MMD, clean-fid's implementation), seeded."""
    from cleanfid.fid import kernel_distance

    state = np.random.get_state()
    np.random.seed(0)  # clean-fid draws its subsets from numpy's global generator
    try:
        return float(kernel_distance(s.real.double().numpy(), s.fake.double().numpy(), num_subsets=20))
    finally:
        np.random.set_state(state)


def _knn_radii(x: torch.Tensor, k: int) -> torch.Tensor:
    d = torch.cdist(x, x)  # (N, N)
    return d.kthvalue(k + 1, dim=1).values  # the 0th neighbour is the point itself


def _coverage(points: torch.Tensor, centres: torch.Tensor, radii: torch.Tensor) -> float:
    inside = torch.zeros(len(points), dtype=torch.bool)
    for i in range(0, len(points), 1024):
        d = torch.cdist(points[i : i + 1024], centres)  # (b, N)
        inside[i : i + 1024] = (d <= radii[None]).any(dim=1)
    return float(inside.float().mean())


K_NEIGHBOURS = 3  # Kynkaanniemi et al. 2019


@metric("precision", min_n=K_NEIGHBOURS + 1)
def precision(s: Sample) -> float:
    """Share of generated images inside the real manifold (k-NN balls around real features)."""
    return _coverage(s.fake.float(), s.real.float(), _knn_radii(s.real.float(), K_NEIGHBOURS))


@metric("recall", min_n=K_NEIGHBOURS + 1)
def recall(s: Sample) -> float:
    """Share of real images inside the generated manifold: low recall is mode collapse."""
    return _coverage(s.real.float(), s.fake.float(), _knn_radii(s.fake.float(), K_NEIGHBOURS))


@metric("is", min_n=1, needs_logits=True)
def inception_score(s: Sample) -> float:
    """exp(E_x KL(p(y|x) || p(y))) over the classifier's predictions."""
    p = torch.softmax(s.fake_logits.double(), dim=1)
    marginal = p.mean(dim=0, keepdim=True)
    kl = (p * (torch.log(p + 1e-12) - torch.log(marginal + 1e-12))).sum(dim=1)
    return float(torch.exp(kl.mean()))


@metric("class_consistency", min_n=1, needs_logits=True)
def class_consistency(s: Sample) -> float:
    """Share of the generated images of label k that the classifier assigns to k."""
    if s.label is None:
        raise InvalidTrainConfig("class_consistency needs the label the images should show")
    return float((s.fake_logits.argmax(dim=1) == s.label).float().mean())
