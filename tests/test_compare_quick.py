"""`bench/compare.py --quick --factorial`: the whole comparison pipeline (train every arm, prove provenance, score,
report) on 2 labels with half-second budgets. The numbers mean nothing at this size; the pipeline is the test."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from training.config import TrainConfig

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]


def test_the_quick_comparison_trains_checks_provenance_and_reports_every_method(tmp_path):
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    res = subprocess.run([sys.executable, str(REPO / "bench" / "compare.py"), "--quick", "--factorial", "--seeds", "1",
                          "--out", str(tmp_path)],
                         capture_output=True, text=True, timeout=600, env={**os.environ, "TMPDIR": str(scratch)})
    assert res.returncode == 0, res.stderr[-3000:]
    assert not list(scratch.glob("zoo-compare-*"))  # the trained registries are removed once scored
    result = json.loads((tmp_path / "compare.json").read_text())
    assert result["real_n"] == 100  # --quick scores against 100 real images per label and split
    runs = result["runs"]
    arms = {f"per-label {loss}, {start}" for loss in ("WGAN-GP", "DC-GAN")
            for start in ("no start", "shared start", "shared conditional start")}
    assert {r["method"] for r in runs} == arms | {"conditional WGAN-GP"}
    assert {(r["method"], r["seed"]) for r in runs if r["framing"] == "core-seconds"} == {
        (m, 0) for m in arms | {"conditional WGAN-GP"}}
    for r in runs:  # one lever changed: the start; every run records the whole config it trained with
        assert r["recipe"]["warm_start"] == (0.0 if r["method"].endswith("no start") or "conditional" in r["base"]
                                             else 0.2)
        assert (r["recipe"]["warm_start_kind"] == "conditional") == r["method"].endswith("conditional start")
        assert r["recipe"]["loss"] == ("dcgan" if "DC-GAN" in r["method"] else "wgan-gp")
        assert set(r["recipe"]) == set(TrainConfig().to_json())
    assert [r["method"] for r in runs if r["framing"] == "wall-clock"] == ["conditional WGAN-GP"]
    for r in runs:
        assert r["provenance_checks"] == 2 * 3  # every label at three seeds, before scoring
        assert r["core_seconds"] == 1.0 and min(r["steps"]) >= 1
        assert set(r["labels"]) == {"0", "1"} and r["overall"]["intra_fid_fmnistnet"] > 0
    md = (tmp_path / "compare.md").read_text()
    assert "| per-label DC-GAN, no start | 0.5 s | 1 |" in md and "Equal wall-clock on 2 workers" in md
    assert "with the start held equal" in md
    assert (tmp_path / "compare.png").stat().st_size > 10_000
    assert "Seeds side by side" not in md  # one seed: nothing to set side by side (a merge below adds a second)
    # CAS of every seed-0 core-seconds run, on the registry that was provenance-checked; real-data classifiers once
    for r in runs:
        if r["framing"] == "wall-clock":
            assert "cas" not in r
        else:
            assert r["cas"]["n"] == 20 and set(r["cas"]["labels"]) == {"0", "1"}
            assert 0.0 <= r["cas"]["overall"]["cas"] <= 1.0
    assert set(result["cas_baselines"]) == {"cas_real_same_n", "cas_real_all"}
    assert result["cas_baselines"]["cas_real_all"] > 0.8  # the bundled domain classifier on 2 labels
    assert "Classification Accuracy Score" in md and "| per-label DC-GAN, no start | 1 | 0 |" in md

    # Comparisons run in parts merge into one report; a run given again is taken from the later file, a run of
    # another seed joins it (the seed table: the mean, each seed's value beside it).
    later = json.loads(json.dumps(result))
    redone = next(r for r in later["runs"] if r["method"] == "per-label WGAN-GP, shared start" and r["seed"] == 0)
    redone["overall"]["intra_fid_fmnistnet"] = 123.0
    seed1 = {**json.loads(json.dumps(redone)), "seed": 1}
    seed1["overall"]["intra_fid_fmnistnet"] = 125.0
    later["runs"] = [redone, seed1]
    (tmp_path / "later.json").write_text(json.dumps(later))
    merged_dir = tmp_path / "merged"
    res = subprocess.run([sys.executable, str(REPO / "bench" / "compare_report.py"), str(merged_dir),
                          str(tmp_path / "compare.json"), str(tmp_path / "later.json")],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr[-3000:]
    merged = json.loads((merged_dir / "compare.json").read_text())
    assert len(merged["runs"]) == len(runs) + 1
    merged_md = (merged_dir / "compare.md").read_text()
    assert "Seeds side by side" in merged_md and "| 124.000 (123.000 / 125.000) |" in merged_md
    assert [r["overall"]["intra_fid_fmnistnet"] for r in merged["runs"]
            if r["method"] == redone["method"] and r["seed"] == 0 and r["framing"] == "core-seconds"] == [123.0]
    assert (merged_dir / "compare.png").stat().st_size > 10_000  # drawn from the figures alone
    later["cpu"] = "another machine"
    (tmp_path / "elsewhere.json").write_text(json.dumps(later))
    res = subprocess.run([sys.executable, str(REPO / "bench" / "compare_report.py"), str(tmp_path / "no"),
                          str(tmp_path / "compare.json"), str(tmp_path / "elsewhere.json")],
                         capture_output=True, text=True, timeout=300)
    assert res.returncode != 0 and "cannot merge comparisons that differ in cpu" in res.stderr
    assert not (tmp_path / "no").exists()
