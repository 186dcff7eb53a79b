"""Atomic file writes: a crash leaves either the old file or the new one, never half of one."""
from __future__ import annotations

import errno
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from . import faults
from .errors import StorageFull

__all__ = ["atomic_write_bytes", "atomic_write_json", "create_json_once", "remove_stale_temporaries", "TEMP_PREFIX",
           "current_umask"]

TEMP_PREFIX = ".tmp-"


def _write_temporary(path: Path, data: bytes, fault: str | None = None) -> str:
    """``data`` fsynced into a new temporary beside ``path``. The target's name is in the temporary's,
    so a run can clear its own leftovers after a crash. ``fault``: the fault point halfway through."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f"{TEMP_PREFIX}{path.name}-", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~current_umask())  # what open() would give: mkstemp's 0600 would hide shared zoos
        with os.fdopen(fd, "wb") as f:
            f.write(data[:len(data) // 2])
            if fault is not None:
                f.flush()
                faults.reached(fault)
            f.write(data[len(data) // 2:])
            f.flush()
            os.fsync(f.fileno())
    except BaseException as e:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT):
            raise StorageFull(f"{path}: no space left on the device ({e.strerror}); nothing was replaced, the "
                              "previous file is as it was. Free some space and run the command again") from None
        raise
    return tmp


def current_umask() -> int:
    """The process's umask, read without changing it (os.umask would, for a moment, for every thread)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # no /proc (not Linux): the only portable way, briefly racy
    os.umask(mask)
    return mask


def atomic_write_bytes(path: Path, data: bytes, *, fault: str | None = None) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, fsync, then rename."""
    path = Path(path)
    tmp = _write_temporary(path, data, fault)
    try:
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_dir(path.parent)


def create_json_once(path: Path, obj: Any) -> bool:
    """Write ``path`` only if it does not exist yet, atomically; False if another writer was first.

    The file is written complete under a temporary name and hard-linked into place: a link never
    replaces an existing file, so concurrent creators cannot overwrite each other.
    """
    path = Path(path)
    tmp = _write_temporary(path, _json_bytes(obj))
    try:
        os.link(tmp, path)
    except FileExistsError:
        return False
    finally:
        Path(tmp).unlink(missing_ok=True)
    _fsync_dir(path.parent)
    return True


def remove_stale_temporaries(path: Path) -> int:
    """Delete temporaries a killed writer of ``path`` left behind. Call only while holding ``path``'s lock."""
    removed = 0
    for tmp in Path(path).parent.glob(f"{TEMP_PREFIX}{Path(path).name}-*"):
        tmp.unlink(missing_ok=True)
        removed += 1
    return removed


def atomic_write_json(path: Path, obj: Any, *, fault: str | None = None) -> None:
    atomic_write_bytes(path, _json_bytes(obj), fault=fault)


def _json_bytes(obj: Any) -> bytes:
    return (json.dumps(obj, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def _fsync_dir(folder: Path) -> None:
    # The rename itself lives in the directory entry; without this a power cut may forget it.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # some platforms cannot open directories
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
