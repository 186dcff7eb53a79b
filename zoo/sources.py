"""Where generators are looked for, in order: the ``registry=`` argument, ``$ZOO_REGISTRY`` (a path list),
the registry bundled with the package, then the user cache folder (filled by `zoo pull`)."""
from __future__ import annotations

import functools
import os
from collections.abc import Sequence
from pathlib import Path

from registry import INDEX_NAME

__all__ = ["RegistryArg", "bundled_registry_path", "user_cache_path", "registry_paths"]

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


def registry_paths(registry: RegistryArg = None) -> list[tuple[Path, bool]]:
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


@functools.lru_cache(maxsize=64)
def _candidates(asked: tuple[str, ...], env: str, bundled: str, cache: str) -> tuple[tuple[Path, bool], ...]:
    roots = [(p, True) for p in (*asked, *(e for e in env.split(os.pathsep) if e))]
    roots += [(bundled, False), (cache, False)]
    seen: set[str] = set()
    unique = []
    for path, required in roots:
        key = os.path.abspath(os.path.expanduser(path))
        if key not in seen:
            seen.add(key)
            unique.append((Path(key), required))
    return tuple(unique)
