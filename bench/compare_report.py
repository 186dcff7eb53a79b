"""What bench/compare.py writes: compare.json (everything), compare.md (the table and the verdicts drawn
from it, for README and MODEL_CARD.md) and compare.png (each metric against core-seconds, one line per
method, and sample grids side by side at the largest budget)."""
from __future__ import annotations

import json
import statistics
import textwrap
from pathlib import Path

import zoo

KEYS = ["intra_fid_fmnistnet", "fid_fmnistnet", "precision_fmnistnet", "recall_fmnistnet",
        "class_consistency_fmnistnet"]
LOWER_IS_BETTER = {"intra_fid_fmnistnet", "fid_fmnistnet"}
COLORS = {"per-label WGAN-GP": "tab:blue", "per-label DC-GAN": "tab:green", "conditional WGAN-GP": "tab:orange"}


def _methods(result: dict) -> list[str]:
    """The arms run, in the order they were first run (a base method, or a method with one lever changed)."""
    return list(dict.fromkeys(r["method"] for r in result["runs"]))


def _styles(result: dict) -> dict[str, tuple[str, str]]:
    """Colour by base method; dashed without a shared start, dotted with the conditional one; a second arm of one
    base and start (the conditional model at two rates) dash-dotted."""
    styles: dict[str, tuple[str, str]] = {}
    for method in _methods(result):
        base = next(r.get("base", r["method"]) for r in result["runs"] if r["method"] == method)
        dashes = "--" if "no start" in method else ":" if "conditional start" in method else "-"
        style = (COLORS.get(base, "tab:gray"), dashes)
        styles[method] = style if style not in styles.values() else (style[0], "-.")
    return styles


def write_report(result: dict, roots: dict[str, Path], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "compare.json").write_text(json.dumps(result, indent=1))
    (out / "compare.md").write_text(markdown(result), encoding="utf-8")
    figure(result, roots, out / "compare.png")


def _short(key: str) -> str:
    return key.replace("_fmnistnet", "").replace("class_consistency", "class cons.")


def _main_runs(result: dict) -> list[dict]:
    """The core-seconds runs of the first seed present (0, or a later seed a report runs alone)."""
    runs = [r for r in result["runs"] if r["framing"] == "core-seconds"]
    first = min((r["seed"] for r in runs), default=0)
    return [r for r in runs if r["seed"] == first]


def _recipes(result: dict) -> str:
    recipes = result.get("recipes", {})
    return "; ".join(f"{m}: " + (", ".join(f"{k} {v}" for k, v in r.items()) or "defaults")
                     for m, r in recipes.items()) or "defaults"


def markdown(result: dict) -> str:
    runs = result["runs"]
    named = any("run" in r for r in runs)  # assembled from several runs: each row names its own
    title = ("the paper's claim with the start held equal: each per-label loss with and without the shared start, "
             "and the conditional model" if result.get("factorial") else
             "per-label WGAN-GP vs per-label DC-GAN vs conditional WGAN-GP")
    lines = [f"## The paper's comparison, measured: {title}", "",
             f"{result.get('command', '`bench/compare.py` (`make compare`)')}, Fashion-MNIST, labels {result['labels'][0]}-{result['labels'][-1]}, {result['n']} generated images "
             f"per label, features `fmnistnet`; {result['cores']} cores of {result['cpu']}, torch {result['torch']}; "
             f"preset `{result['preset']}`; recipes over each loss's defaults: {_recipes(result)}. "
             "Each run's samples were "
             "checked against the nets loaded straight from its files before scoring "
             f"({sum(r['provenance_checks'] for r in runs)} label-seed comparisons).", "",
             "| method | budget / label | core-s | seed | framing | steps (median) | "
             + " | ".join(_short(k) for k in KEYS) + " |" + (" run |" if named else ""),
             "|" + " --- |" * (6 + len(KEYS) + named)]
    for r in sorted(runs, key=lambda r: (r["method"], r["budget_per_label_s"], r["framing"], r["seed"])):
        steps = statistics.median(r["steps"])
        lines.append(f"| {r['method']} | {r['budget_per_label_s']:g} s | {r['core_seconds']:g} | {r['seed']} | "
                     f"{r['framing']} | {steps:,.0f} | " + " | ".join(f"{r['overall'][k]:.3f}" for k in KEYS) + " |"
                     + (f" {r.get('run', '')} |" if named else ""))
    lines += seed_table(result)
    lines += cas_table(result)
    ref = runs[0]["reference"]
    lines += ["", "Reference (real train vs real test images): "
              + ", ".join(f"`{k}` = {v:.3f}" for k, v in ref.items()) + ".", ""]
    return "\n".join(lines + verdicts(result) + paper_claim(result)) + "\n"


def seed_table(result: dict) -> list[str]:
    """Each arm at each budget with every seed it ran: the mean and, beside it, each seed's value."""
    cells: dict[tuple[str, float], list[dict]] = {}
    for r in result["runs"]:
        if r["framing"] == "core-seconds":
            cells.setdefault((r["method"], r["core_seconds"]), []).append(r)
    if all(len(v) == 1 for v in cells.values()):
        return []
    shown = [k for k in KEYS if k != "fid_fmnistnet"]
    lines = ["", "Seeds side by side (mean, then each seed's value in seed order):", "",
             "| method | core-s | seeds | " + " | ".join(_short(k) for k in shown) + " |", "|" + " --- |" * (3 + len(shown))]
    for (method, core_s), rs in sorted(cells.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        rs = sorted(rs, key=lambda r: r["seed"])

        def cell(k: str) -> str:
            vals = [r["overall"][k] for r in rs]
            return f"{statistics.mean(vals):.3f}" + (f" ({' / '.join(f'{v:.3f}' for v in vals)})" if len(vals) > 1 else "")
        lines.append(f"| {method} | {core_s:,.0f} | {', '.join(str(r['seed']) for r in rs)} | "
                     + " | ".join(cell(k) for k in shown) + " |")
    return lines


def cas_table(result: dict) -> list[str]:
    """Classification Accuracy Score of every arm that has one: a classifier trained on its generated images only,
    tested on the real test split, beside the same recipe on real images (computed once per comparison)."""
    cells: dict[tuple[str, float], list[dict]] = {}
    for r in result["runs"]:
        if "cas" in r:
            cells.setdefault((r["method"], r["core_seconds"]), []).append(r)
    if not cells:
        return []
    base = result.get("cas_baselines", {})
    n = next(iter(cells.values()))[0]["cas"]["n"]
    lines = ["", f"Classification Accuracy Score (`zoo eval --cas`): the domain classifier's recipe trained on {n:,} "
             "generated images per label only, tested on the real test split (mean, then each seed; the worst "
             "label's accuracy, seed 0):", "",
             "| method | core-s | seeds | CAS | worst label |", "| --- | --- | --- | --- | --- |"]
    for (method, core_s), rs in sorted(cells.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        rs = sorted(rs, key=lambda r: r["seed"])
        vals = [r["cas"]["overall"]["cas"] for r in rs]
        worst_label, worst = min(((k, v["cas"]) for k, v in rs[0]["cas"]["labels"].items()), key=lambda kv: kv[1])
        lines.append(f"| {method} | {core_s:,.0f} | {', '.join(str(r['seed']) for r in rs)} | "
                     f"{statistics.mean(vals):.3f}" + (f" ({' / '.join(f'{v:.3f}' for v in vals)})" if len(vals) > 1 else "")
                     + f" | {worst:.3f} (label {worst_label}) |")
    if base:
        lines += ["", f"The same recipe on {n:,} real training images per label: {base['cas_real_same_n']:.3f}; "
                  f"on every real training image (the domain classifier, the ceiling): {base['cas_real_all']:.3f}."]
    return lines


def merge(results: list[dict]) -> dict:
    """Several compare.json of one setting (data set, labels, samples, preset, machine) as one: a run given
    again (same method, budget, seed and framing) is taken from the later file."""
    same = ("dataset", "labels", "n", "real_n", "preset", "cpu", "cores", "features")
    for r in results[1:]:  # real_n: absent from files written before it, which scored every real image
        differ = [k for k in same if r.get(k) != results[0].get(k)]
        if differ:
            raise SystemExit(f"cannot merge comparisons that differ in {', '.join(differ)}")
    runs: dict[tuple, dict] = {}
    for result in results:
        for run in result["runs"]:
            runs[(run["method"], run["budget_per_label_s"], run["seed"], run["framing"])] = run
    return {**results[-1], "runs": list(runs.values()), "recipes": {k: v for r in results for k, v in
                                                                       r.get("recipes", {}).items()},
            "cas_baselines": next((r["cas_baselines"] for r in reversed(results) if r.get("cas_baselines")), {}),
            "merged_from": [r.get("source", "") for r in results]}


def verdicts(result: dict) -> list[str]:
    """Who wins where, on every metric, stated from the numbers; and the seed-to-seed spread beside it."""
    main = _main_runs(result)
    out = []
    for budget in sorted({r["budget_per_label_s"] for r in main}):
        at = [r for r in main if r["budget_per_label_s"] == budget]
        wins = []
        for k in KEYS:
            ranked = sorted(at, key=lambda r: r["overall"][k], reverse=k not in LOWER_IS_BETTER)
            tie = len(ranked) > 1 and abs(ranked[0]["overall"][k] - ranked[1]["overall"][k]) < 1e-6
            wins.append(f"{_short(k)}: " + ("tie" if tie else f"{ranked[0]['method']} ({ranked[0]['overall'][k]:.3f})"))
        out.append(f"- {budget:g} s per label ({at[0]['core_seconds']:g} core-s): best " + "; ".join(wins) + ".")
    spread = []
    for method in _methods(result):
        seeds = [r for r in result["runs"] if r["method"] == method and r["framing"] == "core-seconds"
                 and r["budget_per_label_s"] == max((s["budget_per_label_s"] for s in result["runs"]
                                                     if s["seed"] > 0), default=-1)]
        if len(seeds) > 1:
            vals = [r["overall"]["intra_fid_fmnistnet"] for r in seeds]
            spread.append(f"{method} {min(vals):.2f}-{max(vals):.2f}")
    if spread:
        out.append("- Seed to seed (intra-FID at the budget run with several seeds): " + "; ".join(spread) + ".")
    wall = [r for r in result["runs"] if r["framing"] == "wall-clock"]
    for w in wall:
        same = [r for r in main if r["budget_per_label_s"] == w["budget_per_label_s"]]
        per_label = ", ".join(f"{r['method']} {r['overall']['intra_fid_fmnistnet']:.2f}" for r in same)
        out.append(f"- Equal wall-clock on {result['cores']} workers ({w['budget_per_label_s'] * len(result['labels']) / result['cores']:g} s): "
                   f"conditional WGAN-GP on {result['cores']} threads reaches intra-FID "
                   f"{w['overall']['intra_fid_fmnistnet']:.2f} in {statistics.median(w['steps']):,.0f} steps; "
                   f"at the same wall-clock: {per_label}.")
    return out


PAIR = ("per-label WGAN-GP", "per-label DC-GAN")  # the paper's claim: the first over the second


def _by_seed(result: dict, method: str, core_s: float) -> list[dict]:
    return sorted((r for r in result["runs"] if r["method"] == method and r["core_seconds"] == core_s
                   and r["framing"] == "core-seconds"), key=lambda r: r["seed"])


def _versus(a: list[dict], b: list[dict], key: str) -> str:
    """A against B on one metric, every seed's value: ahead only when every seed of one beats every seed of the
    other (the seed spread decides, not the means); with one seed each, ahead says so."""
    va, vb = [r["overall"][key] for r in a], [r["overall"][key] for r in b]
    sign = -1 if key in LOWER_IS_BETTER else 1  # higher is better after it

    def beats(x: list[float], y: list[float]) -> bool:
        return min(sign * v for v in x) > max(sign * v for v in y)
    who = "WGAN-GP ahead" if beats(va, vb) else "DC-GAN ahead" if beats(vb, va) else "level"
    seeds = "" if len(va) > 1 and len(vb) > 1 else ", one seed"
    return f"{_short(key)} {' / '.join(f'{v:.3f}' for v in va)} vs {' / '.join(f'{v:.3f}' for v in vb)} ({who}{seeds})"


def paper_claim(result: dict) -> list[str]:
    """The paper's claim (per-label WGAN-GP over per-label DC-GAN) at each budget with the start held equal: each loss
    with no start (the paper's setting) and each with its best start (the lowest mean intra-FID there), stated
    from the numbers with every seed's value beside it."""
    if not result.get("factorial"):
        return []
    out = []
    for core_s in sorted({r["core_seconds"] for r in result["runs"] if r["framing"] == "core-seconds"}):
        arms = {base: [m for m in _methods(result) if m.startswith(base) and _by_seed(result, m, core_s)]
                for base in PAIR}
        if not all(arms.values()):
            continue

        def best(methods: list[str]) -> str:
            return min(methods, key=lambda m: statistics.mean(r["overall"]["intra_fid_fmnistnet"]
                                                               for r in _by_seed(result, m, core_s)))
        pairs = []
        bare = [next((m for m in arms[base] if "no start" in m), None) for base in PAIR]
        if all(bare):
            pairs.append(("with no start for either (the paper's setting)", bare))
        w, d = (best(arms[base]) for base in PAIR)
        pairs.append((f"each with its best start (the WGAN-GP's: {w.split(', ', 1)[-1]}; the DC-GAN's: "
                      f"{d.split(', ', 1)[-1]})", [w, d]))
        for framing, (w, d) in pairs:
            a, b = _by_seed(result, w, core_s), _by_seed(result, d, core_s)
            out.append(f"- The paper's claim at {core_s:,.0f} core-s, {framing}, WGAN-GP vs DC-GAN: "
                       + "; ".join(_versus(a, b, k) for k in KEYS if k != "fid_fmnistnet") + ".")
    return ["", "The paper's claim, per-label WGAN-GP over per-label DC-GAN, with the start held equal (each seed's "
            "value; ahead only where every seed of one beats every seed of the other):", ""] + out if out else []


def _kept(roots: dict[str, Path], run: dict) -> bool:
    return run["registry"] in roots and Path(roots[run["registry"]]).is_dir()


def figure(result: dict, roots: dict[str, Path], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    core_s = [r for r in result["runs"] if r["framing"] == "core-seconds"]
    shown = [m for m in _methods(result) if any(r["method"] == m and _kept(roots, r)
                                                for r in core_s)]  # a merged report may lack registries
    fig = plt.figure(figsize=(16, 8.5 if shown else 4.5), constrained_layout=True)
    # 4 metric panels above, one sample grid per method below (when its registry is there to sample)
    rows = fig.add_gridspec(2, 1, height_ratios=[1, 1.25]) if shown else fig.add_gridspec(1, 1)
    panels = rows[0].subgridspec(1, 4)
    samples = rows[1].subgridspec(1, len(shown)) if shown else None
    for i, key in enumerate(["intra_fid_fmnistnet", "precision_fmnistnet", "recall_fmnistnet",
                             "class_consistency_fmnistnet"]):
        ax = fig.add_subplot(panels[0, i])
        for method, (color, dashes) in _styles(result).items():
            main = sorted((r for r in _main_runs(result) if r["method"] == method), key=lambda r: r["core_seconds"])
            ax.plot([r["core_seconds"] for r in main], [r["overall"][key] for r in main], "o" + dashes, color=color,
                    label=method)
            extra = [r for r in result["runs"] if r["method"] == method and r not in main and r["framing"] == "core-seconds"]
            ax.plot([r["core_seconds"] for r in extra], [r["overall"][key] for r in extra], "x", color=color, ms=9)
            wall = [r for r in result["runs"] if r["method"] == method and r["framing"] == "wall-clock"]
            ax.plot([r["core_seconds"] for r in wall], [r["overall"][key] for r in wall], "*", color=color, ms=13)
        ax.set_xscale("log")
        budgets = sorted({r["core_seconds"] for r in result["runs"]})
        ax.set_xticks(budgets, [f"{b:,.0f}" for b in budgets])  # the budgets run, readable
        ax.minorticks_off()
        if key in LOWER_IS_BETTER:
            ax.set_yscale("log")
        ax.set_xlabel("core-seconds (all labels)")
        ax.set_title(_short(key) + (" (lower is better)" if key in LOWER_IS_BETTER else ""), fontsize=10)
        ax.grid(alpha=0.3)
    handles, names = fig.axes[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="outside upper center", ncol=min(4, len(names)), fontsize=9, title_fontsize=9,
               title=f"{result['dataset']}, {result['cpu']} ({result['cores']} cores): quality against equal compute "
                     "(o seed 0, x other seeds, * equal wall-clock); samples: one row per class")
    for i, method in enumerate(shown):  # each method at the largest budget it was kept at, its first seed there
        run = max((r for r in core_s if r["method"] == method and _kept(roots, r)),
                  key=lambda r: (r["budget_per_label_s"], -r["seed"]))
        biggest = run["budget_per_label_s"]
        x = zoo.sample(result["dataset"], labels=result["labels"], n=8, seed=0, registry=roots[run["registry"]])
        ax = fig.add_subplot(samples[0, i])
        ax.imshow(zoo.grid(x, nrow=8), cmap="gray")
        ax.set_title("\n".join(textwrap.wrap(method, 40)) + f"\n{biggest:g} s per label, trained with seed {run['seed']}",
                     fontsize=8 if len(shown) > 3 else 9)
        ax.axis("off")
    fig.savefig(path, dpi=90)
    plt.close(fig)


def main() -> None:
    """Merge several comparisons' JSON into one report: ``python bench/compare_report.py OUT A.json B.json``."""
    import argparse

    ap = argparse.ArgumentParser(description=main.__doc__)
    ap.add_argument("out", type=Path)
    ap.add_argument("inputs", nargs="+", type=Path)
    args = ap.parse_args()
    results = []
    for path in args.inputs:
        results.append({**json.loads(path.read_text()), "source": str(path)})
    write_report(merge(results), {}, args.out)


if __name__ == "__main__":
    main()
