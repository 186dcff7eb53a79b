"""The registry's layout owns every name in a registry, and the one list of what never leaves the machine."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from registry.layout import MACHINE_LOCAL, is_machine_local, is_published

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("rel", ["fashion-mnist/cache/decoded/abc.npy", "fashion-mnist/cache/x.safetensors",
                                 "fashion-mnist/runs/label-00007/.lock", ".index.lock", "a/runs/label-00001/x.held",
                                 "a/runs/label-00001/checkpoint.pt", "a/runs/conditional/checkpoint-set-aside-1.pt",
                                 "a/.tmp-label-00001.safetensors-x", ".slurm/job-1.json", ".write-test-9"])
def test_machine_local_files_are_neither_shipped_nor_published(rel):
    assert is_machine_local(rel) and not is_published(rel)


@pytest.mark.parametrize("rel", ["index.json", "a/label-00007.safetensors", "a/conditional.safetensors",
                                 "a/extras/classifier.safetensors", "a/metrics.json", "a/dataset.json"])
def test_what_the_index_lists_is_published(rel):
    assert not is_machine_local(rel) and is_published(rel)


def test_run_records_ship_in_the_package_but_are_not_published():
    rel = "fashion-mnist/runs/label-00007/stats.jsonl"
    assert not is_machine_local(rel) and not is_published(rel)


def test_the_package_build_reads_the_same_list():
    """setup.py reads MACHINE_LOCAL as a literal (the build imports nothing of the package): it must stay one."""
    tree = ast.parse((REPO / "registry" / "layout.py").read_text())
    (node,) = [n for n in tree.body if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "MACHINE_LOCAL"]
    assert ast.literal_eval(node.value) == MACHINE_LOCAL
    assert "machine_local()" in (REPO / "setup.py").read_text()
