"""Commands of the other packages (`zoo train`, `zoo eval`, `zoo demo`, ...), found through the
``wcgan_zoo.commands`` entry points and imported only when invoked, so `zoo sample` never imports training or
the demo. An entry point names the extra its command needs (``training.cli:train [train]``); where that extra
is not installed, the command says in one line what to install instead of failing on an import."""
from __future__ import annotations

import functools
from importlib.metadata import EntryPoint, PackageNotFoundError, distribution, entry_points

import click
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from .errors import MissingExtra

__all__ = ["GROUP", "command_names", "load_command"]

GROUP = "wcgan_zoo.commands"
DISTRIBUTION = "wcgan-zoo"
OWN_PACKAGES = {"zoo", "registry", "training", "app"}  # an import error in these is a bug, not a missing extra


@functools.lru_cache(maxsize=1)
def _entry_points() -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=GROUP)}


def command_names() -> list[str]:
    return sorted(_entry_points())


def load_command(name: str) -> click.Command | None:
    """The command ``name``, imported now; a stand-in that names the missing extra if it cannot run here."""
    ep = _entry_points().get(name)
    if ep is None:
        return None
    missing = missing_requirements(ep.extras)
    if missing:
        return _needs_extra(name, ep.extras, missing)
    try:
        return ep.load()
    except ModuleNotFoundError as e:
        if (e.name or "").split(".")[0] in OWN_PACKAGES:
            raise
        return _needs_extra(name, ep.extras, [e.name or str(e)])


def missing_requirements(extras: list[str]) -> list[str]:
    """The requirements of these extras of wcgan-zoo that are not installed."""
    try:
        requires = distribution(DISTRIBUTION).requires or []
    except PackageNotFoundError:  # run from a source tree that was never installed: imports will tell
        return []
    missing = []
    for text in requires:
        req = Requirement(text)
        wanted = req.marker is not None and any(req.marker.evaluate({"extra": x}) for x in extras)
        if not wanted or canonicalize_name(req.name) == DISTRIBUTION:
            continue
        try:
            distribution(req.name)
        except PackageNotFoundError:
            missing.append(req.name)
    return missing


def _needs_extra(name: str, extras: list[str], missing: list[str]) -> click.Command:
    spec = f"wcgan-zoo[{','.join(extras)}]" if extras else "wcgan-zoo[all]"
    why = f"`zoo {name}` needs pip install '{spec}' (not installed: {', '.join(missing)})"

    def refuse(args: tuple[str, ...]) -> None:
        raise MissingExtra(why)

    return click.Command(name, callback=refuse, help=why, short_help=f"(needs pip install '{spec}')",
                         params=[click.Argument(["args"], nargs=-1, type=click.UNPROCESSED)],
                         context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
                         add_help_option=False)
