"""bench/independent.py: a levers run's registries scored again in Inception features and by CAS, each after the
provenance check, in row order, with the run's own figures beside them. The registries hold real (untrained, tiny)
generators; the Inception network is the one `make test` installs."""
from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest
from conftest import together

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

from independent import main  # noqa: E402

pytestmark = [pytest.mark.slow, together("test_inception")]


def _run(tmp_path: Path, registries: dict[str, Path | None]) -> Path:
    rows = [{"variant": name, "base": "per-label WGAN-GP", "overall": {"intra_fid_fmnistnet": 1.5 + i},
             **({"registry": str(root)} if root else {})} for i, (name, root) in enumerate(registries.items())]
    path = tmp_path / "levers-precision-x.json"
    path.write_text(json.dumps({"labels": [0, 7], "budget_per_label_s": 6.0, "seed": 0, "cpu": "a CPU", "bf16": False,
                                "rows": rows}))
    return path


def test_every_arm_is_scored_again_after_its_provenance_check(make_registry, tmp_path):
    a, b = make_registry(seed=0), make_registry(seed=5)
    run = _run(tmp_path, {"arm a": a.root, "arm b": b.root})
    result = main([str(run), "--n", "4", "--real-n", "4", "--cas-n", "10", "--out", str(tmp_path / "out")])
    first, second = result["rows"]
    assert [first["variant"], second["variant"]] == ["arm a", "arm b"]
    for row in result["rows"]:
        assert row["provenance_checks"] == 2 * 3  # two labels, three seeds: samples come from the files written
        assert math.isfinite(row["overall"]["intra_fid_inception"]) and row["overall"]["intra_fid_inception"] > 0
        assert 0 <= row["cas"]["overall"]["cas"] <= 1
        assert len(row["per_label"]["intra_fid_inception"]) == 2
    assert first["overall"]["intra_fid_inception"] != second["overall"]["intra_fid_inception"]  # other weights
    assert "class_consistency_inception" not in first["overall"]  # no classification head: never made up
    text = (tmp_path / "out" / "independent-levers-precision-x.md").read_text()
    assert "| arm b |" in text and " of 2 labels |" in text and "| 1.500 |" in text  # the run's own figure beside
    header, rule = [line for line in text.splitlines() if line.startswith("|")][:2]
    assert header.count("|") == rule.count("|")  # a table every Markdown renderer draws


def test_a_run_that_kept_no_registries_is_refused_by_name(make_registry, tmp_path):
    run = _run(tmp_path, {"kept": make_registry().root, "not kept": None})
    with pytest.raises(SystemExit, match="not kept"):
        main([str(run), "--out", str(tmp_path / "out")])


def test_too_few_images_are_refused_before_any_work(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main([str(tmp_path / "never-read.json"), "--cas-n", "0"])
    assert "expected at least 4 images per label" in capsys.readouterr().err
