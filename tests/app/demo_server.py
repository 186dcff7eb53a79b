"""`zoo demo` started for real, as a user would, on a free local port; stopped after the tests."""
from __future__ import annotations

import os
import signal
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from server_process import free_port, server_process

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


@contextmanager
def demo_server(workdir: Path, *args: str, extra_env: dict[str, str] | None = None) -> Iterator[str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZOO_", "HF_"))}
    env.update(GRADIO_ANALYTICS_ENABLED="False", GRADIO_TEMP_DIR=str(workdir / "gradio"),
               ZOO_CACHE=str(workdir / "cache"), HF_HOME=str(workdir / "hf"), HF_HUB_OFFLINE="1", **(extra_env or {}))
    url = f"http://127.0.0.1:{port}/"

    def ready() -> bool:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    cmd = [sys.executable, "-m", "zoo", "demo", "--port", str(port), *args]
    with server_process(cmd, workdir=workdir, name="demo", ready=ready, env=env, stop=signal.SIGINT):
        yield url
