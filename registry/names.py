"""Dataset names and labels as they may appear in file paths; nothing may escape the registry root."""
from __future__ import annotations

import re

from .errors import InvalidName

__all__ = ["check_dataset_name", "check_label", "generator_relpath", "MAX_LABEL"]

_DATASET_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
MAX_LABEL = 99_999  # 5 digits in file names; ImageNet-21k would still fit


def check_dataset_name(name: object) -> str:
    if not isinstance(name, str) or not _DATASET_RE.match(name) or ".." in name:
        raise InvalidName(
            f"invalid dataset name {name!r}: expected 1-64 characters of lower-case letters, digits, "
            "'-', '_' or '.', starting with a letter or digit and without '..'"
        )
    return name


def check_label(label: object) -> int:
    if isinstance(label, bool) or not isinstance(label, int) or not 0 <= label <= MAX_LABEL:
        raise InvalidName(f"invalid label {label!r}: expected an integer in 0..{MAX_LABEL}")
    return label


CONDITIONAL_FILE = "conditional.safetensors"


def generator_relpath(dataset: str, label: int | None) -> str:
    """Where the generator of (dataset, label) lives, relative to the registry root (POSIX form).
    ``label=None`` names the data set's one conditional generator, which serves every label."""
    if label is None:
        return f"{check_dataset_name(dataset)}/{CONDITIONAL_FILE}"
    return f"{check_dataset_name(dataset)}/label-{check_label(label):05d}.safetensors"


def extra_relpath(dataset: str, name: str) -> str:
    """Other models a data set's evaluation needs (e.g. its domain classifier), by name."""
    return f"{check_dataset_name(dataset)}/extras/{check_dataset_name(name)}.safetensors"


def parse_generator_filename(name: str) -> int | None:
    m = re.fullmatch(r"label-(\d{5})\.safetensors", name)
    return int(m.group(1)) if m else None
