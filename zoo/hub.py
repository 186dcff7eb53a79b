"""Publish a registry to the Hugging Face Hub, and pull from it into the local cache.

    zoo.hub.publish("runs/fmnist", "acme/fmnist-zoo")        # one commit of what changed, with a model card
    zoo.hub.pull("acme/fmnist-zoo", dataset="fashion-mnist", labels="0-2")
    zoo.sample("fashion-mnist", label=1, registry="hf://acme/fmnist-zoo@main")   # lazy, then offline
"""
from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from tqdm.auto import tqdm

from registry import LocalRegistry
from registry.hub import HubLocation, HubRegistry
from registry.publish import README, PublishReport, publish_folder, stage_registry

from .card import render_card
from .catalog import Catalog
from .errors import InvalidRequest
from .images import save_grid
from .labels import parse_labels
from .resolve import resolve
from .router import Router

__all__ = ["build_repo_folder", "publish", "pull"]

log = logging.getLogger(__name__)
GRID_PER_CLASS = 8


def build_repo_folder(registry: str | Path, dest: str | Path) -> list[str]:
    """Write into the empty folder ``dest`` what the Hub repo of ``registry`` holds: its generators, extras
    and records in the registry's layout, a fresh index, a sample grid per data set and the model card."""
    dest = Path(dest)
    files = stage_registry(LocalRegistry(registry).root, dest)
    router = Router()  # its own cache: the staged folder is temporary
    grids = {}
    for name, info in router.datasets(registry=dest).items():
        if not info.labels:  # a data set recorded without generators: nothing to show
            continue
        # What zoo.sample gives with the staged registry as the whole path: n images (seed 0) of every label.
        x = router.sample(name, labels=list(info.labels), n=GRID_PER_CLASS, seed=0, registry=dest)
        grids[name] = f"images/{name}-grid.png"
        save_grid(x, dest / grids[name], nrow=GRID_PER_CLASS)
    (dest / README).write_text(render_card(dest, dataset_grids=grids), encoding="utf-8")
    return sorted([*files, *grids.values(), README])


def publish(registry: str | Path, repo: str, *, revision: str | None = None, private: bool = False,
            message: str | None = None, overwrite_card: bool = False, folder: str | Path | None = None
            ) -> PublishReport:
    """Publish the registry folder as the model repo ``repo`` (``ORG/NAME``): one commit, changed files only.

    The token is the one ``huggingface_hub`` finds (``HF_TOKEN``, the login cache); it is never logged.
    ``folder`` keeps the built repo folder there instead of in a temporary directory."""
    location = HubLocation.parse(repo, revision)
    with tempfile.TemporaryDirectory(prefix="wcgan-zoo-publish-") as tmp:
        staged = Path(folder) if folder is not None else Path(tmp)
        build_repo_folder(registry, staged)
        return publish_folder(staged, location, private=private, message=message, overwrite_card=overwrite_card)


def pull(repo: str, *, revision: str | None = None, dataset: str | None = None,
         labels: str | None = None) -> list[Path]:
    """Download into the Hub cache the generators of ``repo`` (all, or one data set's, or some labels of it),
    each checked against the index's sha256; afterwards ``registry="hf://..."`` works offline."""
    reg = HubRegistry(HubLocation.parse(repo, revision))
    published = list(reg.datasets())
    if labels is not None and dataset is None:
        if len(published) != 1:
            raise InvalidRequest(f"pull: labels={labels!r} needs dataset=, one of: {', '.join(published)}")
        dataset = published[0]
    names = [reg.require_dataset(dataset).name] if dataset else published
    wanted: list[tuple[str, int | None]] = []
    for name in names:
        spec = Catalog().spec(name, [reg])
        if labels is not None:  # the files that serve those labels from this repo alone
            wanted += sorted({(name, resolve(spec, label, [reg]).file_label)
                              for label in parse_labels(labels, spec)}, key=lambda w: (w[1] is None, w[1] or 0))
        else:
            wanted += [(name, label) for label in reg.labels(name)] + ([(name, None)] if reg.has(name, None) else [])
    paths = [reg.fetch(name, label) for name, label in tqdm(wanted, desc=f"pull {reg.where}", unit="file")]
    if labels is None:
        for name in names:
            paths += [reg.fetch_extra(name, extra) for extra in reg.extras(name)]
    log.info("pulled %d files of %s (commit %s)", len(paths), reg.where, reg.commit)
    return paths
