"""bench/compare_levers.py: docs/compare.* assembled from the lever runs that measured the factorial, each arm at each
budget and seed from the one run named for it, with the whole config it trained with. Reads the real runs in docs/."""
from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from training.config import TrainConfig

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

from compare_levers import ARMS, SOURCES, from_levers, source_path  # noqa: E402
from compare_report import paper_claim, write_report  # noqa: E402
from levers import PRECISION  # noqa: E402

AFTER_THE_FIX = ("glorot", "cs-ncritic", "dc-cond", "cond-rate")  # the runs after the conditional critic's init was fixed


def test_every_arm_of_the_factorial_comes_from_the_run_named_for_it_with_its_whole_config(tmp_path):
    assert set(ARMS) <= set(PRECISION)  # the names of the --precision runs
    result = from_levers(REPO / "docs")
    runs = result["runs"]
    assert {r["method"] for r in runs} == set(ARMS.values())
    per_label = {m for m in ARMS.values() if m.startswith("per-label")}
    for budget in (12.0, 60.0):  # two seeds of every arm at 120 and 600 core-seconds
        assert {(r["method"], r["seed"]) for r in runs if r["budget_per_label_s"] == budget} == {
            (m, s) for m in ARMS.values() for s in (0, 1)}
    assert {r["method"] for r in runs if r["budget_per_label_s"] == 240.0} == {
        "per-label WGAN-GP, shared start (the default)", "per-label DC-GAN, shared start",
        "conditional WGAN-GP, lr 1e-3", "conditional WGAN-GP, tuned (lr 2e-4, n_critic 2)"}
    for r in runs:
        sweep = json.loads(source_path(REPO / "docs", r["run"]).read_text())
        row = next(row for row in sweep["rows"] if ARMS.get(row["variant"]) == r["method"])
        assert r["overall"] == row["overall"] and r["steps"] == row["steps"] and r["seed"] == sweep["seed"]
        assert set(r["recipe"]) == set(TrainConfig().to_json())  # the whole config
        assert TrainConfig.from_json(r["recipe"]) == TrainConfig.from_json(row["config"])
        cfg = r["recipe"]
        assert cfg["loss"] == ("dcgan" if "DC-GAN" in r["method"] else "wgan-gp")
        assert cfg["lr"] == (2e-4 if "lr 2e-4" in r["method"] else 1e-3)  # every per-label arm at one rate
        if r["method"] in per_label:
            assert cfg["warm_start"] == (0.0 if "no start" in r["method"] else 0.2)
            assert (cfg["warm_start_kind"] == "conditional") == ("conditional start" in r["method"])
        if "conditional" in r["method"]:  # a conditional critic: only from after the fix to its init
            assert any(tag in r["run"] for tag in AFTER_THE_FIX), r["run"]

    write_report(result, {}, tmp_path)
    md = (tmp_path / "compare.md").read_text()
    assert "`bench/compare_levers.py`" in md and "| run |" in md
    assert "| per-label DC-GAN, shared start | 240 s | 2400 | 1 | core-seconds | 9,046 |" in md
    assert md.count(" | seed1-glorot-2400 |") == 3
    assert (tmp_path / "compare.png").stat().st_size > 10_000
    claims = [line for line in md.splitlines() if line.startswith("- The paper's claim at ")]
    assert len(claims) == 5  # no start and best start at 120 and 600; best start at 2,400 (no bare arms there)
    bare = {r["method"]: [x["overall"]["intra_fid_fmnistnet"] for x in runs if x["method"] == r["method"]
                          and x["core_seconds"] == 600] for r in runs if "no start" in r["method"]}
    wgan, dcgan = bare["per-label WGAN-GP, no start"], bare["per-label DC-GAN, no start (the paper's setting)"]
    verdict = "DC-GAN ahead" if max(dcgan) < min(wgan) else "WGAN-GP ahead" if max(wgan) < min(dcgan) else "level"
    assert (f"- The paper's claim at 600 core-s, with no start for either (the paper's setting), WGAN-GP vs DC-GAN: "
            f"intra_fid {wgan[0]:.3f} / {wgan[1]:.3f} vs {dcgan[0]:.3f} / {dcgan[1]:.3f} ({verdict});") in md


def _arm(method: str, base: str, seed: int, fid: float, recall: float) -> dict:
    return {"method": method, "base": base, "seed": seed, "core_seconds": 600.0, "framing": "core-seconds",
            "overall": {"intra_fid_fmnistnet": fid, "precision_fmnistnet": 0.8, "recall_fmnistnet": recall,
                        "class_consistency_fmnistnet": 0.9}}


def test_the_claim_is_ahead_only_where_every_seed_of_one_beats_every_seed_of_the_other():
    runs = [_arm("per-label WGAN-GP, no start", "per-label WGAN-GP", 0, 0.50, 0.60),
            _arm("per-label WGAN-GP, no start", "per-label WGAN-GP", 1, 0.70, 0.62),
            _arm("per-label DC-GAN, no start", "per-label DC-GAN", 0, 0.60, 0.50),
            _arm("per-label DC-GAN, no start", "per-label DC-GAN", 1, 0.80, 0.55)]
    lines = paper_claim({"factorial": True, "runs": runs})
    bare, best = (line for line in lines if line.startswith("- "))
    assert "intra_fid 0.500 / 0.700 vs 0.600 / 0.800 (level)" in bare  # the seeds overlap: not a finding
    assert "recall 0.600 / 0.620 vs 0.500 / 0.550 (WGAN-GP ahead)" in bare and "precision" in bare
    assert "each with its best start (the WGAN-GP's: no start; the DC-GAN's: no start)" in best
    one = paper_claim({"factorial": True, "runs": runs[::2]})
    assert "intra_fid 0.500 vs 0.600 (WGAN-GP ahead, one seed)" in one[3]
    assert paper_claim({"factorial": False, "runs": runs}) == [] and paper_claim({"factorial": True, "runs": runs[:2]}) == []


def test_a_missing_run_or_arm_and_an_arm_given_twice_are_refused(tmp_path):
    tag, variants = SOURCES[0]
    with pytest.raises(SystemExit, match=f"levers-precision-{tag}-bf16i.json: not found"):
        from_levers(tmp_path, SOURCES[:1])
    shutil.copy(source_path(REPO / "docs", tag), source_path(tmp_path, tag))
    with pytest.raises(SystemExit, match="no arm 'shared conditional start, the start n_critic 2'; it has: default "):
        from_levers(tmp_path, ((tag, variants + ("shared conditional start, the start n_critic 2",)),))
    with pytest.raises(SystemExit, match=f"per-label WGAN-GP, no start at 12 s, seed 0 is in both {tag} and {tag}"):
        from_levers(tmp_path, (SOURCES[0], SOURCES[0]))
    other = json.loads(source_path(tmp_path, tag).read_text())
    source_path(tmp_path, "elsewhere").write_text(json.dumps({**other, "cpu": "another machine"}))
    with pytest.raises(SystemExit, match="differs from .* in cpu"):
        from_levers(tmp_path, (SOURCES[0], ("elsewhere", ("no start",))))
