"""One job identity: which settings shape a generator, what a checkpoint carries, and what a re-run into a
registry that holds the labels under another job does (refused with every difference; --retrain replaces;
a checkpoint of another job is moved aside, never resumed)."""
from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner

from registry import LocalRegistry, faults
from registry.layout import CHECKPOINT, RUN_CONFIG, RUN_STATS, extras_dir, run_dir
from training.checkpoint import load_checkpoint, save_checkpoint
from training.config import TrainConfig
from training.errors import InvalidTrainConfig
from training.job import TrainJob
from training.speed import cpu_name, use_bf16
from zoo.cli import main

CPU = torch.device("cpu")


def job(**config) -> TrainJob:
    return TrainJob("digits", (0, 1), "/reg", TrainConfig(**config))


@pytest.mark.parametrize("field, value", [("tick_s", 0.3), ("checkpoint_s", 7.0), ("channels_last", False),
                                          ("compile", True), ("fused_adam", False)])
def test_settings_that_do_not_shape_weights_change_no_key(field, value):
    a, b = job(), job(**{field: value})
    assert a.differences(b) == [] and a.start_key() == b.start_key() and a.identity(0) == b.identity(0)
    moved = dataclasses.replace(a, registry="/elsewhere", device="cpu", retrain=True, labels=(0, 1))
    assert moved.start_key() == a.start_key()


@pytest.mark.parametrize("field, value", [("lr", 1e-4), ("budget_s", 60.0), ("precision", "bf16"), ("seed", 3),
                                          ("warm_start", 0.0), ("latent_dim", 64)])
def test_settings_that_shape_weights_change_the_identity(field, value):
    a, b = job(), job(**{field: value})
    (diff,) = a.differences(b)
    assert diff.startswith(f"config.{field}: ") and a.start_key() != b.start_key() and a.identity(0) != b.identity(0)


def test_a_setting_added_since_keeps_earlier_identities_at_the_value_that_does_what_they_did():
    """--truncation came after job files of format 2: at "none" (what every earlier run did) a job's identity,
    start key and file read back are what they were before it existed; "auto" is a difference like any other."""
    a, b = job(), job(truncation="auto")
    assert "config.truncation" not in a.shaping()
    assert a.differences(b) == ["config.truncation: <none> -> 'auto'"] and a.start_key() != b.start_key()
    before = a.to_json()
    del before["config"]["truncation"]  # a job file written before the setting existed
    assert TrainJob.from_json(before) == a


def test_a_label_fine_tuned_from_a_shared_start_depends_on_every_label_of_the_job():
    with_start, alone = job(), job(warm_start=0.0)
    assert with_start.identity(0)["trained_on"] == [0, 1] and alone.identity(0)["trained_on"] == [0]
    assert dataclasses.replace(alone, labels=(0, 5)).identity(0) == alone.identity(0)  # its own images only
    assert dataclasses.replace(with_start, labels=(0, 5)).identity(0) != with_start.identity(0)


def test_a_job_file_of_an_older_format_says_what_it_lacks(tmp_path):
    old = job().to_json()
    del old["format"], old["max_images"], old["config"]["gp_every"]
    path = tmp_path / "job-old.json"
    path.write_text(json.dumps(old))
    with pytest.raises(InvalidTrainConfig, match=r"older format \(format 1.*lacks max_images, config.gp_every"):
        TrainJob.load(path)
    assert TrainJob.from_json(job().to_json()) == job()


def test_only_a_checkpoint_of_the_same_identity_is_resumed_and_any_other_is_kept_aside(tmp_path):
    path, state = tmp_path / CHECKPOINT, {"step": 7, "w": torch.arange(3.0)}
    save_checkpoint(path, state, job().identity(0))
    resumed = load_checkpoint(path, device=CPU, identity=job(tick_s=1.0).identity(0))  # not shaping: resumed
    assert resumed["step"] == 7 and torch.equal(resumed["w"], state["w"]) and path.is_file()
    for other in (job(lr=1e-4).identity(0), job().identity(1)):
        save_checkpoint(path, state, job().identity(0))
        before = path.read_bytes()
        assert load_checkpoint(path, device=CPU, identity=other) is None
        assert not path.exists() and before in [p.read_bytes() for p in tmp_path.glob("checkpoint-set-aside-*.pt")]
    torch.save(state, path)  # an older version's checkpoint: no identity inside
    assert load_checkpoint(path, device=CPU, identity=job().identity(0)) is None and not path.exists()
    path.write_bytes(b"not a checkpoint")
    assert load_checkpoint(path, device=CPU, identity=job().identity(0)) is None and not path.exists()
    assert len(list(tmp_path.glob("checkpoint-set-aside-*.pt"))) == 4  # every one kept, none deleted


def zoo_train(out: Path, *extra: str, fault: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, **({faults.ENV: fault} if fault else {})}
    cmd = [sys.executable, "-m", "zoo", "train", "digits", "--labels", "0", "--warm-start", "0", "--budget", "60s",
           "--max-steps", "40", "--preset", "tiny", "--batch-size", "16", "--out", str(out), "--no-progress", *extra]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)


@pytest.mark.slow
def test_resume_never_mixes_recipes(tmp_path):
    """The issue's scenario: killed after checkpoints; the same label under --lr 1e-4 is refused (one line, exit
    2, nothing touched); with --retrain it moves the old checkpoint aside and is killed before its own first one;
    the --lr 1e-4 command again starts afresh, and its file holds only that config's training."""
    out = tmp_path / "reg"
    first = zoo_train(out, "--checkpoint-every", "0.01s", fault="train-step@25")
    folder = run_dir(out, "digits", 0)
    assert first.returncode == -9 and (folder / CHECKPOINT).is_file(), first.stderr
    old_checkpoint = (folder / CHECKPOINT).read_bytes()

    refused = zoo_train(out, "--lr", "1e-4")
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1, refused.stderr
    assert "label 0 unfinished under another job (config.lr: 0.001 -> 0.0001)" in refused.stderr
    assert "--retrain" in refused.stderr and (folder / CHECKPOINT).read_bytes() == old_checkpoint

    replaced = zoo_train(out, "--lr", "1e-4", "--retrain", fault="train-step@2")  # before its first checkpoint
    assert replaced.returncode == -9 and "is not resumed: it was made by another job" in replaced.stderr
    (aside,) = folder.glob("checkpoint-set-aside-*.pt")
    assert aside.read_bytes() == old_checkpoint and not (folder / CHECKPOINT).exists()

    third = zoo_train(out, "--lr", "1e-4")
    assert third.returncode == 0 and "resumed at step" not in third.stdout + third.stderr, third.stderr
    assert aside.is_file()  # kept
    fresh = zoo_train(tmp_path / "fresh", "--lr", "1e-4")  # the same command into an empty registry
    got, want = (LocalRegistry(r).read_generator("digits", 0) for r in (out, tmp_path / "fresh"))
    assert got.meta.steps == 40 and all(torch.equal(got.tensors[k], want.tensors[k]) for k in want.tensors)
    assert fresh.returncode == 0
    record = json.loads((folder / RUN_CONFIG).read_text())
    assert record["identity"]["config.lr"] == 1e-4 and record["job"]["config"]["lr"] == 1e-4
    # which arithmetic it trained in, as this CPU resolved the default "auto" (a figure's bf16 or fp32)
    assert record["arithmetic"] == ("bf16" if use_bf16("auto", torch.device("cpu")) else "fp32")
    assert record["cpu"] == cpu_name()
    steps = [json.loads(line)["step"] for line in (folder / RUN_STATS).read_text().splitlines()]
    assert steps == sorted(steps) and steps[-1] == 40  # one run's stats; the others' were kept apart


@pytest.mark.slow
def test_a_finished_job_reruns_without_a_start_or_a_worker_and_a_changed_one_is_refused(tmp_path):
    out = tmp_path / "reg"
    cmd = [sys.executable, "-m", "zoo", "train", "digits", "--labels", "0-1", "--budget", "2s", "--workers", "2",
           "--preset", "tiny", "--batch-size", "16", "--out", str(out), "--no-progress"]
    assert subprocess.run(cmd, capture_output=True, text=True, timeout=300).returncode == 0
    starts = sorted(p.name for p in extras_dir(out, "digits").iterdir())
    again = subprocess.run(cmd, capture_output=True, text=True, timeout=300,
                           env={**os.environ, "WCGAN_ZOO_FAULT": "train-step@1"})  # a step anywhere would kill it
    assert again.returncode == 0 and again.stdout.count("skipped") == 2, again.stderr
    changed = subprocess.run([*cmd[:-1], "--lr", "1e-4", "--no-progress"], capture_output=True, text=True, timeout=300)
    assert changed.returncode == 2 and "labels 0,1 finished under another job (config.lr: 0.001 -> 0.0001)" \
        in changed.stderr
    assert sorted(p.name for p in extras_dir(out, "digits").iterdir()) == starts  # no start trained for nothing


def test_job_options_beside_a_job_file_are_refused_in_one_line(tmp_path):
    path = job().save(tmp_path)
    res = CliRunner().invoke(main, ["train", "--job", str(path), "--labels", "5", "--out", str(tmp_path / "o"),
                                    "--lr", "0.1"])
    assert res.exit_code == 2 and res.stderr.count("\n") == 1
    assert "--labels" in res.stderr and "--out" in res.stderr and "--lr" in res.stderr


def test_an_unknown_fault_point_is_an_error_naming_the_valid_ones(monkeypatch):
    with pytest.raises(ValueError, match="expected one of train-step, label-saved, checkpoint-write"):
        faults.reached("train-stp")
    monkeypatch.setenv(faults.ENV, "checkpoint-wirte@2")
    with pytest.raises(ValueError, match="point one of train-step"):
        faults.reached("train-step")
