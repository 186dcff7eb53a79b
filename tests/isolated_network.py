"""Run Python in a network namespace of its own (``unshare --net --mount``, as root): loopback only, a DNS
server at 127.0.0.1 that reads every query and never answers, and a black-hole subnet 10.77.0.0/24 routed into
loopback, where no host owns the address and nothing forwards it: every packet vanishes and a connection attempt
waits for its timeout. These are real kernel and resolver
behaviours, not mocks; only the network they stand for (a Hub behind a dead link) cannot exist here."""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

BLACKHOLE_HOST = "10.77.0.2"
SILENT_DNS_NAME = "hub.example.com"  # resolved through the silent server: the resolver retries, then gives up

_SETUP = """set -e
ip link set lo up
ip route add 10.77.0.0/24 dev lo
printf 'nameserver 127.0.0.1\\noptions timeout:5 attempts:2\\n' > "$WORK/resolv.conf"
mount --bind "$WORK/resolv.conf" /etc/resolv.conf
exec "$PYTHON" "$WORK/main.py"
"""

_PRELUDE = """import socket, threading
_dns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
_dns.bind(("127.0.0.1", 53))
threading.Thread(target=lambda: [_dns.recvfrom(512) for _ in iter(int, 1)], daemon=True).start()
"""


def available() -> str | None:
    """None when namespaces can be made here, else why not."""
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        return "needs util-linux's unshare and iproute2's ip"
    probe = subprocess.run(["unshare", "--net", "--mount", "true"], capture_output=True, text=True)
    return None if probe.returncode == 0 else f"cannot make a network namespace: {probe.stderr.strip()}"


def run_isolated(code: str, workdir: Path, *, env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess:
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "main.py").write_text(_PRELUDE + code)
    full_env = {**env, "WORK": str(workdir), "PYTHON": sys.executable}
    return subprocess.run(["unshare", "--net", "--mount", "sh", "-c", _SETUP], env=full_env, capture_output=True,
                          text=True, timeout=timeout)
