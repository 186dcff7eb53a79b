"""Named fault points, for the tests that kill a run at a known place and prove where it landed.

``WCGAN_ZOO_FAULT=<point>[@<n>]`` makes a process SIGKILL itself the n-th time (default: the first) it reaches
``point``, after appending ``<point>@<n> <pid>`` to the file ``WCGAN_ZOO_FAULT_LOG`` (if set). Unset, as it is
outside those tests, a point costs one comparison. The points, where a real crash or pre-emption hurts most:

- ``train-step``: between two training steps (checkpoints are behind, the generator is not written yet)
- ``checkpoint-write``, ``generator-write``, ``extra-write``, ``index-write``: halfway through writing the
  temporary of a checkpoint, a generator, an extra (the shared warm start) or the index: a half file exists
"""
from __future__ import annotations

import os
import signal

__all__ = ["POINTS", "ENV", "ENV_LOG", "reached"]

POINTS = ("train-step", "checkpoint-write", "generator-write", "extra-write", "index-write")
ENV, ENV_LOG = "WCGAN_ZOO_FAULT", "WCGAN_ZOO_FAULT_LOG"
_seen: dict[str, int] = {}


def reached(point: str) -> None:
    armed = os.environ.get(ENV)
    if not armed or armed.partition("@")[0] != point:
        return
    _seen[point] = _seen.get(point, 0) + 1
    name, _, nth = armed.partition("@")
    if _seen[point] != int(nth or 1):
        return
    if os.environ.get(ENV_LOG):
        with open(os.environ[ENV_LOG], "a", encoding="utf-8") as log:
            log.write(f"{armed} {os.getpid()}\n")
    os.kill(os.getpid(), signal.SIGKILL)
