"""The search path of a request. A ``registry=`` argument (or ``--registry``) is the whole path, in the
order given. With none, the path is ``$ZOO_REGISTRY`` (a path list), the registry bundled with the
package, then the user cache folder (if it holds a registry).

A folder or an ``hf://ORG/NAME@REV`` Hub repo may appear wherever a registry is asked for."""
from __future__ import annotations

import functools
import os
import re
from collections.abc import Sequence
from pathlib import Path

from registry.hub import HubLocation, is_hub_url
from registry.layout import INDEX_NAME

__all__ = ["RegistryArg", "Source", "bundled_registry_path", "user_cache_path", "registry_paths", "split_env"]

RegistryArg = str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None
ENV_REGISTRY = "ZOO_REGISTRY"
ENV_CACHE = "ZOO_CACHE"


@functools.cache
def bundled_registry_path() -> Path:
    return Path(__file__).resolve().parent / "pretrained"


def user_cache_path() -> Path:
    return Path(_user_cache(os.environ.get(ENV_CACHE), os.environ.get("XDG_CACHE_HOME")))


@functools.lru_cache(maxsize=16)
def _user_cache(zoo_cache: str | None, xdg: str | None) -> str:
    if zoo_cache:
        return os.path.abspath(os.path.expanduser(zoo_cache))
    return os.path.join(xdg or os.path.join(os.path.expanduser("~"), ".cache"), "wcgan-zoo")


Source = Path | HubLocation


def registry_paths(registry: RegistryArg = None) -> list[tuple[Source, bool]]:
    """Candidate roots, each with whether it must exist (asked for) or is only looked at if present."""
    if registry is None:
        asked: tuple[str, ...] = ()
    elif isinstance(registry, (str, os.PathLike)):
        asked = (os.fspath(registry),)
    else:
        asked = tuple(os.fspath(p) for p in registry)
    # This runs on every sample call: the path arithmetic is memoised, only the existence checks repeat.
    candidates = _candidates(asked, os.environ.get(ENV_REGISTRY, ""), str(bundled_registry_path()),
                             str(user_cache_path()))
    return [(path, required) for path, required in candidates
            if required or os.path.isfile(os.path.join(path, INDEX_NAME))]


def split_env(value: str) -> list[str]:
    """``$ZOO_REGISTRY`` split on the path separator, keeping the colon of ``hf://`` URLs."""
    sep = re.escape(os.pathsep)
    return [p for p in re.split(rf"{sep}(?!//)", value) if p]


@functools.lru_cache(maxsize=64)
def _candidates(asked: tuple[str, ...], env: str, bundled: str, cache: str) -> tuple[tuple[Source, bool], ...]:
    if asked:  # named by the caller: only these, never a silent fallback to another registry's models
        roots = [(p, True) for p in asked]
    else:
        roots = [(p, True) for p in split_env(env)] + [(bundled, False), (cache, False)]
    unique: dict[Source, bool] = {}
    for path, required in roots:
        key = HubLocation.parse(path) if is_hub_url(path) else Path(os.path.abspath(os.path.expanduser(path)))
        unique.setdefault(key, required)
    return tuple(unique.items())
