"""bench/compare.py's pool order (longest units first, and among equals the runs' units in turn, so a slow
window of a shared machine falls on every arm rather than on one arm's labels), and the share of CPU time the
hypervisor took while the pool ran, recorded beside the results."""
from __future__ import annotations

import sys
from pathlib import Path

from training.config import TrainConfig
from training.job import TrainJob

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from compare import interleaved, proc_stat, stolen_share  # noqa: E402


def units(registry: str, budget: float, labels: tuple[int, ...] = (0, 1, 2)):
    return TrainJob("fashion-mnist", labels, f"/reg/{registry}", TrainConfig(budget_s=budget)).label_jobs()


def test_equal_units_take_turns_by_run_and_keep_each_runs_label_order() -> None:
    order = [(u.job.registry, u.label) for u in interleaved([units("a", 60), units("b", 60), units("c", 60)])]
    assert order == [(f"/reg/{run}", label) for label in (0, 1, 2) for run in "abc"]


def test_a_longer_budget_still_goes_first() -> None:
    order = [(u.job.registry, u.label) for u in interleaved([units("short", 12, (0, 1)), units("long", 60, (0, 1))])]
    assert order == [("/reg/long", 0), ("/reg/long", 1), ("/reg/short", 0), ("/reg/short", 1)]


def test_the_stolen_share_is_the_steal_column_over_all_cpu_time_between_two_readings() -> None:
    before = [100, 0, 50, 1000, 0, 0, 0, 10]  # user nice system idle iowait irq softirq steal
    after = [350, 0, 100, 1100, 0, 0, 0, 110]
    assert stolen_share(before, after) == 0.2  # 100 of 500
    assert stolen_share(None, after) is None
    assert proc_stat() is None or len(proc_stat()) == 8
