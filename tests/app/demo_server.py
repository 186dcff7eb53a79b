"""`zoo demo` started for real, as a user would, on a free local port; stopped after the tests."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
# The flags this machine's closed network needs (DEVELOPERS.md); --headless, so no screen is needed.
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def listening_addresses(port: int) -> set[str]:
    """The local addresses a TCP port listens on, read from /proc/net/tcp{,6} (state 0A = LISTEN)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, _, hex_port = local.partition(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def demo_server(workdir: Path, *args: str, extra_env: dict[str, str] | None = None) -> Iterator[str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZOO_", "HF_"))}
    env.update(GRADIO_ANALYTICS_ENABLED="False", GRADIO_TEMP_DIR=str(workdir / "gradio"),
               ZOO_CACHE=str(workdir / "cache"), HF_HOME=str(workdir / "hf"), HF_HUB_OFFLINE="1", **(extra_env or {}))
    log = (workdir / "demo.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "zoo", "demo", "--port", str(port), *args], env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(url, timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("zoo demo did not start: " + (workdir / "demo.log").read_text()[-3000:]) from None
                time.sleep(0.5)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()
