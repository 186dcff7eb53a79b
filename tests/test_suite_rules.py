"""Rules of the suite itself: under `make test` a test whose component is missing fails (a CI machine where an
install step broke must not be green); a hand-run pytest skips it; tests marked `together` share one worker."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import COMPLETE

HERE = Path(__file__).resolve().parent


@pytest.mark.slow  # two pytest runs in subprocesses
def test_a_missing_component_is_skipped_by_hand_and_fails_under_make_test(tmp_path):
    shutil.copy(HERE / "conftest.py", tmp_path / "conftest.py")
    (tmp_path / "test_needs.py").write_text(
        "from conftest import requires\n\n\n"
        "@requires('frobnicator not installed')\ndef test_needs_it():\n    pass\n\n\n"
        "@requires(None)\ndef test_has_it():\n    pass\n")

    def run(**env: str) -> subprocess.CompletedProcess:
        base = {k: v for k, v in os.environ.items() if k != COMPLETE}
        return subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", str(tmp_path)],
                              capture_output=True, text=True, timeout=300, cwd=tmp_path, env={**base, **env})

    by_hand = run()
    assert by_hand.returncode == 0 and "1 passed, 1 skipped" in by_hand.stdout, by_hand.stdout
    assert "frobnicator not installed" in by_hand.stdout
    strict = run(**{COMPLETE: "1"})
    assert strict.returncode == 1 and "1 passed, 1 error" in strict.stdout, strict.stdout  # fails in its set-up
    assert "frobnicator not installed (under `make test` every component must be present)" in strict.stdout


def test_tests_marked_together_run_on_one_worker_as_make_test_runs_them(tmp_path):
    """`make test`'s --dist loadgroup keeps each `together` group on one worker (a shared costly fixture, one SLURM
    cluster at a time); a pytest or xdist release that ignores the groups (as pytest 9.2 makes xdist 3.8 do) fails."""
    (tmp_path / "test_groups.py").write_text(
        "import os\n\nimport pytest\n\n\n"
        "@pytest.mark.xdist_group('g')\n@pytest.mark.parametrize('i', range(6))\n"
        "def test_grouped(i):\n"
        "    open(os.path.join(os.environ['GROUP_LOG'], f'g{i}'), 'w').write(os.environ['PYTEST_XDIST_WORKER'])\n\n\n"
        "@pytest.mark.parametrize('i', range(6))\ndef test_free(i):\n    pass\n")
    log = tmp_path / "log"
    log.mkdir()
    res = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2", "--dist",
                          "loadgroup", str(tmp_path / "test_groups.py")], capture_output=True, text=True, timeout=300,
                         cwd=tmp_path, env={**os.environ, "GROUP_LOG": str(log)})
    assert res.returncode == 0 and "12 passed" in res.stdout, res.stdout[-2000:]
    workers = {p.read_text() for p in log.iterdir()}
    assert len(list(log.iterdir())) == 6 and len(workers) == 1, workers
