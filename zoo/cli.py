"""The `zoo` command line. Library errors become one line on stderr and exit code 2."""
from __future__ import annotations

import logging
import math
import sys
from pathlib import Path

import click

from registry import INDEX_NAME, LocalRegistry, RegistryNotFound, verify
from registry.index import holds_generators
from registry.summary import count, ranges

from . import _router, builtin, plugins
from .errors import LIBRARY_ERRORS, InvalidRequest
from .images import MAX_SCALE, MIN_WIDTH, auto_scale, image_path, save_each, save_grid
from .loading import generator_from_file
from .sampling import random_seed
from .specs import BUILTIN_SPECS
from .version import __version__


class _Group(click.Group):
    """The zoo's commands, and the other packages' (zoo.plugins) imported only when one is invoked."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *plugins.command_names()})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.commands:
            command = plugins.load_command(name)
            if command is None:
                return None
            self.add_command(command, name)
        return self.commands[name]

    def invoke(self, ctx: click.Context):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except LIBRARY_ERRORS as e:
            click.echo(f"error: {e}", err=True)
            sys.exit(2)


@click.group(cls=_Group)
@click.version_option(__version__, prog_name="wcgan-zoo")
@click.option("-v", "--verbose", count=True, help="Log progress (-v) or everything (-vv) to stderr.")
def main(verbose: int) -> None:
    """wcgan-zoo: one Wasserstein GAN generator per class label."""
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


class _Truncation(click.ParamType):
    """A number, or 'off' (0 works too): no truncation, not even the one a generator's file stores."""
    name = "T|off"

    def convert(self, value, param, ctx):  # type: ignore[no-untyped-def]
        if isinstance(value, (int, float)) or value is None:
            return value
        if str(value).strip().lower() == "off":
            return "off"
        try:
            return float(value)
        except ValueError:
            self.fail(f"expected a number or 'off', got {value!r}", param, ctx)


TRUNCATION = _Truncation()

registry_option = click.option("--registry", "-r", "registries", multiple=True, metavar="PATH",
                               help="Registry folder or hf://ORG/NAME (repeatable): the whole search path, "
                                    "in order. Default: $ZOO_REGISTRY, the bundled registry, the user cache.")


@main.command("list")
@registry_option
def list_cmd(registries: tuple[str, ...]) -> None:
    """The data sets known to the zoo and how many of their labels have generators."""
    held = _router.datasets(registry=list(registries) or None)
    click.echo(f"{'dataset':<16} {'classes':>7} {'image':>10} {'generators':>10}  registry")
    for name in sorted(set(BUILTIN_SPECS) | set(held)):
        info = held.get(name)
        known = info.spec if info else builtin.find(name)  # a built-in set's spec is not built just to count it
        shape = "x".join(map(str, info.image_shape if info and info.image_shape else known.image_shape))
        served = len(info.labels) if info else 0
        where = ", ".join(str(p) for p in info.registries) if info and info.registries else "-"
        click.echo(f"{name:<16} {known.num_classes:>7} {shape:>10} {served:>10}  {where}")


@main.command("sample")
@click.argument("dataset")
@click.argument("label")
@click.option("-n", "n", type=int, default=16, show_default=True, help="Number of images.")
@click.option("--seed", type=int, default=None, help="Seed; the same seed gives the same images. Default: random.")
@click.option("--truncation", type=TRUNCATION, default=None,
              help="Redraw latent entries beyond +-T; 'off' or 0: none. Default: the truncation each generator's "
                   "file stores (chosen when it was trained), if any.")
@click.option("-o", "--out", type=click.Path(dir_okay=True, path_type=Path), default=None,
              help="PNG grid to write (a folder with --each). Default: DATASET_LABEL_seedSEED.png here.")
@click.option("--each", is_flag=True, help="Write one PNG per image into the --out folder.")
@click.option("--nrow", type=int, default=None, help="Images per grid row (default: close to square).")
@click.option("--scale", type=click.IntRange(1, MAX_SCALE), default=None,
              help=f"Grid pixels per image pixel (nearest neighbour; default: at least {MIN_WIDTH} px wide).")
@click.option("--device", default=None, help="torch device, e.g. cuda:0 (default: cpu).")
@registry_option
def sample_cmd(dataset: str, label: str, n: int, seed: int | None, truncation: float | str | None, out: Path | None,
               each: bool, nrow: int | None, scale: int | None, device: str | None,
               registries: tuple[str, ...]) -> None:
    """Generate N images of LABEL (class index or name) of DATASET."""
    seed = random_seed() if seed is None else seed
    reg = list(registries) or None
    if nrow is not None and nrow < 1:
        raise InvalidRequest(f"--nrow: expected a positive integer, got {nrow}")
    stem_out = image_path(out) if out is not None and not each else out  # a bad path fails before any work
    served = _router.which(dataset, label, registry=reg)
    x = _router.sample(dataset, served.label, n=n, seed=seed, truncation=truncation, device=device, registry=reg)
    stem = f"{served.dataset}_{served.label}_seed{seed}"
    if each:
        paths = save_each(x, out or Path(stem), stem=stem)
        click.echo(f"wrote {count(len(paths), 'image')} to {paths[0].parent} (seed {seed})")
    else:
        nrow = nrow or math.ceil(math.sqrt(x.shape[0]))
        path = save_grid(x, stem_out or Path(f"{stem}.png"), nrow=nrow,
                         scale=scale or auto_scale(x.shape[-1], nrow))
        click.echo(f"wrote {path} ({x.shape[0]} images, seed {seed})")
    click.echo(f"served by: {served}")


@main.command("which")
@click.argument("dataset")
@click.argument("label")
@registry_option
def which_cmd(dataset: str, label: str, registries: tuple[str, ...]) -> None:
    """Which registry and file serve LABEL of DATASET (per-label or conditional), and how it was trained."""
    served = _router.which(dataset, label, registry=list(registries) or None)
    m = served.meta
    click.echo(f"{served}\n  file: {served.file}\n  arch {m.arch}, latent {m.latent_dim}, loss {m.loss}, "
               f"{m.steps} steps in {m.seconds:.0f} s, seed {m.seed}, created {m.created}")
    if m.warm_start:
        start = m.warm_start
        click.echo(f"  fine-tuned from the shared start {start['name']} (sha256 {start['sha256'][:12]}, "
                   f"{start.get('steps', '?')} steps in {float(start.get('seconds', 0)):.0f} s on labels "
                   f"{ranges(start.get('labels') or [])})")
    else:
        click.echo("  trained from scratch (no shared start)")
    if m.kind == "conditional" and m.labels is not None:
        click.echo(f"  serves the labels it learned: {ranges(m.labels)}")
    if m.truncation is not None:
        click.echo(f"  samples with truncation {m.truncation:g} by default (chosen on its training images; "
                   "--truncation off turns it off)")


@main.command("grid")
@click.argument("dataset")
@click.option("-n", "n", type=int, default=8, show_default=True, help="Images per class (one row each).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("-o", "--out", type=click.Path(path_type=Path), default=None, help="PNG (default: DATASET-grid.png).")
@click.option("--scale", type=click.IntRange(1, MAX_SCALE), default=None,
              help=f"Grid pixels per image pixel (nearest neighbour; default: at least {MIN_WIDTH} px wide).")
@click.option("--names/--no-names", default=True, show_default=True, help="Class names left of the rows.")
@registry_option
def grid_cmd(dataset: str, n: int, seed: int, out: Path | None, scale: int | None, names: bool,
             registries: tuple[str, ...]) -> None:
    """One row of N images per class of DATASET: the whole zoo at a glance."""
    reg = list(registries) or None
    out = image_path(out or Path(f"{dataset}-grid.png"))  # a bad path fails before any work
    info = _router.datasets(registry=reg).get(dataset)
    labels = list(info.labels) if info else []
    if not labels:
        _router.spec(dataset, registry=reg)  # an unknown name gets its did-you-mean error
        raise InvalidRequest(f"no generators for {dataset!r} in the configured registries; see `zoo list`")
    x = _router.sample(dataset, labels=labels, n=n, seed=seed, registry=reg)
    spec = _router.spec(dataset, registry=reg)
    rows = [f"{k} {spec.class_names[k]}" for k in labels] if names else None
    path = save_grid(x, out, nrow=n, scale=scale or auto_scale(x.shape[-1], n), row_labels=rows)
    click.echo(f"wrote {path.resolve()} ({count(len(labels), 'class', 'classes')} x {count(n, 'image')}, seed {seed})")


@main.command("card")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("-o", "--out", type=click.Path(path_type=Path), default=Path("MODEL_CARD.md"), show_default=True)
@click.option("--grid-image", help="Path or URL of a sample grid to show in the card.")
@click.option("--section", "sections", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="A Markdown file added as a section before the limitations (repeatable), e.g. bench results.")
def card_cmd(path: Path, out: Path, grid_image: str | None, sections: tuple[Path, ...]) -> None:
    """Render the model card of the registry at PATH (models, training record, metrics) as Markdown."""
    from .card import render_card

    extra = [p.read_text(encoding="utf-8") for p in sections]
    out.write_text(render_card(path, grid_image=grid_image, sections=extra), encoding="utf-8")
    click.echo(f"wrote {out}")


@main.group("registry")
def registry_group() -> None:
    """Check or rebuild a registry folder."""


@registry_group.command("verify")
@click.argument("path", type=click.Path(path_type=Path))
def verify_cmd(path: Path) -> None:
    """Check every file: sha256 against the index, meta schema, strict load. Exit 1 on problems."""
    report = verify(LocalRegistry(path), load_check=lambda gf: generator_from_file(gf) and None)
    for problem in report.problems:
        click.echo(f"problem: {problem}", err=True)
    for rel in report.unindexed:
        click.echo(f"not in the index yet (run `zoo registry reindex`): {rel}", err=True)
    click.echo(f"{path}: {count(report.checked, 'file')} checked, {count(len(report.problems), 'problem')}")
    if not report.ok:
        sys.exit(1)


@registry_group.command("reindex")
@click.argument("path", type=click.Path(path_type=Path))
def reindex_cmd(path: Path) -> None:
    """Rebuild PATH/index.json from the generator files under PATH."""
    if not (path / INDEX_NAME).is_file():
        if not holds_generators(path):
            raise RegistryNotFound(f"not a registry: {path} has no {INDEX_NAME} and no */label-NNNNN.safetensors "
                                   "files; expected a registry folder")
        LocalRegistry.create(path)
    reg = LocalRegistry(path)
    problems = reg.reindex()
    for problem in problems:
        click.echo(f"left out: {problem}", err=True)
    total = sum(len(e.generators) + (e.conditional is not None) for e in reg.index().datasets.values())
    click.echo(f"{path / INDEX_NAME}: {count(total, 'generator')} indexed, {count(len(problems), 'file')} left out")
    if problems:
        sys.exit(1)


def _add_commands() -> None:
    from .export_cli import export_cmd
    from .hub_cli import publish_cmd, pull_cmd

    main.add_command(publish_cmd)
    main.add_command(pull_cmd)
    main.add_command(export_cmd)


_add_commands()
