"""`zoo demo` started for real, as a user would, on a free local port; stopped after the tests."""
from __future__ import annotations

import json
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


CONNECTIONS = "connections.jsonl"
# `python -m zoo` with a Python audit hook that logs every socket connect, sendto and name lookup the process
# (gradio, httpx, huggingface_hub, ...) makes, whatever the library: the record "no network calls" is checked on.
_AUDITED_ZOO = """
import json, os, runpy, sys
_log = open(os.environ["ZOO_TEST_CONNECTIONS"], "a", buffering=1)
def _audit(event, args):
    if event in ("socket.connect", "socket.sendto"):
        _log.write(json.dumps([event, repr(args[-1])]) + "\\n")
    elif event == "socket.getaddrinfo":
        _log.write(json.dumps([event, repr(args[0])]) + "\\n")
sys.addaudithook(_audit)
runpy.run_module("zoo", run_name="__main__", alter_sys=True)
"""


def outbound(workdir: Path) -> list[list[str]]:
    """The socket calls the demo made to anything but this machine's loopback."""
    local = ("'127.0.0.1'", "'localhost'", "'::1'", "None")
    calls = [json.loads(line) for line in (workdir / CONNECTIONS).read_text().splitlines()]
    return [c for c in calls if not (c[1].startswith(("('127.0.0.1'", "('::1'", "'/")) or c[1] in local)]


@contextmanager
def demo_server(workdir: Path, *args: str, extra_env: dict[str, str] | None = None) -> Iterator[str]:
    port = free_port()
    # As a user starts it: no analytics or offline switches set for it (the demo must need none); only its
    # files kept inside the test's folder. Every outbound socket call is recorded (see CONNECTIONS).
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ZOO_", "HF_", "GRADIO_")) and k not in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")}
    env.update(GRADIO_TEMP_DIR=str(workdir / "gradio"), ZOO_CACHE=str(workdir / "cache"),
               HF_HOME=str(workdir / "hf"), ZOO_TEST_CONNECTIONS=str(workdir / CONNECTIONS), **(extra_env or {}))
    url = f"http://127.0.0.1:{port}/"

    def ready() -> bool:
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                return r.status == 200
        except OSError:
            return False

    cmd = [sys.executable, "-c", _AUDITED_ZOO, "demo", "--port", str(port), *args]
    with server_process(cmd, workdir=workdir, name="demo", ready=ready, env=env, stop=signal.SIGINT):
        yield url
