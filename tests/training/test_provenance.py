"""The provenance guard of the comparison: it passes on what a run wrote and fires on every way the
evaluator could end up scoring something else (the routing surprise that once made a benchmark lie)."""
from __future__ import annotations

import shutil

import pytest

from conftest import add_conditional, add_generator
from registry import LocalRegistry
from training.errors import ProvenanceError
from training.metrics import check_provenance
from zoo.sources import bundled_registry_path

FMNIST = "fashion-mnist"


@pytest.fixture
def conditional(tmp_path) -> LocalRegistry:
    reg = LocalRegistry.create(tmp_path / "cond")
    add_conditional(reg)
    return reg


def digests(reg: LocalRegistry) -> dict:
    entry = reg.index().datasets[FMNIST]
    return {**{k: g.sha256 for k, g in entry.generators.items()},
            **({None: entry.conditional.sha256} if entry.conditional else {})}


def test_the_guard_passes_on_what_the_runs_wrote(make_registry, conditional):
    per_label = make_registry({FMNIST: [0, 1, 2]})
    assert check_provenance(per_label.root, FMNIST, [0, 1, 2], kind="per-label", sha256=digests(per_label)) == 9
    assert check_provenance(conditional.root, FMNIST, [0, 7], kind="conditional", sha256=digests(conditional)) == 6


def test_the_guard_fires_when_a_label_file_shadows_the_conditional_model(conditional):
    sha = digests(conditional)
    add_generator(conditional, FMNIST, 7, seed=3)  # resolution now prefers the label's own file
    check_provenance(conditional.root, FMNIST, [0], kind="conditional", sha256=sha)  # label 0 still conditional
    with pytest.raises(ProvenanceError, match="would sample .*per-label generator label-00007"):
        check_provenance(conditional.root, FMNIST, [7], kind="conditional", sha256=sha)


def test_the_guard_fires_when_the_evaluator_searches_elsewhere(conditional):
    with pytest.raises(ProvenanceError, match=f"would sample .*in {bundled_registry_path()}"):
        check_provenance(conditional.root, FMNIST, [3], kind="conditional",
                         served_from=[bundled_registry_path(), conditional.root])


def test_the_guard_fires_when_a_file_was_swapped(make_registry):
    a, b = make_registry({FMNIST: [4]}, seed=0), make_registry({FMNIST: [4]}, seed=50)
    sha = digests(a)
    shutil.copyfile(b.path_of(FMNIST, 4), a.path_of(FMNIST, 4))
    a.reindex()
    with pytest.raises(ProvenanceError, match="the file was swapped"):
        check_provenance(a.root, FMNIST, [4], kind="per-label", sha256=sha)


def test_the_guard_compares_images_not_only_file_names(make_registry, monkeypatch):
    reg = make_registry({FMNIST: [5]})
    import zoo

    real_sample = zoo.sample
    # Stands in for a router bug that serves the right file but the wrong images (say, a stale cache).
    monkeypatch.setattr(zoo, "sample", lambda *a, **k: (real_sample(*a, **k) + 0.01).clamp(0, 1))
    with pytest.raises(ProvenanceError, match="sampled images differ from the net of"):
        check_provenance(reg.root, FMNIST, [5], kind="per-label")


def test_a_stored_truncation_is_what_the_guard_expects_and_a_changed_one_fires(make_registry):
    """bench/truncation.py checks registries whose files store a per-label truncation (--truncation auto)."""
    import dataclasses

    reg = make_registry({FMNIST: [0, 1]})
    gf = reg.read_generator(FMNIST, 0)
    reg.save_generator(gf.tensors, dataclasses.replace(gf.meta, truncation=0.5))
    reg.reindex()
    sha = digests(reg)
    assert check_provenance(reg.root, FMNIST, [0, 1], kind="per-label", sha256=sha) == 6
    gf = reg.read_generator(FMNIST, 0)
    reg.save_generator(gf.tensors, dataclasses.replace(gf.meta, truncation=None))  # another file now serves
    reg.reindex()
    with pytest.raises(ProvenanceError, match="swapped"):
        check_provenance(reg.root, FMNIST, [0], kind="per-label", sha256=sha)
