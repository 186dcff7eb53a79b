"""SIGKILL a training run at random points, again and again: mid-step, mid-checkpoint, mid-registry-write.
After every kill the registry verifies and no half file is visible; the final rerun finishes every label."""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import pytest

from registry import LocalRegistry, verify
from registry.index import all_generator_files
from zoo.loading import generator_from_file

pytestmark = pytest.mark.slow
KILLS = 6


def test_random_sigkills_lose_nothing_and_the_rerun_finishes(tmp_path) -> None:
    out = tmp_path / "reg"
    cmd = [sys.executable, "-m", "zoo", "train", "fashion-mnist", "--labels", "1,2", "--budget", "3s",
           "--checkpoint-every", "0.3s", "--preset", "tiny", "--batch-size", "16", "--out", str(out),
           "--no-progress"]
    rng = random.Random(0)  # the kill times are part of the test: the same every run
    for _ in range(KILLS):
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(rng.uniform(3.0, 9.0))  # start-up takes ~3 s; after that, anywhere in the run
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
        if out.exists():
            reg = LocalRegistry.create(out)
            visible = all_generator_files(out / "fashion-mnist") if (out / "fashion-mnist").is_dir() else {}
            for path in visible.values():  # every visible generator file is whole and loads
                assert path.stat().st_size > 0
            reg.reindex()
            assert verify(reg, load_check=generator_from_file).ok
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    reg = LocalRegistry(out)
    assert reg.labels("fashion-mnist") == [1, 2]
    assert verify(reg, load_check=generator_from_file).ok
    assert not list(out.rglob(".tmp-*"))  # leftovers of the killed runs were cleared
