"""Proof that an evaluation scores the nets a run wrote, before it scores anything: what the evaluator's
search path serves equals the output of the net loaded straight from the file the run wrote, and that file
is the one the run left (its sha256). A routing surprise then fails the benchmark instead of skewing it."""
from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import torch

import zoo
from registry import LocalRegistry
from zoo.loading import LabelBound, default_truncation, generator_from_file
from zoo.sampling import latents
from zoo.sources import RegistryArg

from ..errors import ProvenanceError

__all__ = ["check_provenance"]

log = logging.getLogger(__name__)


def check_provenance(root: str | Path, dataset: str, labels: Sequence[int], *, kind: str,
                     served_from: RegistryArg = None, sha256: dict[int | None, str] | None = None,
                     seeds: Sequence[int] = (0, 1, 2), n: int = 4, atol: float = 1e-5) -> int:
    """Check every label at every seed; return the number of comparisons. Raises ``ProvenanceError``.

    ``kind`` is what the run wrote ("per-label" files or one "conditional" file); ``served_from`` is the
    search path the evaluator samples through (default: the registry alone); ``sha256`` the digests of the
    run's files when it finished, by file label (None: the conditional file)."""
    reg = LocalRegistry(root)
    path = served_from if served_from is not None else reg.root
    checks = 0
    for label in labels:
        file_label = label if kind == "per-label" else None
        gf = reg.read_generator(dataset, file_label)
        if sha256 is not None and gf.sha256 != sha256.get(file_label):
            raise ProvenanceError(f"{reg.path_of(dataset, file_label)}: sha256 {gf.sha256[:12]} is not the "
                                  f"{str(sha256.get(file_label))[:12]} the run left: the file was swapped")
        net = generator_from_file(gf)  # straight from the file: no router, no cache
        truncation = default_truncation(net)  # the file's own sampling default (--truncation auto) applies too
        net = LabelBound(net, label).eval() if file_label is None else net
        served = zoo.which(dataset, label, registry=path)
        if served.file != reg.path_of(dataset, file_label) or served.kind != kind:
            raise ProvenanceError(f"{dataset}/{label}: the evaluator would sample {served}, "
                                  f"not the {kind} file {reg.path_of(dataset, file_label)} the run wrote")
        for seed in seeds:
            with torch.no_grad():
                expected = net(latents(n, net.latent_dim, seed=seed, truncation=truncation)).float()
            got = zoo.sample(dataset, label, n=n, seed=seed, registry=path)
            if not torch.allclose(got, expected, atol=atol):
                diff = (got - expected).abs().max().item()
                raise ProvenanceError(f"{dataset}/{label} seed {seed}: sampled images differ from the net of "
                                      f"{reg.path_of(dataset, file_label)} by up to {diff:.3g}")
            checks += 1
    log.info("provenance of %s/%s (%s): %d label-seed comparisons agree", reg.root, dataset, kind, checks)
    return checks
