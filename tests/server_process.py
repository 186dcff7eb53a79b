"""A server the tests start as a real process, wait for, and always stop (its process group)."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def server_process(cmd: list[str], *, workdir: Path, name: str, ready: Callable[[], bool],
                   env: dict[str, str] | None = None, stop: signal.Signals = signal.SIGTERM,
                   timeout: float = 120) -> Iterator[subprocess.Popen]:
    """Run ``cmd`` (output to ``workdir/<name>.log``) until ``ready()`` is true; stop it on leaving."""
    log_path = workdir / f"{name}.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        try:
            deadline = time.monotonic() + timeout
            while not ready():
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{name} did not start: " + log_path.read_text()[-3000:])
                time.sleep(0.2)
            yield proc
        finally:
            os.killpg(proc.pid, stop)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def accepts(port: int) -> Callable[[], bool]:
    def check() -> bool:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            return False
    return check
