"""Named fault points, for the tests that kill a run at a known place and prove where it landed.

``WCGAN_ZOO_FAULT=<point>[@<n>]`` makes a process SIGKILL itself the n-th time (default: the first) it reaches
``point``, after appending ``<point>@<n> <pid>`` to the file ``WCGAN_ZOO_FAULT_LOG`` (if set).
``WCGAN_ZOO_FAULT_SIGNAL=TERM`` (or ``INT``) sends that signal instead: a scheduler's stop request arriving at that
exact point, which the process is expected to survive. Unset, as it is
outside those tests, a point costs one comparison. A point name outside ``POINTS``, in the code or in the
variable, is an error naming the valid ones: a misspelt point would never fire and its test would pass.
The points, where a real crash or pre-emption hurts most:

- ``train-step``: between two training steps (checkpoints are behind, the generator is not written yet)
- ``label-saved``: a label's generator is in the registry, its last checkpoint not yet removed
- ``checkpoint-write``, ``generator-write``, ``extra-write``, ``index-write``: halfway through writing the
  temporary of a checkpoint, a generator, an extra (the shared warm start) or the index: a half file exists
"""
from __future__ import annotations

import os
import signal

__all__ = ["POINTS", "ENV", "ENV_LOG", "ENV_SIGNAL", "reached", "check_armed"]

POINTS = ("train-step", "label-saved", "checkpoint-write", "generator-write", "extra-write", "index-write")
ENV, ENV_LOG, ENV_SIGNAL = "WCGAN_ZOO_FAULT", "WCGAN_ZOO_FAULT_LOG", "WCGAN_ZOO_FAULT_SIGNAL"
SIGNALS = {"KILL": signal.SIGKILL, "TERM": signal.SIGTERM, "INT": signal.SIGINT}
_seen: dict[str, int] = {}


def reached(point: str) -> None:
    if point not in POINTS:
        raise ValueError(f"fault point {point!r}: expected one of {', '.join(POINTS)}")
    armed = os.environ.get(ENV)
    if not armed:
        return
    check_armed()
    if armed.partition("@")[0] != point:
        return
    _seen[point] = _seen.get(point, 0) + 1
    _, _, nth = armed.partition("@")
    if _seen[point] != int(nth or 1):
        return
    if os.environ.get(ENV_LOG):
        with open(os.environ[ENV_LOG], "a", encoding="utf-8") as log:
            log.write(f"{armed} {os.getpid()}\n")
    os.kill(os.getpid(), SIGNALS[os.environ.get(ENV_SIGNAL) or "KILL"])


def check_armed() -> None:
    """An armed point that is not one of POINTS would never fire (and its test would pass): refuse it."""
    armed = os.environ.get(ENV)
    if armed:
        name, _, nth = armed.partition("@")
        if name not in POINTS or not (nth == "" or nth.isdigit() and int(nth) > 0):
            raise ValueError(f"{ENV}={armed!r}: expected <point>[@<n>], point one of {', '.join(POINTS)}, n >= 1")
        if (os.environ.get(ENV_SIGNAL) or "KILL") not in SIGNALS:
            raise ValueError(f"{ENV_SIGNAL}={os.environ[ENV_SIGNAL]!r}: expected one of {', '.join(SIGNALS)}")
