"""`zoo export`: a synthetic labelled data set on disk (zoo/export.py)."""
from __future__ import annotations

from pathlib import Path

import click
from tqdm.auto import tqdm

from registry.summary import count

from . import _router
from .export import FORMATS, MANIFEST, MAX_PER_LABEL, export
from .labels import parse_labels

__all__ = ["export_cmd"]


@click.command("export")
@click.argument("dataset")
@click.option("--out", "-o", type=click.Path(path_type=Path), required=True,
              help="Folder to write (new, empty, or an earlier run of the same export to complete).")
@click.option("--per-label", type=int, default=1000, show_default=True,
              help=f"Generated images per label (1..{MAX_PER_LABEL:,}).")
@click.option("--seed", type=int, default=0, show_default=True, help="The same seed writes the same images.")
@click.option("--labels", default=None, help="Labels to export: 0-9, 3,7, class names (default: every label served).")
@click.option("--format", "fmt", default="folders", show_default=True,
              help=f"{' | '.join(FORMATS)}: one folder of PNGs per class (torchvision ImageFolder, `zoo train "
                   "--data`), or one images.npz (images uint8 N x C x H x W, labels).")
@click.option("--registry", "-r", "registries", multiple=True, metavar="PATH",
              help="Registry folder or hf://ORG/NAME (repeatable): the whole search path. Default: as `zoo sample`.")
def export_cmd(dataset: str, out: Path, per_label: int, seed: int, labels: str | None, fmt: str,
               registries: tuple[str, ...]) -> None:
    """Write a synthetic labelled data set of DATASET from the generators that serve it."""
    reg = list(registries) or None
    chosen = parse_labels(labels, _router.spec(dataset, registry=reg)) if labels else None
    bars: list[tqdm] = []  # opened with the first images: a refused export prints its one line only

    def advance(n: int, total: int) -> None:
        if not bars:
            bars.append(tqdm(total=total, desc=f"export {dataset}", unit="img"))
        bars[0].update(n)

    try:
        done = export(dataset, out, labels=chosen, per_label=per_label, seed=seed, fmt=fmt, registry=reg,
                      progress=advance)
    finally:
        for bar in bars:
            bar.close()
    new = "nothing new (already there)" if done.written == 0 else f"{count(done.written, 'image')} written"
    click.echo(f"{done.out.resolve()}: {count(done.total, 'image')} of {dataset}, {new}; see {MANIFEST}")
