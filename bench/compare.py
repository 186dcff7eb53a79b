"""The paper's comparison on Fashion-MNIST, measured in one run with the same labels, metrics, features
and sample counts for every method: per-label WGAN-GP (the zoo's method), per-label DC-GAN (the paper's
baseline) and one conditional WGAN-GP, at several equal budgets. Writes compare.json, compare.md and
compare.png into --out.

    python bench/compare.py --factorial     # about 4 hours on 2 cores (7 arms; 120, 600, 2,400 core-s; 2 seeds at 600)
    python bench/compare.py --quick         # a smoke test of the whole pipeline, about a minute

Run it in parts (``--budgets``, ``--skip METHOD@BUDGET`` or ``METHOD@BUDGET/seedN``) and merge the parts'
compare.json with ``python bench/compare_report.py OUT A/compare.json B/compare.json ...``. Run it from a
checkout nobody edits while it runs (a ``git worktree``): pool workers import the code when they start.

Budgets, in core-seconds (every training process has one torch thread; two run at a time on 2 cores):
- per-label methods: one process per label for B seconds each -> labels x B core-seconds (with a warm start,
  its share of those core-seconds goes to the shared start first, on both cores, and each label trains for
  the rest of its B);
- conditional: one process for labels x B seconds -> the same core-seconds.
Wall-clock on the same 2 workers (the paper's framing), at one budget: the per-label runs above take
labels x B / 2 seconds on 2 workers with no communication; the conditional model gets that wall-clock in
one process whose 2 torch threads split every step (intra-op parallelism, no data-parallel replicas).

Before any method is scored, ``check_provenance`` proves that what the evaluator samples equals the net
loaded straight from the file that run wrote (3 seeds, every label); a routing surprise fails the run.
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from compare_report import write_report  # noqa: E402
from registry import LocalRegistry  # noqa: E402
from registry.layout import RUN_CONFIG  # noqa: E402
from training.config import TrainConfig  # noqa: E402
from training.job import LabelJob, TrainJob, describe_differences  # noqa: E402
from training.metrics import Extractor, check_provenance, classifier_extractor, evaluate  # noqa: E402
from training.metrics.cas import MIN_STEPS, classification_accuracy_score  # noqa: E402
from training.pool import train_jobs  # noqa: E402
from training.speed import cpu_name  # noqa: E402
from zoo.nets.conditioning import PROJECTION_INIT  # noqa: E402
from zoo.sources import bundled_registry_path  # noqa: E402

DATASET, CORES = "fashion-mnist", 2
METHODS = {  # name -> (loss, mode); each loss starts from its own recipe's defaults (TrainConfig.for_loss)
    "per-label WGAN-GP": ("wgan-gp", "per-label"),
    "per-label DC-GAN": ("dcgan", "per-label"),
    "conditional WGAN-GP": ("wgan-gp", "conditional"),
}
# Tuned against tuned: each method's best recipe at 300 core-seconds in bench/levers.py (docs/levers*.md), over
# its loss's defaults. ``--untuned`` runs every method on its loss's defaults instead.
TUNED: dict[str, dict] = {
    "per-label WGAN-GP": {},  # the zoo's defaults are what the lever runs chose (lr 1e-3, ..., warm start 0.2)
    "per-label DC-GAN": {"lr": 2e-4, "batch_size": 32},
    "conditional WGAN-GP": {},  # its mode's defaults are its best (lr 2e-4, n_critic 2: training/losses/wgan_gp.py)
}
# The start lever of the factorial (--factorial): no start (the paper's setting), the shared unconditional start
# with a fifth of the core-seconds (the zoo's default share), or the shared conditional start (one class-
# conditional model, then each label specialised from it) with the same share. The DC-GAN arm takes each too.
STARTS = {"no start": {"warm_start": 0.0}, "shared start": {"warm_start": 0.2},
          "shared conditional start": {"warm_start": 0.2, "warm_start_kind": "conditional"}}


@dataclasses.dataclass(frozen=True)
class Run:
    method: str
    budget: float  # seconds per label
    seed: int
    framing: str  # "core-seconds" (1 thread per process) or "wall-clock" (the conditional model on 2 threads)
    root: Path
    recipe: tuple[tuple[str, object], ...] = ()  # TrainConfig fields over the loss's defaults (bench/levers.py)
    max_images: int | None = None  # images per label (None: all)
    base: str = ""  # the entry of METHODS giving loss and mode (default: ``method`` itself)
    reused: bool = False  # trained elsewhere with the same job (--reuse): scored here, not trained again
    resolution: int | None = None  # another size than the data set's own (Fashion-MNIST centred at 32 px)

    @property
    def kind(self) -> str:
        return METHODS[self.base or self.method][1]

    def job(self, labels: tuple[int, ...], preset: str) -> TrainJob:
        loss, mode = METHODS[self.base or self.method]
        # Wall-clock: the conditional model trains for the per-label runs' wall-clock on CORES workers.
        budget = self.budget / CORES if self.framing == "wall-clock" else self.budget
        cfg = TrainConfig.for_loss(loss, mode=mode, **{"preset": preset, **dict(self.recipe)}, budget_s=budget,
                                   seed=self.seed, tick_s=max(1.0, budget / 10), checkpoint_s=3600.0)
        return TrainJob(DATASET, labels, str(self.root), cfg, mode=mode, max_images=self.max_images,
                        resolution=self.resolution)


def arms(factorial: bool) -> dict[str, tuple[str, dict]]:
    """The arms compared: name -> (its METHODS entry, recipe over it). With ``factorial`` every per-label method
    runs with each start (STARTS), one lever changed at a time, the others held at the method's tuned recipe."""
    if not factorial:
        return {m: (m, {}) for m in METHODS}
    out = {}
    for m, (_, mode) in METHODS.items():
        for start, lever in (STARTS.items() if mode == "per-label" else [("", {})]):
            out[f"{m}, {start}" if start else m] = (m, lever)
    return out


def plan(args: argparse.Namespace, work: Path) -> list[Run]:
    table = arms(args.factorial)

    def run(arm: str, budget: float, seed: int, framing: str, root: Path) -> Run:
        base, lever = table[arm]
        recipe = {} if args.untuned else {**TUNED[base], **lever}
        return Run(arm, budget, seed, framing, root, recipe=tuple(recipe.items()), base=base)

    runs = [run(m, b, 0, "core-seconds", work / f"{i}-{b:g}s-seed0") for i, m in enumerate(table)
            for b in args.budgets if f"{m}@{b:g}" not in args.skip]
    runs += [run(m, args.seed_budget, s, "core-seconds", work / f"{i}-{args.seed_budget:g}s-seed{s}")
             for i, m in enumerate(table) for s in range(1, args.seeds)
             if f"{m}@{args.seed_budget:g}/seed{s}" not in args.skip]
    if args.wall_clock:
        runs.append(run("conditional WGAN-GP", args.seed_budget, 0, "wall-clock",
                        work / f"wall-{args.seed_budget:g}s"))
    for spec in args.reuse:
        what, _, path = spec.partition("=")
        method, _, budget = what.partition("@")
        runs.append(dataclasses.replace(run(method, float(budget), 0, "core-seconds", Path(path).resolve()),
                                        reused=True))
    return runs


def reused_results(run: Run, labels: tuple[int, ...], preset: str) -> dict:
    """A run trained elsewhere counts only if every label was trained under the identity this comparison would
    have given it (``TrainJob.identity``: what shapes the weights, nothing else)."""
    reg, want = LocalRegistry(run.root), run.job(labels, preset)
    metas = []
    for label in labels:
        record = json.loads((reg.run_dir(DATASET, label) / RUN_CONFIG).read_text())
        expected = json.loads(json.dumps(want.identity(label)))
        diff = describe_differences(record.get("identity") or {}, expected)
        if diff:
            raise SystemExit(f"--reuse {run.root}: label {label} was trained by another job than {run.method} at "
                             f"{run.budget:g} s: {'; '.join(diff)}")
        metas.append(reg.read_meta(DATASET, label))
    return {"steps": [m.steps for m in metas], "seconds": [round(m.seconds, 1) for m in metas],
            "pool_wall_seconds": None, "reused_from": str(run.root)}


def interleaved(per_run: list[list[LabelJob]]) -> list[LabelJob]:
    """The units of every run in the order the pool takes them: longest first, and among equals one unit of each
    run in turn (label 0 of every run, then label 1, ...). A shared machine slows down and speeds up by the
    minute (a 2x slower window, seen here); run by run, such a window would fall on one arm's labels only and
    its core-seconds would buy that arm fewer steps. In turn, every arm's units share every window."""
    ranked = [(-unit.job.config.budget_s * len(unit.wanted), i, r, unit)
              for r, units in enumerate(per_run) for i, unit in enumerate(units)]
    return [unit for *_, unit in sorted(ranked, key=lambda t: t[:3])]


def stolen_share(before: list[int] | None, after: list[int] | None) -> float | None:
    """The share of the machine's CPU time the hypervisor gave to others between two ``/proc/stat`` readings
    (its "steal" column): core-seconds of wall-clock that bought no computing here. None off Linux."""
    if before is None or after is None:
        return None
    spent = [b - a for a, b in zip(before, after)]
    return round(spent[7] / max(1, sum(spent)), 3)


def proc_stat() -> list[int] | None:
    try:
        return [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    except (OSError, ValueError, IndexError):
        return None


def train(runs: list[Run], labels: tuple[int, ...], preset: str) -> dict[Path, dict]:
    """Every single-thread unit in one pool of CORES processes (``interleaved``), then the 2-thread one."""
    reused = {run.root: reused_results(run, labels, preset) for run in runs if run.reused}  # checked first
    units = interleaved([run.job(labels, preset).label_jobs() for run in runs
                         if run.framing == "core-seconds" and not run.reused])
    t0, stat0 = time.monotonic(), proc_stat()
    results = {run.root: [] for run in runs if not run.reused}
    for unit, result in zip(units, train_jobs(units, workers=CORES, progress=None)):
        results[Path(unit.job.registry)].append(result)
    pool_wall, stolen = time.monotonic() - t0, stolen_share(stat0, proc_stat())
    torch.set_num_threads(CORES)
    for run in runs:
        if run.framing == "wall-clock":
            results[run.root] = train_jobs(run.job(labels, preset).label_jobs(), workers=1, progress=None)
    torch.set_num_threads(1)
    done = {root: {"steps": [r.steps for r in rs], "seconds": [round(r.seconds, 1) for r in rs],
                   "cpu_seconds": [round(r.cpu_seconds, 1) for r in rs],
                   "pool_wall_seconds": round(pool_wall, 1), "pool_stolen_share": stolen}
            for root, rs in results.items()}
    return {**done, **reused}


def score(run: Run, labels: tuple[int, ...], n: int, features: LocalRegistry, cas_n: int = 0,
          cas_baselines: bool = False, cas_min_steps: int = MIN_STEPS, real_n: int | None = None,
          extractor: Extractor | None = None, cas_test_n: int | None = None) -> dict:
    """The run's samples scored in ``extractor``'s features (default: the bundled zoo's domain classifier), after
    proving they come from the files it wrote; with ``cas_n``, its CAS, tested on ``cas_test_n`` real test images
    per label (None: all)."""
    reg = LocalRegistry(run.root)
    reg.adopt_extra(LocalRegistry(bundled_registry_path()), DATASET, "classifier")  # the bundled zoo's features
    reg.reindex()
    entry = reg.index().datasets[DATASET]
    sha = {**{k: g.sha256 for k, g in entry.generators.items()},
           **({None: entry.conditional.sha256} if entry.conditional else {})}
    checks = check_provenance(run.root, DATASET, labels, kind=run.kind, sha256=sha)  # before any score
    # Real-image features computed once for every method (``features``); only the domain classifier has logits.
    result = evaluate(run.root, DATASET, extractor=extractor or classifier_extractor(reg, DATASET), n=n,
                      labels=labels, feature_cache=features, real_n=real_n, with_logits=extractor is None)
    assert result["missing_labels"] == [], result["missing_labels"]
    assert set(result["served_by"].values()) == {run.kind}, result["served_by"]
    out = {"overall": result["overall"], "labels": result["labels"], "reference": result["reference"],
           "provenance_checks": checks}
    if cas_n:  # what the samples are worth as training data: the same images the provenance check vouched for
        cas = classification_accuracy_score(run.root, DATASET, n=cas_n, seed=0, labels=labels, baselines=cas_baselines,
                                            min_steps=cas_min_steps, test_n=cas_test_n)
        out["cas"] = {"n": cas_n, "seed": 0, "overall": cas["overall"], "labels": cas["labels"]}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--budgets", type=float, nargs="+", default=[12, 60, 240], help="seconds per label")
    ap.add_argument("--seed-budget", type=float, default=60, help="the budget run with several seeds")
    ap.add_argument("--seeds", type=int, default=2, help="seeds per method at --seed-budget")
    ap.add_argument("--labels", default="0-9")
    ap.add_argument("--n", type=int, default=500, help="generated images per label for the metrics")
    ap.add_argument("--preset", default="small")
    ap.add_argument("--untuned", action="store_true", help="every method on its loss's defaults, not its tuned recipe")
    ap.add_argument("--reuse", nargs="*", default=[], help="METHOD@BUDGET=REGISTRY: score a registry trained with "
                    "exactly that run's job (checked label by label) instead of training it again")
    ap.add_argument("--skip", nargs="*", default=[],
                    help="runs to leave out, as METHOD@BUDGET ('per-label DC-GAN@240', seed 0) or "
                    "METHOD@BUDGET/seedN for the further seeds at --seed-budget")
    ap.add_argument("--quick", action="store_true",
                    help="2 labels, 0.5 s budgets, 50 images (100 real ones), tiny nets: a smoke test")
    ap.add_argument("--out", type=Path, default=Path("bench/results"))
    ap.add_argument("--keep", action="store_true", help="keep the trained registries (in a temporary folder it "
                    "names); by default they are removed once scored")
    ap.add_argument("--factorial", action="store_true", help="each per-label method with and without the shared "
                    "start (STARTS), the other levers held at its tuned recipe, beside the conditional model")
    ap.add_argument("--cas-n", type=int, default=1000, help="generated images per label for the Classification "
                    "Accuracy Score of every seed-0 core-seconds run (0: none); the real-data classifiers beside it once")
    ap.add_argument("--no-wall-clock", dest="wall_clock", action="store_false",
                    help="leave out the conditional model at equal wall-clock")
    args = ap.parse_args()
    if args.quick:
        args.budgets, args.seed_budget, args.labels, args.n, args.preset = [0.5], 0.5, "0-1", 50, "tiny"
        args.cas_n, cas_min_steps, real_n = min(args.cas_n, 20), 5, 100  # the pipeline, not the figure
    else:
        cas_min_steps, real_n = MIN_STEPS, None
    lo, _, hi = args.labels.partition("-")
    labels = tuple(range(int(lo), int(hi or lo) + 1))
    torch.set_num_threads(1)
    work = Path(tempfile.mkdtemp(prefix="zoo-compare-"))
    runs = plan(args, work)
    t0 = time.monotonic()
    trained = train(runs, labels, args.preset)
    out = {"dataset": DATASET, "labels": list(labels), "n": args.n, "real_n": real_n, "preset": args.preset,
           "cpu": cpu_name(), "torch": torch.__version__, "python": platform.python_version(), "cores": CORES,
           "projection_init": PROJECTION_INIT,  # the conditional critics' (N(0, 1) in runs that do not say)
           "features": "fmnistnet (the bundled zoo's domain classifier)", "runs": [], "cas_n": args.cas_n,
           "recipes": {m: ({} if args.untuned else {**TUNED[b], **lever}) for m, (b, lever) in
                       arms(args.factorial).items()}, "skipped": args.skip, "factorial": args.factorial}
    out["train_wall_seconds"] = round(time.monotonic() - t0, 1)
    torch.set_num_threads(CORES)  # scoring runs alone: both cores
    features = LocalRegistry.create(work / "features")
    first_cas = True
    for run in runs:
        t1 = time.monotonic()
        cas_n = args.cas_n if run.framing == "core-seconds" and run.seed == 0 else 0
        scores = score(run, labels, args.n, features, cas_n=cas_n, cas_baselines=first_cas and bool(cas_n),
                       cas_min_steps=cas_min_steps, real_n=real_n, cas_test_n=real_n)
        if "cas" in scores and first_cas:  # the real-data classifiers depend on the data, n and seed only
            out["cas_baselines"] = {k: v for k, v in scores["cas"]["overall"].items() if k != "cas"}
            first_cas = False
        config = run.job(labels, args.preset).config.to_json()  # the whole config it trained with
        out["runs"].append({"method": run.method, "base": run.base or run.method, "recipe": config,
                            "over_defaults": dict(run.recipe), "budget_per_label_s": run.budget,
                            "seed": run.seed,
                            "framing": run.framing, "core_seconds": run.budget * len(labels),
                            "registry": run.root.name, **trained[run.root], **scores,
                            "eval_seconds": round(time.monotonic() - t1, 1)})
    out["total_wall_seconds"] = round(time.monotonic() - t0, 1)
    write_report(out, {run.root.name: run.root for run in runs}, args.out)
    print(json.dumps({k: v for k, v in out.items() if k != "runs"}, indent=1))
    if args.keep:
        print(f"trained registries kept in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)  # hundreds of MB at full size: scored, reported, not kept


if __name__ == "__main__":
    main()
