"""Typed errors of the zoo. Registry errors are re-exported so callers catch one family per package."""
from __future__ import annotations

from registry.errors import (ChecksumMismatch, CorruptFile, EntryNotFound, HubUnavailable, InvalidMeta, InvalidName,
                             RegistryError, RegistryNotFound, StorageFull, suggest)

__all__ = [
    "ZooError", "UnknownDataset", "UnknownLabel", "AmbiguousLabel", "LabelOutOfRange", "InvalidRequest",
    "UnknownArchitecture", "DuplicateArchitecture", "InvalidConfig", "MissingExtra",
    "RegistryError", "RegistryNotFound", "InvalidName", "EntryNotFound", "CorruptFile", "ChecksumMismatch",
    "InvalidMeta", "HubUnavailable", "StorageFull", "suggest", "LIBRARY_ERRORS",
]


class ZooError(Exception):
    """Base of every error raised by the zoo package itself."""


class UnknownDataset(ZooError, LookupError):
    pass


class UnknownLabel(ZooError, LookupError):
    pass


class AmbiguousLabel(UnknownLabel):
    pass


class LabelOutOfRange(UnknownLabel, IndexError):
    pass


class InvalidRequest(ZooError, ValueError):
    """Arguments of a call that no valid request could have (n = 0, a wrong latent shape, ...)."""


class UnknownArchitecture(ZooError, LookupError):
    pass


class DuplicateArchitecture(ZooError, KeyError):
    pass


class InvalidConfig(ZooError, ValueError):
    pass


class MissingExtra(ZooError, ImportError):
    """A command whose optional dependencies (an extra of wcgan-zoo) are not installed."""


# What the CLI turns into one line and exit code 2.
LIBRARY_ERRORS = (ZooError, RegistryError)
