"""Pre-emption and time limits: schedulers send SIGTERM and wait a grace period before SIGKILL (SLURM on
`scontrol requeue`, a pre-empting job, or `--signal=B:TERM@120` before the time limit). A training process
that was told to listen saves a checkpoint at the next step boundary and stops; the requeued task (or the
same command run again) resumes from it."""
from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from .errors import TrainingError

__all__ = ["Preempted", "listen", "requested", "training"]

_asked = threading.Event()
_training = 0  # training loops running in this process: only they can stop at a step boundary


class Preempted(TrainingError):
    """The run was asked to stop (SIGTERM); its checkpoint is saved and the same command resumes it."""


def listen() -> None:
    """From now on SIGTERM asks a running training loop to checkpoint and stop; outside one (loading data,
    idle in a pool) it ends the process at once, as it would have without this (main thread only)."""
    signal.signal(signal.SIGTERM, _on_sigterm)


def _on_sigterm(signum: int, frame: object) -> None:
    _asked.set()
    if not _training:
        os._exit(128 + signum)


@contextmanager
def training() -> Iterator[None]:
    global _training
    _training += 1
    try:
        yield
    finally:
        _training -= 1


def requested() -> bool:
    return _asked.is_set()
