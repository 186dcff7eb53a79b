"""Stopping a training process without losing its work: pre-emption and time limits (schedulers send SIGTERM
and wait a grace period before SIGKILL: SLURM on `scontrol requeue`, a pre-empting job, `--signal=B:TERM@120`
before the time limit) and Ctrl-C (SIGINT) are the same request. A process that was told to listen saves a
checkpoint at the next step boundary and stops (exit 2, with the hint to run the same command again); the
requeued task, or the same command, resumes from it. A second signal stops at once (exit 128 + the signal).

A local pool's parent stops in its workers' place: it tells each worker (SIGTERM; workers ignore the
terminal's SIGINT, so Ctrl-C reaches them once, through the parent), waits for their checkpoints and exits 2.
A worker told between two labels starts no other one; a worker told while it saves a finished label finishes
the save (a few seconds: killing it there would throw away the label's whole training and break the pool).
"""
from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from .errors import TrainingError

__all__ = ["Preempted", "listen", "requested", "reason", "training", "delegating", "worker_signals",
           "EXIT_STOPPED"]

EXIT_STOPPED = 2  # checkpointed and stopped: the same command resumes (the CLI's exit code for library errors)
NAMES = {signal.SIGTERM: "SIGTERM", signal.SIGINT: "SIGINT (Ctrl-C)"}
_asked = 0  # the signal that asked this process to stop; 0: none
_training = 0  # training loops running in this process: only they can stop at a step boundary
_children: Callable[[], list[int]] | None = None  # a pool's workers, who stop in this process's place
_parent = 0  # a pool worker's parent, which waits for the worker's answer to a stop request; 0: not a worker


class Preempted(TrainingError):
    """The run was asked to stop (SIGTERM, Ctrl-C); its checkpoint is saved and the same command resumes it."""

    def __init__(self, message: str, *, step: int = 0, seconds: float = 0.0) -> None:
        super().__init__(message)
        self.step, self.seconds = step, seconds  # where the training loop stopped


def listen() -> None:
    """From now on SIGTERM and SIGINT ask a running training loop to checkpoint and stop; outside one (loading
    data) they end the process at once, as they would have without this (main thread only)."""
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)


def worker_signals() -> None:
    """A pool worker: SIGTERM (from its parent) stops it at a step boundary; the terminal's SIGINT is its
    parent's to handle, so one Ctrl-C is one request, not two."""
    global _parent
    _parent = os.getppid()
    listen()
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _on_signal(signum: int, frame: object) -> None:
    global _asked
    if _asked:  # asked twice: at once
        _stop_now(signum)
    _asked = signum
    if _children is not None:
        for pid in _children():
            _kill(pid, signal.SIGTERM)
    elif not _training and not _parent_waits():
        _stop_now(signum)


def _parent_waits() -> bool:
    """A worker whose parent is alive answers a stop request at its next label; an orphan stops at once."""
    return _parent != 0 and os.getppid() == _parent


def _stop_now(signum: int) -> None:
    for pid in _children() if _children is not None else ():
        _kill(pid, signal.SIGKILL)
    os._exit(128 + signum)


def _kill(pid: int, signum: int) -> None:
    try:
        os.kill(pid, signum)
    except ProcessLookupError:
        pass


@contextmanager
def training() -> Iterator[None]:
    """A stretch where a stop request waits: a training loop (which checkpoints at its next step) or the saving
    of a label it has finished."""
    global _training
    _training += 1
    try:
        yield
    finally:
        _training -= 1


@contextmanager
def delegating(children: Callable[[], list[int]]) -> Iterator[None]:
    """While a pool runs: a stop request is passed on to its workers (``children`` lists their pids)."""
    global _children
    _children = children
    try:
        yield
    finally:
        _children = None


def requested() -> bool:
    return bool(_asked)


def reason() -> str:
    """What asked this process to stop: 'SIGTERM' or 'SIGINT (Ctrl-C)'."""
    return NAMES.get(_asked, f"signal {_asked}")
