"""Typed errors of the registry. Each message says what was expected and what came."""
from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = [
    "RegistryError",
    "RegistryNotFound",
    "InvalidName",
    "EntryNotFound",
    "CorruptFile",
    "ChecksumMismatch",
    "InvalidMeta",
    "HubUnavailable",
    "StorageFull",
    "suggest",
]


def suggest(given: str, choices: Iterable[str], *, limit: int = 12) -> str:
    """'did you mean ...? known: ...' tail shared by every lookup error."""
    choices = sorted(str(c) for c in choices)
    close = difflib.get_close_matches(str(given), choices, n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    shown = ", ".join(choices[:limit]) + (f", ... ({len(choices)} in all)" if len(choices) > limit else "")
    return f"{hint} known: {shown or '(none)'}"


class RegistryError(Exception):
    """Base of every error raised by the registry package."""


class RegistryNotFound(RegistryError, FileNotFoundError):
    """A path given as a registry is not one."""


class InvalidName(RegistryError, ValueError):
    """A dataset name or label that could not name a file inside a registry."""


class EntryNotFound(RegistryError, LookupError):
    """The registry holds no generator for that (dataset, label)."""


class CorruptFile(RegistryError, ValueError):
    """A .safetensors file that cannot be parsed (truncated, not safetensors, ...)."""


class ChecksumMismatch(RegistryError, ValueError):
    """A file whose sha256 differs from the one recorded in the index."""


class InvalidMeta(RegistryError, ValueError):
    """A header whose metadata misses fields or has values of the wrong kind."""


class HubUnavailable(RegistryError, ConnectionError):
    """The Hub cannot be asked (offline, unreachable, refusing) and the cache does not hold what was asked."""


class StorageFull(RegistryError, OSError):
    """A write found no space left; the file it would have replaced is untouched."""
