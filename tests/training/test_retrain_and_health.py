"""Per-label health: `zoo eval` names labels far below the others, and `zoo train --retrain` replaces just
those generators, atomically, never silently and never under another process's feet."""
from __future__ import annotations

import fcntl

from click.testing import CliRunner

from registry import LocalRegistry
from registry.layout import run_dir
from training.metrics.evaluate import weak_labels
from zoo.cli import main


def test_weak_labels_are_the_ones_far_below_the_median():
    scores = {str(k): {"class_consistency_x": c, "recall_x": r}
              for k, (c, r) in enumerate([(0.9, 0.5), (0.88, 0.45), (0.3, 0.5), (0.92, 0.1), (0.85, 0.48)])}
    weak = weak_labels(scores, "_x")
    assert list(weak) == [2, 3]
    assert weak[2] == ("class_consistency 0.30 vs median 0.88",) and weak[3] == ("recall 0.10 vs median 0.48",)
    assert weak_labels({"0": {"recall_x": 0.0}, "1": {"recall_x": 0.5}}, "_x") == {}  # too few to compare


def train(out, *extra):
    return CliRunner().invoke(main, ["train", "fashion-mnist", "--labels", "4", "--preset", "tiny", "--batch-size",
                                     "8", "--out", str(out), *extra])


def test_retrain_replaces_only_when_asked_and_keeps_the_old_record(tmp_path):
    out = tmp_path / "zoo"
    assert train(out, "--max-steps", "1").exit_code == 0
    reg = LocalRegistry(out)
    before = reg.read_generator("fashion-mnist", 4)
    res = train(out, "--max-steps", "1")
    assert "skipped" in res.output and reg.read_generator("fashion-mnist", 4).sha256 == before.sha256
    res = train(out, "--max-steps", "2")  # another job: refused, never silently skipped
    assert res.exit_code == 2 and "label 4 finished under another job (config.max_steps: 1 -> 2)" in res.output
    assert reg.read_generator("fashion-mnist", 4).sha256 == before.sha256
    res = train(out, "--max-steps", "2", "--retrain")
    assert res.exit_code == 0 and "trained" in res.output
    after = reg.read_generator("fashion-mnist", 4)
    assert after.sha256 != before.sha256 and after.meta.steps == 2 and before.meta.steps == 1
    assert len(list(run_dir(out, "fashion-mnist", 4).glob("stats-replaced-*.jsonl"))) == 1


def test_retrain_of_a_label_busy_elsewhere_says_so_and_leaves_the_file(tmp_path):
    out = tmp_path / "zoo"
    assert train(out, "--max-steps", "1").exit_code == 0
    before = LocalRegistry(out).read_generator("fashion-mnist", 4).sha256
    with open(run_dir(out, "fashion-mnist", 4) / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # another process is training it
        res = train(out, "--max-steps", "2", "--retrain")
    assert res.exit_code == 0 and "busy" in res.output and "left in place" in res.output
    assert LocalRegistry(out).read_generator("fashion-mnist", 4).sha256 == before


def test_a_busy_label_without_a_file_does_not_claim_one(tmp_path):
    out = tmp_path / "zoo"
    folder = run_dir(out, "fashion-mnist", 4)
    folder.mkdir(parents=True)
    with open(folder / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)  # another process is training it, nothing written yet
        res = train(out, "--max-steps", "1")
    assert res.exit_code == 0 and "busy" in res.output and "(another process is training it)" in res.output
    assert "left in place" not in res.output and not LocalRegistry(out).has("fashion-mnist", 4)
