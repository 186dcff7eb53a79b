"""bench/levers.py end to end on 2 labels with half-second budgets: a run without --keep leaves no registry behind
(each run's temporary registries were about 100 MB and stayed in /tmp), one with --keep records and keeps them.
The numbers mean nothing at this size."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from registry.index import all_generator_files

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]


def _levers(tmp_path: Path, *extra: str) -> dict:
    scratch = tmp_path / "tmp"
    scratch.mkdir(exist_ok=True)
    res = subprocess.run([sys.executable, str(REPO / "bench" / "levers.py"), "--precision", "--labels", "0-1",
                          "--budget", "0.5", "--n", "20", "--out", str(tmp_path / "out"), "--only", "default recipe",
                          *extra], capture_output=True, text=True, timeout=300,
                         env={**os.environ, "TMPDIR": str(scratch)})
    assert res.returncode == 0, res.stderr[-3000:]
    return json.loads((tmp_path / "out" / "levers-precision.json").read_text())


def test_a_run_removes_its_registries_unless_asked_to_keep_them(tmp_path):
    run = _levers(tmp_path)
    assert run["rows"][0]["steps"] and "registry" not in run["rows"][0]
    assert not list((tmp_path / "tmp").glob("zoo-levers-*"))
    kept = _levers(tmp_path, "--keep", str(tmp_path / "kept"))
    registry = Path(kept["rows"][0]["registry"])
    assert registry.parent.parent == tmp_path / "kept"
    assert sorted(all_generator_files(registry / "fashion-mnist")) == [0, 1]  # both labels' files, kept
