"""`zoo train`'s training options, made from the ``TrainConfig`` fields that carry a flag: a new option is
one field there, and its flag, help, default and validation follow from it."""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

import click

from .config import TrainConfig, parse_duration

__all__ = ["train_config_options", "train_config_from"]

F = TypeVar("F", bound=Callable[..., Any])


def _flagged() -> list[dataclasses.Field]:
    return [f for f in dataclasses.fields(TrainConfig) if "flag" in f.metadata]


def _option(f: dataclasses.Field) -> Callable[[F], F]:
    meta, kw, default = f.metadata, {"show_default": f.default is not None}, f.default
    if meta.get("duration"):  # parsed in train_config_from: a bad one is a one-line InvalidTrainConfig
        kw["metavar"], default = "DURATION", _human_duration(f.default)
    elif "choices" in meta:
        kw["type"] = click.Choice(meta["choices"])
    kw.update({k: v for k, v in meta.items() if k in ("type", "nargs")})
    if isinstance(f.default, bool) and "/" not in meta["flag"]:
        kw["is_flag"] = True
    return click.option(meta["flag"], f.name, default=default, help=meta["help"], **kw)


def _human_duration(seconds: float) -> str:
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds / size:.0f}{unit}"
    return f"{seconds:g}s"


def train_config_options(fn: F) -> F:
    """Add one click option per flagged ``TrainConfig`` field, in field order."""
    for f in reversed(_flagged()):
        fn = _option(f)(fn)
    return fn


def train_config_from(options: dict[str, Any], ctx: click.Context | None = None, *, mode: str = "per-label",
                      **derived: Any) -> TrainConfig:
    """Take the config's options out of a command's keyword arguments (the rest stay in ``options``).

    Options left at their defaults give way to the chosen loss's and mode's recipes (``TrainConfig.for_loss``)."""
    values = {f.name: options.pop(f.name) for f in _flagged()}
    for f in _flagged():
        if f.metadata.get("duration"):
            values[f.name] = parse_duration(values[f.name])
    if ctx is not None:
        values = {k: v for k, v in values.items()
                  if k == "loss" or ctx.get_parameter_source(k) != click.core.ParameterSource.DEFAULT}
    return TrainConfig.for_loss(values.pop("loss", "wgan-gp"), mode=mode, **values, **derived)
