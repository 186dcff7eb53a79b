"""SIGKILL `zoo train` at named fault points (registry/faults.py): between steps, after a label's file is saved
and before its checkpoint goes, halfway through the temporary of a checkpoint, of a generator, of the shared warm
start and of the index. Each test checks that the kill landed where it meant (the fault log, and the half
temporary it leaves), that nothing half-written is visible and the registry verifies, then reruns the same
command and checks that it resumed and finished cleanly, leaving no temporary and no checkpoint behind."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from registry import LocalRegistry, faults, verify
from registry.index import all_generator_files
from registry.layout import CHECKPOINT, extras_dir, run_dir
from zoo.loading import generator_from_file

pytestmark = pytest.mark.slow
LABELS = [1, 2]


def command(out: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "zoo", "train", "fashion-mnist", "--labels", "1,2", "--budget", "1s",
            "--checkpoint-every", "0.05s", "--preset", "tiny", "--batch-size", "16", "--out", str(out),
            "--no-progress", "--warm-start", "0", *extra]


def temporaries(folder: Path, target: str) -> list[Path]:
    return list(folder.glob(f".tmp-{target}-*")) if folder.is_dir() else []


# point@n -> where its half temporary must be, and what must be (in)visible after the kill
CASES = {
    # ~0.12 s into label 1 (12 ms a step idle): past its first checkpoint (0.05 s), and reached within the 1 s
    # budget even at 8x slower steps (beside another test on a busy core)
    "train-step@10": lambda out: (None, []),
    "label-saved@1": lambda out: (None, [1]),  # label 1's file saved, its last checkpoint not yet removed
    "checkpoint-write@3": lambda out: ((run_dir(out, "fashion-mnist", 1), "checkpoint.pt"), []),
    "generator-write@2": lambda out: ((out / "fashion-mnist", "label-00002.safetensors"), [1]),
    "extra-write@1": lambda out: ((extras_dir(out, "fashion-mnist"), "warm-start-*.safetensors"), []),
    "index-write@1": lambda out: ((out, "index.json"), LABELS),
}


@pytest.mark.parametrize("point", CASES)
def test_a_kill_at_a_named_point_loses_nothing_and_the_rerun_resumes(point: str, tmp_path: Path) -> None:
    out, fault_log = tmp_path / "reg", tmp_path / "faults.log"
    extra = ("--warm-start", "0.2") if point.startswith("extra-write") else ()
    env = {**os.environ, faults.ENV: point, faults.ENV_LOG: str(fault_log)}
    killed = subprocess.run(command(out, *extra), env=env, capture_output=True, text=True, timeout=300)
    assert killed.returncode == -9, killed.stderr[-2000:]
    (line,) = fault_log.read_text().splitlines()  # reached exactly once, and that is where it died
    assert line.split()[0] == point
    half, visible = CASES[point](out)
    if half is not None:
        assert temporaries(*half), f"no half temporary {half[1]} in {half[0]}: the kill missed the write"
    else:
        assert (run_dir(out, "fashion-mnist", 1) / "checkpoint.pt").is_file()  # something to resume from
    files = all_generator_files(out / "fashion-mnist") if (out / "fashion-mnist").is_dir() else {}
    assert sorted(files) == visible  # whole files only: a half one is never under its real name
    assert verify(LocalRegistry.create(out), load_check=generator_from_file).ok

    rerun = subprocess.run(command(out, *extra), capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    if point.startswith(("train-step", "checkpoint-write", "generator-write")):
        assert "resumed at step" in rerun.stdout, rerun.stdout
    reg = LocalRegistry(out)
    assert reg.labels("fashion-mnist") == LABELS and verify(reg, load_check=generator_from_file).ok
    assert not list(out.rglob(".tmp-*")) and not list(out.rglob("*.held"))  # the rerun cleared the half files
    assert not list(out.rglob(CHECKPOINT))  # and a finished label's leftover checkpoint
