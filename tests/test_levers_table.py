"""bench/levers_table.py: the lever table merges the seeds of one variant, budget and CPU, and never sweeps of
different CPUs (bf16 on one, fp32 on another buy different step counts for the same core-seconds)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "bench"))

from levers_table import table  # noqa: E402


def _sweep(folder: Path, name: str, cpu: str, seed: int, fid: float, steps: int) -> None:
    row = {"variant": "critic layer norm", "steps": [steps] * 2, "overall": {
        "intra_fid_fmnistnet": fid, "precision_fmnistnet": 0.8, "recall_fmnistnet": 0.5,
        "class_consistency_fmnistnet": 0.9}}
    (folder / f"{name}.json").write_text(json.dumps({"labels": [0, 1], "budget_per_label_s": 30.0, "seed": seed,
                                                     "cpu": cpu, "rows": [row]}))


def test_seeds_of_one_cpu_share_a_row_and_other_cpus_get_their_own(tmp_path):
    _sweep(tmp_path, "levers-precision-layer", "Intel(R) Xeon(R) Processor", 0, 1.25, 900)
    _sweep(tmp_path, "levers-precision-seed1-layer", "Intel(R) Xeon(R) Processor", 1, 1.75, 950)
    _sweep(tmp_path, "levers-precision", "AMD EPYC", 0, 6.5, 300)
    rows = [line for line in table(tmp_path).splitlines() if line.startswith("| per-label defaults + critic")]
    assert rows == ["| per-label defaults + critic layer norm | all | AMD EPYC, fp32 | 60 | 300 | 6.50 |  | 6.50 | 0.800 | "
                    "0.500 | 0.900 |",
                    "| per-label defaults + critic layer norm | all | Intel Xeon, bf16 | 60 | 900 | 1.25 | 1.75 | 1.50 | "
                    "0.800 | 0.500 | 0.900 |"]



def test_one_cpu_name_in_bf16_and_in_fp32_gets_two_rows(tmp_path):
    """An AVX512-BF16 EPYC buys several times an AVX2 EPYC's steps: the sweep's recorded arithmetic keeps them apart."""
    _sweep(tmp_path, "levers-precision", "AMD EPYC", 0, 6.5, 300)  # recorded no arithmetic: the AVX2 EPYCs' fp32
    _sweep(tmp_path, "levers-precision-seed1-bf16", "AMD EPYC", 1, 2.5, 1100)
    data = json.loads((tmp_path / "levers-precision-seed1-bf16.json").read_text())
    (tmp_path / "levers-precision-seed1-bf16.json").write_text(json.dumps({**data, "bf16": True}))
    rows = [line for line in table(tmp_path).splitlines() if line.startswith("| per-label defaults + critic")]
    assert rows == ["| per-label defaults + critic layer norm | all | AMD EPYC, bf16 | 60 | 1,100 |  | 2.50 | 2.50 | "
                    "0.800 | 0.500 | 0.900 |",
                    "| per-label defaults + critic layer norm | all | AMD EPYC, fp32 | 60 | 300 | 6.50 |  | 6.50 | 0.800 | "
                    "0.500 | 0.900 |"]


def test_a_variant_run_again_with_the_same_seed_keeps_both_runs(tmp_path):
    """The defaults run beside every lever of a sweep: a later sweep's run must not replace an earlier one."""
    _sweep(tmp_path, "levers-precision-layer", "Intel(R) Xeon(R) Processor", 0, 1.25, 900)
    _sweep(tmp_path, "levers-precision-resnet", "Intel(R) Xeon(R) Processor", 0, 2.25, 800)
    rows = [line for line in table(tmp_path).splitlines() if line.startswith("| per-label defaults + critic")]
    assert rows == ["| per-label defaults + critic layer norm | all | Intel Xeon, bf16 | 60 | 900 | 1.25 / 2.25 |  | 1.75 | "
                    "0.800 | 0.500 | 0.900 |"]


def test_a_reference_arm_run_beside_the_levers_keeps_its_own_name(tmp_path):
    """The per-label DC-GAN run beside the levers is the target they are measured against, not a lever."""
    _sweep(tmp_path, "levers-precision-target", "Intel(R) Xeon(R) Processor", 0, 1.25, 900)
    data = json.loads((tmp_path / "levers-precision-target.json").read_text())
    data["rows"][0]["variant"] = "per-label DC-GAN lr 2e-4, batch 32, warm start 0.2"
    (tmp_path / "levers-precision-target.json").write_text(json.dumps(data))
    (row,) = [line for line in table(tmp_path).splitlines() if "DC-GAN" in line]
    assert row.startswith("| per-label DC-GAN lr 2e-4, batch 32, warm start 0.2 | all | Intel Xeon, bf16 | 60 | 900 |")


def _rename(folder: Path, name: str, variant: str, config: dict | None = None) -> None:
    data = json.loads((folder / f"{name}.json").read_text())
    data["rows"][0]["variant"] = variant
    if config is not None:
        data["rows"][0]["config"] = config
    (folder / f"{name}.json").write_text(json.dumps(data))


def test_the_default_recipe_row_is_named_by_the_config_it_recorded(tmp_path):
    """Once the defaults move, a sweep's 'default recipe' is another recipe: its row says which one it trained."""
    _sweep(tmp_path, "levers-precision-old", "Intel(R) Xeon(R) Processor", 0, 1.25, 900)
    _rename(tmp_path, "levers-precision-old", "default recipe")  # recorded no config: the sweeps' old defaults
    _sweep(tmp_path, "levers-precision-new", "Intel(R) Xeon(R) Processor", 0, 1.0, 1200)
    _rename(tmp_path, "levers-precision-new", "default recipe", {"lr": 3e-4, "batch_size": 32, "n_critic": 1,
                                                                 "gp_every": 4, "warm_start": 0.2, "seed": 0})
    names = [line.split(" | ")[0][2:] for line in table(tmp_path).splitlines() if "defaults of" in line]
    sweep = "per-label defaults of the precision sweep (lr 3e-4, batch 32, n_critic {}, gp every 4, warm start 0.2)"
    assert names == [sweep.format(1), sweep.format(2)]


def test_a_conditional_arm_beside_the_levers_is_not_a_lever_of_the_per_label_defaults(tmp_path):
    _sweep(tmp_path, "levers-precision-cond", "Intel(R) Xeon(R) Processor", 0, 1.25, 900)
    _rename(tmp_path, "levers-precision-cond", "conditional WGAN-GP tuned, n_critic 1")
    assert "| conditional WGAN-GP tuned, n_critic 1 | all | Intel Xeon, bf16 |" in table(tmp_path)


def test_a_lever_run_over_other_defaults_gets_its_own_row_named_by_them(tmp_path):
    """'no start' over the defaults with n_critic 2, and later over n_critic 1: two levers, never one pooled row."""
    before = {"lr": 3e-4, "batch_size": 32, "n_critic": 2, "gp_every": 4, "warm_start": 0.0}
    for name, n_critic, fid in (("levers-precision-nostart", 2, 4.0), ("levers-precision-nostart-new", 1, 3.5)):
        _sweep(tmp_path, name, "Intel(R) Xeon(R) Processor", 0, fid, 900)
        _rename(tmp_path, name, "no start", {**before, "n_critic": n_critic})
        data = json.loads((tmp_path / f"{name}.json").read_text())
        data["rows"][0]["recipe"] = {"warm_start": 0.0}  # the lever's own field: never named as a moved default
        (tmp_path / f"{name}.json").write_text(json.dumps(data))
    names = [line.split(" | ")[0][2:] for line in table(tmp_path).splitlines() if "no start" in line]
    assert names == ["per-label defaults (n_critic 1) + no start", "per-label defaults + no start"]


def test_defaults_with_layer_norm_in_the_critic_get_their_own_rows(tmp_path):
    """The critic's norm joined the defaults: a sweep before it (recorded 'auto', WGAN-GP's none) and one after it
    (layer) are other recipes, for the defaults' row and for a lever over them."""
    day = {"lr": 3e-4, "batch_size": 32, "n_critic": 1, "gp_every": 4, "warm_start": 0.2, "seed": 0}
    for name, norm, fid in (("levers-precision-a", "auto", 1.2), ("levers-precision-b", "layer", 1.0)):
        for variant in ("default recipe", "EMA decay 0.99"):
            _sweep(tmp_path, f"{name}-{variant[:3]}", "Intel(R) Xeon(R) Processor", 0, fid, 900)
            _rename(tmp_path, f"{name}-{variant[:3]}", variant, {**day, "critic_norm": norm})
    rows = [line.split(" | ")[0][2:] for line in table(tmp_path).splitlines() if " | all | " in line]
    sweep = "per-label defaults of the precision sweep (lr 3e-4, batch 32, n_critic 1, gp every 4, warm start 0.2{})"
    assert sorted(rows) == sorted([sweep.format(""), sweep.format(", critic layer norm"),
                                   "per-label defaults (n_critic 1) + EMA decay 0.99",
                                   "per-label defaults (n_critic 1, critic_norm layer) + EMA decay 0.99"])


def test_a_moved_learning_rate_is_written_as_the_docs_write_it(tmp_path):
    """The default rate moved past 3e-4: the defaults' row and a lever over them name it 2e-3, and a rate between
    steps of ten (1.5e-3) is not rounded into another (2e-3)."""
    day = {"lr": 2e-3, "batch_size": 32, "n_critic": 1, "gp_every": 4, "warm_start": 0.2, "seed": 0}
    for name, variant, lr in (("levers-precision-x", "default recipe", 2e-3), ("levers-precision-y", "default recipe",
                                                                             1.5e-3), ("levers-precision-z", "latent 64", 2e-3)):
        _sweep(tmp_path, name, "Intel(R) Xeon(R) Processor", 0, 1.0, 900)
        _rename(tmp_path, name, variant, {**day, "lr": lr})
    rows = sorted(line.split(" | ")[0][2:] for line in table(tmp_path).splitlines() if " | all | " in line)
    sweep = "per-label defaults of the precision sweep (lr {}, batch 32, n_critic 1, gp every 4, warm start 0.2)"
    assert rows == sorted([sweep.format("1.5e-3"), sweep.format("2e-3"),
                           "per-label defaults (lr 2e-3, n_critic 1) + latent 64"])


def test_conditional_critics_before_the_projection_fix_are_never_pooled_with_those_after(tmp_path):
    for name, seed, after in (("levers-precision-old", 0, False), ("levers-precision-new", 0, True)):
        _sweep(tmp_path, name, "AMD EPYC", seed, 2.0 if after else 3.0, 300)
        path = tmp_path / f"{name}.json"
        data = json.loads(path.read_text())
        data["rows"][0].update(variant="shared conditional start", config={"warm_start_kind": "conditional"})
        if after:
            data["projection_init"] = "glorot"
        path.write_text(json.dumps(data))
    text = table(tmp_path)
    assert "| per-label defaults + shared conditional start | all | AMD EPYC, fp32 | 60 | 300 | 2.00 |" in text
    assert ("| per-label defaults + shared conditional start [projection N(0, 1), before the fix] | all | AMD EPYC, "
            "fp32 | 60 | 300 | 3.00 |") in text
