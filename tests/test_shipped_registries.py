"""Every registry the repository ships, driven by the registry itself: each entry's sha256 matches,
its meta validates, it loads with strict=True and samples; each index equals the one rebuilt from files."""
from pathlib import Path

import pytest
import torch

import zoo
from registry import INDEX_NAME, LocalRegistry, verify
from registry.index import build_index
from zoo.loading import generator_from_file
from zoo.sources import bundled_registry_path

REPO = Path(__file__).resolve().parents[1]
SHIPPED = sorted({p.parent for p in REPO.glob(f"**/{INDEX_NAME}")
                  if ".venv" not in p.parts and "tests" not in p.relative_to(REPO).parts})
ENTRIES = [(root, d, int(k)) for root in SHIPPED
           for d, e in LocalRegistry(root).index().datasets.items() for k in e.generators]


def test_the_bundled_registry_is_among_the_shipped_ones():
    assert bundled_registry_path() in SHIPPED


@pytest.mark.parametrize("root", SHIPPED, ids=lambda p: str(p.relative_to(REPO)))
def test_shipped_index_is_exactly_what_the_files_give(root):
    rebuilt, problems = build_index(root)
    assert problems == []
    assert LocalRegistry(root).index() == rebuilt
    assert verify(LocalRegistry(root), load_check=generator_from_file).ok


@pytest.mark.parametrize("root,dataset,label", ENTRIES,
                         ids=[f"{r.name}/{d}/{lab}" for r, d, lab in ENTRIES])
def test_every_shipped_generator_loads_strictly_and_samples(root, dataset, label):
    reg = LocalRegistry(root)
    gf = reg.read_generator(dataset, label)  # checks the sha256 recorded in the index
    assert gf.meta.dataset == dataset and gf.meta.label == label
    spec = zoo.spec(dataset, registry=root)
    assert gf.meta.class_name == spec.class_names[label] and gf.meta.image_shape == spec.image_shape
    x = zoo.sample(dataset, label, n=2, seed=0, registry=root)
    assert x.shape == (2, *spec.image_shape) and torch.isfinite(x).all()
