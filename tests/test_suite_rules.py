"""Rules of the suite itself: under `make test` a test whose component is missing fails (a CI machine where an
install step broke must not be green); a hand-run pytest skips it."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import COMPLETE

HERE = Path(__file__).resolve().parent


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
