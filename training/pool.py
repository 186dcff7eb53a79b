"""Labels over a local pool of processes, each with cores / N torch threads; no communication."""
from __future__ import annotations

import ctypes
import logging
import multiprocessing as mp
import os
import queue
import signal
import sys
import threading
from concurrent.futures import ProcessPoolExecutor

import torch

from . import preempt
from .job import LabelJob
from .progress import ProgressBoard
from .run import LabelResult, already_done, run_label
from .warm_start import ensure_warm_start

__all__ = ["train_jobs"]

log = logging.getLogger(__name__)

_slot: int = 0
_ticks: "mp.Queue | None" = None


def _die_with_parent() -> None:
    """A worker must not outlive `zoo train`: killed or interrupted, the parent takes its workers along."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        if os.getppid() == 1:  # the parent died before the line above took effect
            os._exit(1)


def _init_worker(threads: int, counter, ticks) -> None:
    global _slot, _ticks
    _die_with_parent()
    preempt.worker_signals()
    torch.set_num_threads(threads)
    with counter.get_lock():
        _slot, counter.value = counter.value, counter.value + 1
    _ticks = ticks


def _run_unless_stopped(job: LabelJob, on_tick) -> LabelResult:
    if preempt.requested():  # told to stop (while another label saved): labels not started stay for the next run
        return LabelResult(job.label, "stopped")
    return run_label(job, on_tick=on_tick)


def _run_in_worker(job: LabelJob) -> LabelResult:
    try:
        return _run_unless_stopped(job, lambda line: _ticks.put((_slot, line)) if _ticks is not None else None)
    except preempt.Preempted as e:  # checkpointed at a step boundary: the parent reports it and exits 2
        log.warning("label %s: %s", job.name, e)
        return LabelResult(job.label, "stopped", e.step, e.seconds)


def _threads_per_worker(workers: int) -> int:
    return max(1, (os.cpu_count() or 1) // workers)


def train_jobs(jobs: list[LabelJob], *, workers: int, progress: bool | None = None) -> list[LabelResult]:
    """Run every job, ``workers`` at a time (with one worker, in this process); results in job order. Labels the
    registry holds already are skipped before anything starts: no shared start, no worker for them."""
    done = {unit: already_done(unit) for unit in jobs}
    todo = [unit for unit in jobs if done[unit] is None]
    budget = todo[0].job.config.label_budget_s() if todo else 0
    threads = _threads_per_worker(workers) * workers if workers > 1 else torch.get_num_threads()
    for job in dict.fromkeys(unit.job for unit in todo):  # shared starts first, on every core the pool will use
        ensure_warm_start(job, threads=threads, progress=progress)
    board = ProgressBoard(max(1, min(workers, len(todo))), budget_s=budget, enabled=progress if todo else False)
    try:
        if not todo:
            trained = []
        elif workers <= 1:
            trained = [_run_unless_stopped(job, lambda line: board.update(0, line)) for job in todo]
        else:
            trained = _pool(todo, min(workers, len(todo)), board)
    finally:
        board.close()
    results = dict(zip(todo, trained))
    return [done[unit] or results[unit] for unit in jobs]


def _pool(jobs: list[LabelJob], workers: int, board: ProgressBoard) -> list[LabelResult]:
    ctx = mp.get_context("spawn")  # fork would copy torch's thread pools and locks
    threads = _threads_per_worker(workers)
    ticks, counter = ctx.Queue(), ctx.Value("i", 0)
    stop = threading.Event()

    def drain() -> None:
        while not stop.is_set():
            try:
                slot, line = ticks.get(timeout=0.2)
            except queue.Empty:
                continue
            board.update(slot, line)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        with ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker,
                                 initargs=(threads, counter, ticks)) as pool, \
                preempt.delegating(lambda: [p.pid for p in mp.active_children()]):
            futures = [pool.submit(_run_in_worker, job) for job in jobs]
            results = [f.result() for f in futures]  # in job order, whatever order they finish in
    finally:
        stop.set()
        reader.join()
    return results
