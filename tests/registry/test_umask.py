"""Registry files honour the caller's umask, as a plain open() would: a zoo trained into a shared folder under
umask 0022 can be read by another user; one trained under 0077 stays private."""
from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from conftest import requires

pytestmark = requires(None if os.geteuid() == 0 and shutil.which("runuser") else "reading as another user needs root")

READ_ALL = """
import os, sys
read, unreadable = 0, []
for folder, _, files in os.walk(sys.argv[1], onerror=lambda e: unreadable.append(f"{e.filename}: {e.strerror}")):
    for name in files:
        try:
            with open(os.path.join(folder, name), "rb") as f:
                f.read()
            read += 1
        except OSError as e:
            unreadable.append(f"{name}: {e.strerror}")
print(read, len(unreadable), "; ".join(unreadable[:5]))
"""


def train_under(umask: str, out: Path) -> None:
    cmd = " ".join([sys.executable, "-m", "zoo", "train", "digits", "--labels", "0", "--budget", "1s",
                    "--preset", "tiny", "--checkpoint-every", "0.1s", "--out", str(out), "--no-progress"])
    res = subprocess.run(["sh", "-c", f"umask {umask} && exec {cmd}"], capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr


@pytest.fixture
def shared() -> Path:
    folder = Path(tempfile.mkdtemp(prefix="zoo-shared-"))  # pytest's own tmp folders are 0700: not shared
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def modes(root: Path) -> dict[str, int]:
    return {p.relative_to(root).as_posix(): stat.S_IMODE(p.stat().st_mode) for p in root.rglob("*")}


def test_a_registry_written_under_umask_0022_is_readable_by_another_user(shared: Path) -> None:
    out = shared / "zoo"
    train_under("0022", out)
    found = modes(out)
    files = {k: m for k, m in found.items() if (out / k).is_file()}
    assert files and set(files.values()) == {0o644}, files
    assert {m for k, m in found.items() if (out / k).is_dir()} == {0o755}
    res = subprocess.run(["runuser", "-u", "nobody", "--", "/usr/bin/python3", "-c", READ_ALL, str(out)],
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0 and res.stdout.startswith(f"{len(files)} 0 "), res.stdout + res.stderr


def test_under_umask_0002_a_group_can_write_and_under_0077_it_stays_private(shared: Path) -> None:
    train_under("0002", shared / "group")
    assert {m for k, m in modes(shared / "group").items() if (shared / "group" / k).is_file()} == {0o664}
    train_under("0077", shared / "private")
    assert {m for k, m in modes(shared / "private").items() if (shared / "private" / k).is_file()} == {0o600}
    res = subprocess.run(["runuser", "-u", "nobody", "--", "/usr/bin/python3", "-c", READ_ALL,
                          str(shared / "private")], capture_output=True, text=True, timeout=60)
    assert res.stdout.startswith("0 1 ") and "Permission denied" in res.stdout  # not even its folder listing
