"""Resume checkpoints: torch's own format, written atomically, read back with ``weights_only=True``.
They never leave the run folder; what is published is the safetensors generator.

A checkpoint carries the identity of the job unit it was made by (``TrainJob.identity``), as nanoGPT and edm
keep the config inside the snapshot: only a run of the same identity resumes it, whatever was written beside
it since. Any other checkpoint (another job's, one of an older format, an unreadable one) is moved aside,
kept under another name that nothing resumes, before the run writes anything.
"""
from __future__ import annotations

import io
import json
import logging
import time
from pathlib import Path
from typing import Any

import torch

from registry.atomic import atomic_write_bytes
from registry.layout import set_aside_path

from .job import describe_differences

__all__ = ["save_checkpoint", "load_checkpoint", "made_under"]

log = logging.getLogger(__name__)
IDENTITY = "identity"  # the key of the JSON identity inside the checkpoint's dict


def save_checkpoint(path: Path, state: dict[str, Any], identity: dict[str, Any]) -> None:
    buf = io.BytesIO()
    torch.save({**state, IDENTITY: json.dumps(identity, sort_keys=True)}, buf)
    atomic_write_bytes(path, buf.getvalue(), fault="checkpoint-write")
    log.debug("checkpoint %s (%d bytes)", path, buf.tell())


def load_checkpoint(path: Path, *, device: torch.device, identity: dict[str, Any]) -> dict[str, Any] | None:
    """The saved state when ``path`` holds a checkpoint made under ``identity``; None when there is none, or when
    it was made under another (then it is moved aside first, never resumed, never deleted)."""
    if not path.is_file():
        return None
    try:
        saved = torch.load(path, map_location=device, weights_only=True)
    except Exception as e:  # noqa: BLE001 - a damaged checkpoint costs progress, never the run
        _set_aside(path, f"it cannot be read ({str(e).splitlines()[0][:200]})")
        return None
    before = _recorded_identity(saved)
    if before is None:
        _set_aside(path, "it carries no job identity (made by an older version)")
        return None
    if before != _as_saved(identity):
        diff = describe_differences(before, json.loads(json.dumps(identity)))
        _set_aside(path, f"it was made by another job ({'; '.join(diff)})")
        return None
    return {k: v for k, v in saved.items() if k != IDENTITY}


def made_under(path: Path, identity: dict[str, Any]) -> bool:
    """Whether ``path`` holds a readable checkpoint made under ``identity`` (nothing is moved or changed)."""
    try:
        saved = torch.load(path, map_location="cpu", weights_only=True)
    except Exception:  # noqa: BLE001 - unreadable or gone: not this identity's
        return False
    recorded = _recorded_identity(saved)
    return recorded is not None and recorded == _as_saved(identity)


def _recorded_identity(saved: Any) -> dict[str, Any] | None:
    recorded = saved.get(IDENTITY) if isinstance(saved, dict) else None
    return json.loads(recorded) if isinstance(recorded, str) else None


def _as_saved(identity: dict[str, Any]) -> dict[str, Any]:
    """The identity as a checkpoint's JSON gives it back (tuples as lists), to compare with what one recorded."""
    return json.loads(json.dumps(identity, sort_keys=True))


def _set_aside(path: Path, why: str) -> None:
    aside = set_aside_path(path.parent, time.strftime("%Y%m%dT%H%M%S"))
    n = 1
    while aside.exists():
        aside = set_aside_path(path.parent, f"{time.strftime('%Y%m%dT%H%M%S')}-{n}")
        n += 1
    path.rename(aside)
    log.warning("%s is not resumed: %s. Moved aside to %s; this run starts afresh. To continue that run instead, "
                "rename it back to %s and run the job that made it (or delete it once it is no longer wanted)",
                path, why, aside.name, path.name)
