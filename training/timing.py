"""Where a training process's time goes besides training: start-up (process, imports), each label's data,
model build, first step and registry write. Recorded per label in ``runs/<label>/timing.json`` so the
overhead of a task can be read after the fact (bench/task_overhead.py)."""
from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["process_age_s", "Stopwatch"]


def process_age_s() -> float | None:
    """Seconds since this process started (the kernel's start time: exec and imports included), or None."""
    try:
        ticks = int(open("/proc/self/stat").read().rsplit(")", 1)[1].split()[19])
        boot = next(float(line.split()[1]) for line in open("/proc/stat") if line.startswith("btime"))
    except (OSError, ValueError, IndexError, StopIteration):
        return None
    return time.time() - (boot + ticks / os.sysconf("SC_CLK_TCK"))


class Stopwatch:
    """Named durations of one label's run, in seconds."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def time(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds[name] = round(self.seconds.get(name, 0.0) + time.perf_counter() - start, 4)
