"""`zoo plot-training`: the Wasserstein estimate and losses of every label's run over time, as one PNG."""
from __future__ import annotations

import json
import logging
from pathlib import Path

from registry import LocalRegistry
from registry.layout import RUN_STATS
from registry.summary import count

from . import losses
from .errors import DataNotFound

__all__ = ["read_stats", "plot_training"]

log = logging.getLogger(__name__)


def read_stats(registry: Path, dataset: str) -> dict[str, list[dict]]:
    """Stats lines by run: the label index ('7'), or 'conditional' for the baseline."""
    reg = LocalRegistry(registry)
    out: dict[str, list[dict]] = {}
    for key, folder in reg.runs(dataset).items():
        f = folder / RUN_STATS
        if not f.is_file():
            continue
        lines = []
        for raw in f.read_text(encoding="utf-8").splitlines():
            try:
                lines.append(json.loads(raw))
            except json.JSONDecodeError:  # a line cut by a kill: the rest of the record still counts
                log.warning("skipped a damaged line in %s", f)
        if lines:
            out[key] = lines
    if not out:
        raise DataNotFound(f"no training records of {dataset!r} in {reg.root}: expected the stats.jsonl of "
                           "runs written by `zoo train`")
    return out


def plot_training(registry: Path, dataset: str, out: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    stats = read_stats(registry, dataset)
    configs = LocalRegistry(registry).run_configs(dataset)
    used = sorted({configs.get(key, {}).get("loss") or losses.names()[0] for key in stats})
    if len(used) > 1:  # their stats differ: one plot per loss
        raise DataNotFound(f"{dataset!r} in {registry} was trained with several losses ({', '.join(used)}): "
                           "expected runs of one loss to plot together")
    panels = losses.get(used[0]).stats
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2), constrained_layout=True)
    cmap = plt.get_cmap("tab10" if len(stats) <= 10 else "viridis")
    for i, (label, lines) in enumerate(sorted(stats.items(), key=lambda kv: (not kv[0].isdigit(), kv[0].zfill(9)))):
        color = cmap(i % 10) if len(stats) <= 10 else cmap(i / max(1, len(stats) - 1))
        for ax, (key, _) in zip(axes, panels):
            pts = [(ln["seconds"], ln[key]) for ln in lines if key in ln]
            if pts:
                ax.plot(*zip(*pts), color=color, lw=1.2, label=str(label))
    for ax, (_, title) in zip(axes, panels):
        ax.set_title(title, fontsize=10)
        ax.set_xlabel("training seconds")
        ax.grid(alpha=0.3)
    if len(stats) <= 20:
        axes[0].legend(title="label", fontsize=7, ncol=2)
    fig.suptitle(f"{dataset}: per-label training with loss {used[0]} ({count(len(stats), 'label')})")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)
    return out
