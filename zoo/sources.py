"""Where generators are looked for, in order: the ``registry=`` argument, ``$ZOO_REGISTRY`` (a path list),
the registry bundled with the package, then the user cache folder (filled by `zoo pull`)."""
from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from registry import INDEX_NAME

__all__ = ["RegistryArg", "bundled_registry_path", "user_cache_path", "registry_paths"]

RegistryArg = str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None
ENV_REGISTRY = "ZOO_REGISTRY"
ENV_CACHE = "ZOO_CACHE"


def bundled_registry_path() -> Path:
    return Path(__file__).resolve().parent / "pretrained"


def user_cache_path() -> Path:
    if os.environ.get(ENV_CACHE):
        return Path(os.environ[ENV_CACHE]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "wcgan-zoo"


def registry_paths(registry: RegistryArg = None) -> list[tuple[Path, bool]]:
    """Candidate roots, each with whether it must exist (asked for) or is only looked at if present."""
    if registry is None:
        asked: list[str | os.PathLike[str]] = []
    elif isinstance(registry, (str, os.PathLike)):
        asked = [registry]
    else:
        asked = list(registry)
    asked += [p for p in os.environ.get(ENV_REGISTRY, "").split(os.pathsep) if p]
    out = [(Path(p).expanduser(), True) for p in asked]
    for optional in (bundled_registry_path(), user_cache_path()):
        if (optional / INDEX_NAME).is_file():
            out.append((optional, False))
    seen: set[Path] = set()
    unique = []
    for path, required in out:
        key = path.resolve()
        if key not in seen:
            seen.add(key)
            unique.append((path, required))
    return unique
