"""A live progress display: one bar per worker with label, step, time left, Wasserstein estimate, img/s."""
from __future__ import annotations

import sys
from typing import Any

from tqdm import tqdm

__all__ = ["ProgressBoard"]


class ProgressBoard:
    def __init__(self, slots: int, *, budget_s: float, enabled: bool | None = None) -> None:
        enabled = sys.stderr.isatty() if enabled is None else enabled
        self.budget_s = budget_s
        self.bars = [tqdm(total=round(budget_s), position=i, unit="s", leave=True, disable=not enabled,
                          bar_format="{desc} |{bar}| {n_fmt}/{total_fmt} s {postfix}", file=sys.stderr)
                     for i in range(slots)]

    def update(self, slot: int, line: dict[str, Any]) -> None:
        bar = self.bars[slot % len(self.bars)]
        label = line["label"]
        what = "conditional" if label is None else f"label {label:>4}" if isinstance(label, int) else str(label)
        bar.set_description_str(f"worker {slot} {what}")
        bar.n = min(round(line.get("seconds", 0)), bar.total)
        post = {"step": line.get("step"), "left": f"{max(0.0, self.budget_s - line.get('seconds', 0)):.0f}s"}
        if "wasserstein" in line:
            post["W"] = f"{line['wasserstein']:.3f}"
        if "loss_d" in line:
            post["D"] = f"{line['loss_d']:.3f}"
        if "images_per_s" in line:
            post["img/s"] = f"{line['images_per_s']:.0f}"
        bar.set_postfix(post, refresh=True)

    def close(self) -> None:
        for bar in self.bars:
            bar.close()
