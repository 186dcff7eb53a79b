"""One table from every lever run in docs/levers*.json: each variant's intra-FID per seed, and its precision,
recall and class consistency averaged over the seeds it was run with. A variant run again with the same seed (the
defaults, run beside every lever of a sweep) shows each run's intra-FID in its seed's cell and counts in the
means. A row is one variant at one budget on one CPU and arithmetic: sweeps on another CPU, or in
bf16 against fp32 (bf16 on an Intel Xeon and on an AVX512-BF16 AMD EPYC, fp32 on an AVX2 EPYC), buy other step
counts and are never merged with them. The steps column shows what those core-seconds bought on the machine of that day.
Conditional critics (the conditional model, a conditional start) from runs that do not record their projection's
init had torch's N(0, 1) embedding, before the fix of 2026-12-04 (zoo/nets/conditioning.py): their rows say so.

    python bench/levers_table.py docs > docs/levers-table.md
"""
from __future__ import annotations

import json
import statistics
import sys
from collections import defaultdict
from pathlib import Path

# Variants named after the defaults of their day, by what they were (the defaults changed with these runs).
RENAMED = {"per-label defaults": "per-label lr 1e-4, batch 64, n_critic 5 (Gulrajani et al.; the old defaults)",
           "conditional defaults": "conditional lr 1e-4, batch 64, n_critic 5 (Gulrajani et al.)"}
KEYS = ["precision_fmnistnet", "recall_fmnistnet", "class_consistency_fmnistnet"]


# The default recipe of the precision sweeps before their rows recorded the whole config (bench/levers.py);
# critic_norm "auto" was WGAN-GP's none.
SWEEP_DEFAULTS = {"lr": 3e-4, "batch_size": 32, "n_critic": 2, "gp_every": 4, "warm_start": 0.2, "critic_norm": "none"}


def _sci(x: float) -> str:
    """3e-4 and 1.5e-3, as the docs write a learning rate."""
    mantissa, exponent = f"{x:e}".split("e")
    return f"{mantissa.rstrip('0').rstrip('.')}e{int(exponent)}"


def _value(key: str, v) -> str:
    """A moved default as the docs write it: 'lr 2e-3', 'n_critic 1', 'critic_norm layer'."""
    if key == "lr":
        return f"{key} {_sci(v)}"
    return f"{key} {v:g}" if isinstance(v, float | int) else f"{key} {v}"


def _name(variant: str, file: str = "", config: dict | None = None, recipe: dict | None = None) -> str:
    variant = variant.strip()
    if file.startswith("levers-precision"):  # each lever against the default recipe of that day, run beside it
        config = {**(config or {}), "critic_norm": _norm(config or {})}
        if variant == "default recipe":
            c = {**SWEEP_DEFAULTS, **{k: v for k, v in config.items() if k in SWEEP_DEFAULTS}}
            critic = ", critic layer norm" if c["critic_norm"] == "layer" else ""
            return (f"per-label defaults of the precision sweep (lr {_sci(c['lr'])}, batch {c['batch_size']}, n_critic "
                    f"{c['n_critic']}, gp every {c['gp_every']}, warm start {c['warm_start']:g}{critic})")
        if variant.startswith(("per-label ", "conditional ")):  # an arm, named by its whole recipe
            return variant
        # A lever over the defaults of its day: where those differed from the sweep's first defaults, say so, so
        # runs over other defaults are never pooled in one row.
        moved = {k: v for k, v in config.items()
                 if k in SWEEP_DEFAULTS and k not in (recipe or {}) and v != SWEEP_DEFAULTS[k]}
        days = " (" + ", ".join(_value(k, v) for k, v in moved.items()) + ")" if moved else ""
        return f"per-label defaults{days} + {variant}"
    if variant.startswith("+ "):  # a row relative to the one above it in the first sweep
        variant = "per-label lr 2e-4, batch 32, n_critic 2, " + variant[2:]
    return RENAMED.get(variant, variant)


def _norm(config: dict) -> str:
    """The critic's normalisation a WGAN-GP row trained with ("auto", or no record of it: the none of its day)."""
    return "none" if config.get("critic_norm", "auto") == "auto" else config["critic_norm"]


def _cpu(run: dict) -> str:
    """'Intel(R) Xeon(R) Processor', bf16 -> 'Intel Xeon, bf16'. Sweeps from before runs recorded their arithmetic
    ran bf16 on the Xeons and fp32 on the AVX2 EPYCs of those days."""
    name = run["cpu"].replace("(R)", "").replace(" Processor", "").replace("  ", " ").strip()
    return f"{name}, {'bf16' if run.get('bf16', 'Xeon' in name) else 'fp32'}"


def _conditional_critic(row: dict) -> bool:
    """Whether the row trained a critic with a label projection: the conditional model, or a conditional start."""
    return row.get("base", "").startswith("conditional") or (row.get("config") or {}).get("warm_start_kind") == \
        "conditional"


def table(folder: Path) -> str:
    rows: dict[tuple[str, bool, str, float], dict[int, list[dict]]] = defaultdict(lambda: defaultdict(list))
    runs = [{**json.loads(p.read_text()), "file": p.stem} for p in sorted(folder.glob("levers*.json"))]
    for run in runs:
        core_s = run["budget_per_label_s"] * len(run["labels"])
        for r in run["rows"]:
            name = _name(r["variant"], run["file"], r.get("config"), r.get("recipe"))
            if _conditional_critic(r) and "projection_init" not in run:  # never pooled with runs after the fix
                name += " [projection N(0, 1), before the fix]"
            key = (name, bool(r.get("max_images")), _cpu(run), core_s)
            rows[key][run.get("seed", 0)].append(r)
    lines = ["## Recipe levers at equal compute (`bench/levers.py`)", "",
             "Every variant of a sweep at the same core-seconds (10 labels, one core each), 500 samples per label, "
             "fmnistnet features. Sorted by data, CPU, budget, then mean intra-FID; lower is better. Compare rows of "
             "one CPU and budget only. A variant run twice with one seed shows both runs (a / b). The defaults' row pools "
             "the run beside every lever, on days when the host's speed differed by up to 2x: judge a lever against "
             "the defaults' run beside it (docs/interleaved.md, docs/comparison.md), not against the pooled mean.",
             "",
             "| variant | data | CPU | core-s | steps (median, seed 0) | intra-FID seed 0 | seed 1 | mean | precision | "
             "recall | class consistency |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]

    def mean(seeds: dict[int, list[dict]], key: str) -> float:
        return statistics.mean(r["overall"][key] for runs in seeds.values() for r in runs)

    for (variant, small, cpu, core_s), seeds in sorted(rows.items(), key=lambda kv: (
            kv[0][1], kv[0][2], kv[0][3], mean(kv[1], "intra_fid_fmnistnet"))):
        fid = [" / ".join(f"{r['overall']['intra_fid_fmnistnet']:.2f}" for r in seeds.get(s, [])) for s in (0, 1)]
        first = seeds[min(seeds)][0]
        lines.append(f"| {variant} | {'500 / label' if small else 'all'} | {cpu} | {core_s:,.0f} | "
                     f"{statistics.median(first['steps']):,.0f} | "
                     f"{fid[0]} | {fid[1]} | "
                     f"{mean(seeds, 'intra_fid_fmnistnet'):.2f} | "
                     + " | ".join(f"{mean(seeds, k):.3f}" for k in KEYS) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(table(Path(sys.argv[1] if len(sys.argv) > 1 else "docs")), end="")
