"""The factorial at today's defaults (each per-label loss x {no start, shared start, shared conditional start},
beside the conditional model at two rates), assembled from the interleaved lever runs that measured it into one
comparison report: compare.json, compare.md and compare.png (bench/compare_report.py).

    python bench/compare_levers.py docs          # reads docs/levers-precision-*-bf16i.json, writes docs/compare.*

Every cell is one arm of one `bench/levers.py --precision` run, whose arms trained side by side with their labels
interleaved in one pool; each run in compare.json names the run it came from. The runs are one machine's (AMD EPYC
with AVX512-BF16), all at lr 1e-3 for every per-label arm. Conditional critics (the conditional model, the
conditional starts) come only from runs after the 2026-12-04 fix to their projection's initial scale."""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from compare_report import write_report  # noqa: E402
from registry.files import read_meta  # noqa: E402
from registry.index import all_generator_files  # noqa: E402
from training.config import TrainConfig  # noqa: E402

# lever variant (bench/levers.py VARIANTS) -> the factorial's arm
ARMS = {
    "no start": "per-label WGAN-GP, no start",
    "default recipe": "per-label WGAN-GP, shared start (the default)",
    "shared conditional start, the start n_critic 2": "per-label WGAN-GP, shared conditional start (the start at n_critic 2)",
    "per-label DC-GAN lr 1e-3, batch 32, no start": "per-label DC-GAN, no start (the paper's setting)",
    "per-label DC-GAN lr 1e-3, batch 32, warm start 0.2": "per-label DC-GAN, shared start",
    "per-label DC-GAN lr 1e-3, batch 32, shared conditional start": "per-label DC-GAN, shared conditional start",
    "conditional WGAN-GP tuned (lr 2e-4, n_critic 2)": "conditional WGAN-GP, tuned (lr 2e-4, n_critic 2)",
    "conditional WGAN-GP tuned, lr 1e-3": "conditional WGAN-GP, lr 1e-3",
}
UNCONDITIONAL = ("no start", "default recipe", "per-label DC-GAN lr 1e-3, batch 32, no start",
                 "per-label DC-GAN lr 1e-3, batch 32, warm start 0.2")
CONDITIONAL_MODELS = ("conditional WGAN-GP tuned (lr 2e-4, n_critic 2)", "conditional WGAN-GP tuned, lr 1e-3")
DCGAN_CONDITIONAL_START = ("per-label DC-GAN lr 1e-3, batch 32, shared conditional start",)
WGAN_CONDITIONAL_START = ("shared conditional start, the start n_critic 2",)

# (the run's tag, the arms taken from it): each arm at each budget and seed from exactly one run. The per-label arms
# with an unconditional start or none come from the factorial's own runs; the conditional ones from the runs after
# the fix (the "glorot" runs, and the conditional start at the start's n_critic 2).
SOURCES = (
    ("factorial-120", UNCONDITIONAL), ("seed1-factorial-120", UNCONDITIONAL),
    ("glorot-120", CONDITIONAL_MODELS + DCGAN_CONDITIONAL_START),
    ("seed1-glorot-120", CONDITIONAL_MODELS + DCGAN_CONDITIONAL_START),
    ("cs-ncritic-120", WGAN_CONDITIONAL_START), ("seed1-cs-ncritic-120", WGAN_CONDITIONAL_START),
    ("equal-lr-600", UNCONDITIONAL), ("seed1-equal-lr-600", UNCONDITIONAL),
    ("glorot-600", CONDITIONAL_MODELS + DCGAN_CONDITIONAL_START), ("seed1-glorot-600", CONDITIONAL_MODELS),
    ("seed1-dc-cond-600", DCGAN_CONDITIONAL_START),
    ("cs-ncritic-600", WGAN_CONDITIONAL_START), ("seed1-cs-ncritic-600", WGAN_CONDITIONAL_START),
    ("equal-lr-2400", ("default recipe", "per-label DC-GAN lr 1e-3, batch 32, warm start 0.2")),
    ("glorot-2400", ("conditional WGAN-GP tuned, lr 1e-3",)),
    ("cond-rate-2400", ("conditional WGAN-GP tuned (lr 2e-4, n_critic 2)",)),  # its 1e-3 arm: glorot-2400's seed 0
    ("seed1-glorot-2400", ("default recipe", "per-label DC-GAN lr 1e-3, batch 32, warm start 0.2",
                           "conditional WGAN-GP tuned, lr 1e-3")),
)
SAME = ("dataset", "labels", "n", "cpu", "bf16", "torch", "cores")


def source_path(docs: Path, tag: str) -> Path:
    return docs / f"levers-precision-{tag}-bf16i.json"


def _run(row: dict, sweep: dict, tag: str) -> dict:
    """One lever row as a comparison run: the whole config it trained with under `recipe` (a field added after the
    run as what it trained with then), the fields it set over its loss's defaults under `over_defaults`."""
    return {"method": ARMS[row["variant"]], "base": row["base"],
            "recipe": TrainConfig.from_json(row["config"]).to_json(),
            "over_defaults": row["recipe"], "budget_per_label_s": sweep["budget_per_label_s"], "seed": sweep["seed"],
            "framing": "core-seconds", "core_seconds": row["core_seconds"], "registry": row.get("registry", ""),
            "run": tag, **{k: row[k] for k in ("steps", "seconds", "cpu_seconds", "overall", "labels", "reference",
                                               "provenance_checks")}}


def from_levers(docs: Path, sources: tuple[tuple[str, tuple[str, ...]], ...] = SOURCES) -> dict:
    """The factorial's runs, each taken from the lever run SOURCES names for it; refuses a missing run or arm, a run
    of another setting, and an arm given twice at one budget and seed."""
    runs, sweeps, seen = [], [], {}
    for tag, variants in sources:
        path = source_path(docs, tag)
        if not path.is_file():
            raise SystemExit(f"{path}: not found (expected the lever run {tag!r})")
        sweep = json.loads(path.read_text())
        differ = [k for k in SAME if sweeps and sweep.get(k) != sweeps[0].get(k)]
        if differ:
            raise SystemExit(f"{path}: differs from {sources[0][0]} in {', '.join(differ)}")
        sweeps.append(sweep)
        rows = {row["variant"]: row for row in sweep["rows"]}
        for variant in variants:
            if variant not in rows:
                raise SystemExit(f"{path}: no arm {variant!r}; it has: {', '.join(rows)}")
            run = _run(rows[variant], sweep, tag)
            key = (run["method"], run["budget_per_label_s"], run["seed"])
            if key in seen:
                raise SystemExit(f"{run['method']} at {key[1]:g} s, seed {key[2]} is in both {seen[key]} and {tag}")
            seen[key] = tag
            runs.append(run)
    first = sweeps[0]
    return {**{k: first[k] for k in SAME}, "preset": runs[0]["recipe"]["preset"], "features": "fmnistnet",
            "factorial": True, "runs": runs, "recipes": {r["method"]: r["over_defaults"] for r in runs},
            "command": "`bench/compare_levers.py` (the arms of the interleaved `bench/levers.py --precision` runs)",
            "merged_from": [str(source_path(docs, tag)) for tag, _ in sources]}


def trained_by(run: dict, dataset: str) -> Path | None:
    """The run's kept registry, if it is still there and its files record the run's step counts (a temporary folder
    of that name from another run is not this run's): the sample grids are drawn from it, else from none."""
    root = Path(run["registry"]) if run["registry"] else None
    if root is None or not (root / dataset).is_dir():
        return None
    recorded = sorted(read_meta(path).steps for path in all_generator_files(root / dataset).values())
    return root if recorded == sorted(run["steps"]) else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("docs", type=Path, help="the folder of the lever runs' JSON")
    ap.add_argument("--out", type=Path, help="where compare.* go (default: the docs folder)")
    args = ap.parse_args()
    result = from_levers(args.docs)
    roots = {r["registry"]: root for r in result["runs"] if (root := trained_by(r, result["dataset"]))}
    write_report(result, roots, args.out or args.docs)


if __name__ == "__main__":
    main()
