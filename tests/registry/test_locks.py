"""Locks on file systems that refuse flock (Lustre without -o flock, NFS without its lock daemon). No such file
system can be mounted here, so flock is made to fail as they make it fail (ENOSYS / ENOLCK); the stand-in lock
files, processes and training run are real."""
from __future__ import annotations

import errno
import multiprocessing
import os
import socket
import subprocess
import sys

import pytest

from registry import LocalRegistry, locks
from registry.layout import INDEX_NAME
from registry.locks import HELD_SUFFIX, exclusive


@pytest.fixture(params=[errno.ENOSYS, errno.ENOLCK])
def no_flock(request, monkeypatch):
    def refuse(fd, operation):
        raise OSError(request.param, os.strerror(request.param))

    monkeypatch.setattr(locks.fcntl, "flock", refuse)
    return request.param


def _try_in_child(path, queue) -> None:
    with exclusive(path, wait=False) as held:
        queue.put(held)


def _held_elsewhere(path) -> bool:
    """Whether a forked process (which keeps the refusing flock) gets the lock without waiting."""
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    child = ctx.Process(target=_try_in_child, args=(path, queue))
    child.start()
    child.join(30)
    return queue.get(timeout=5)


def test_without_flock_a_lock_file_excludes_other_processes_and_is_gone_after(no_flock, tmp_path, caplog) -> None:
    lock = tmp_path / ".lock"
    marker = tmp_path / (".lock" + HELD_SUFFIX)
    with exclusive(lock, wait=False) as held:
        assert held and marker.read_text() == f"{socket.gethostname()} {os.getpid()}"
        assert _held_elsewhere(lock) is False
    assert not marker.exists() and _held_elsewhere(lock) is True
    assert "refuses flock" in caplog.text


def test_a_lock_file_of_a_dead_process_is_taken_over_one_of_another_host_is_not(no_flock, tmp_path) -> None:
    lock, marker = tmp_path / ".lock", tmp_path / (".lock" + HELD_SUFFIX)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    marker.write_text(f"{socket.gethostname()} {int(dead.stdout)}")
    with exclusive(lock, wait=True) as held:  # would wait forever if the dead holder were trusted
        assert held and marker.read_text().endswith(f" {os.getpid()}")
    marker.write_text("another-node.cluster 1234")
    with exclusive(lock, wait=False) as held:
        assert held is False and marker.read_text() == "another-node.cluster 1234"


def test_other_lock_failures_are_not_mistaken_for_a_missing_flock(tmp_path, monkeypatch) -> None:
    def broken(fd, operation):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(locks.fcntl, "flock", broken)
    with pytest.raises(OSError, match="Input/output error"):
        with exclusive(tmp_path / ".lock", wait=False):
            pass


def test_training_runs_and_refuses_a_busy_label_without_flock(no_flock, tmp_path) -> None:
    from training.config import TrainConfig
    from training.job import TrainJob
    from training.run import run_label

    config = TrainConfig(budget_s=600, preset="tiny", latent_dim=16, batch_size=16, max_steps=2, warm_start=0)
    (unit,) = TrainJob("fashion-mnist", (3,), str(tmp_path / "reg"), config).label_jobs()
    reg = LocalRegistry.create(tmp_path / "reg")
    run = reg.run_dir("fashion-mnist", 3)
    run.mkdir(parents=True)
    (run / (".lock" + HELD_SUFFIX)).write_text(f"{socket.gethostname()} {os.getppid()}")  # a live holder
    assert run_label(unit).status == "busy" and not reg.has("fashion-mnist", 3)
    (run / (".lock" + HELD_SUFFIX)).unlink()
    assert run_label(unit).status == "trained" and reg.has("fashion-mnist", 3)
    assert not (run / (".lock" + HELD_SUFFIX)).exists()


def test_reindex_clears_what_a_killed_reindex_left(make_registry) -> None:
    reg = make_registry({"fashion-mnist": [0]})
    left = reg.root / f".tmp-{INDEX_NAME}-k1ll3d"
    left.write_text('{"datasets": {')  # half an index
    reg.reindex()
    assert not left.exists() and reg.labels("fashion-mnist") == [0]
