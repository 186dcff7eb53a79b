"""Exclusive locks between processes, on any file system a registry may live on.

``flock`` first: the kernel releases it when its holder dies, so a killed run never blocks its rerun. Some
cluster file systems refuse it (Lustre mounted without ``-o flock``, NFS without its lock daemon: ENOSYS,
ENOLCK, EOPNOTSUPP); there a lock file created with O_EXCL (atomic on those too) stands in, holding the
holder's host and pid, and is broken once that process is gone from this host.
"""
from __future__ import annotations

import errno
import fcntl
import logging
import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["exclusive", "HELD_SUFFIX"]

log = logging.getLogger(__name__)

HELD_SUFFIX = ".held"  # the stand-in lock file beside the lock: '<lock>.held'
_NO_FLOCK = {errno.ENOSYS, errno.ENOLCK, errno.EOPNOTSUPP}
_POLL_S = 0.5
_UNWRITTEN_STALE_S = 30.0
_NOTE_EVERY_S = 60.0  # a holder killed between creating its lock file and writing its pid


@contextmanager
def exclusive(path: Path, *, wait: bool) -> Iterator[bool]:
    """Hold ``path`` exclusively for the block. Yields True when held; False when another process holds it
    and ``wait`` is false. With ``wait`` it blocks until the holder ends (or dies)."""
    path = Path(path)
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            mode = "flock"
        except BlockingIOError:
            mode = "busy"
        except OSError as e:
            if e.errno not in _NO_FLOCK:
                raise
            log.warning("%s: the file system refuses flock (%s); using a lock file beside it instead",
                        path, e.strerror)
            mode = "file"
        if mode != "file":
            yield mode == "flock"  # an flock ends when the handle closes
            return
    with _lock_file(path.with_name(path.name + HELD_SUFFIX), wait=wait) as held:
        yield held


@contextmanager
def _lock_file(marker: Path, *, wait: bool) -> Iterator[bool]:
    me = f"{socket.gethostname()} {os.getpid()}"
    next_note = time.monotonic()
    while True:
        try:
            fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)  # less the umask
        except FileExistsError:
            if _stale(marker):
                log.warning("%s: its holder is gone; lock taken over", marker)
                marker.unlink(missing_ok=True)
                continue
            if not wait:
                yield False
                return
            if time.monotonic() >= next_note:
                log.warning("waiting for %s, held by %s; if that process is gone, remove the file", marker,
                            _holder(marker))
                next_note = time.monotonic() + _NOTE_EVERY_S
            time.sleep(_POLL_S)
            continue
        with os.fdopen(fd, "w") as f:
            f.write(me)
        break
    try:
        yield True
    finally:
        marker.unlink(missing_ok=True)


def _holder(marker: Path) -> str:
    try:
        return marker.read_text() or "a process that has not written its name yet"
    except FileNotFoundError:
        return "nobody any more"


def _stale(marker: Path) -> bool:
    """The lock file's process has ended on this host (a holder on another host is never second-guessed)."""
    try:
        text, age = marker.read_text(), time.time() - marker.stat().st_mtime
    except FileNotFoundError:
        return True
    host, _, pid = text.partition(" ")
    if not pid.isdigit():
        return age > _UNWRITTEN_STALE_S
    if host != socket.gethostname():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, another user's
        return False
    return False
