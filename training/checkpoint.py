"""Resume checkpoints: torch's own format, written atomically, read back with ``weights_only=True``.
They never leave the run folder; what is published is the safetensors generator."""
from __future__ import annotations

import io
import logging
from pathlib import Path
from typing import Any

import torch

from registry.atomic import atomic_write_bytes

__all__ = ["save_checkpoint", "load_checkpoint"]

log = logging.getLogger(__name__)


def save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    buf = io.BytesIO()
    torch.save(state, buf)
    atomic_write_bytes(path, buf.getvalue(), fault="checkpoint-write")
    log.debug("checkpoint %s (%d bytes)", path, buf.tell())


def load_checkpoint(path: Path, *, device: torch.device) -> dict[str, Any] | None:
    """The saved state, or None when it is missing or unreadable (then training starts afresh)."""
    if not path.is_file():
        return None
    try:
        return torch.load(path, map_location=device, weights_only=True)
    except Exception as e:  # noqa: BLE001 - a damaged checkpoint costs progress, never the run
        log.warning("ignoring unreadable checkpoint %s: %s", path, e)
        return None
