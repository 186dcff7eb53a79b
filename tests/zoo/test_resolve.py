"""Which generator serves a request: the rules of ``zoo.resolve``, checked by provenance (the samples equal
the net loaded straight from the file that should serve), not by shape."""
from __future__ import annotations


import pytest
import torch
from click.testing import CliRunner

import zoo
from registry import EntryNotFound, LocalRegistry
from conftest import add_conditional, add_generator
from zoo.cli import main
from zoo.loading import LabelBound, generator_from_file
from zoo.sampling import latents
from zoo.sources import bundled_registry_path

FMNIST = "fashion-mnist"


def straight_from_file(path, label: int | None, n: int, seed: int) -> torch.Tensor:
    """What the file at ``path`` makes for (label, seed), with no router in between."""
    reg = LocalRegistry(path.parent.parent)
    gf = reg.read_generator(FMNIST, int(path.stem.split("-")[1]) if path.stem.startswith("label-") else None)
    net = generator_from_file(gf)
    net = LabelBound(net, label) if gf.meta.label is None else net
    with torch.no_grad():
        return net(latents(n, net.latent_dim, seed=seed)).float()


def test_a_named_conditional_registry_serves_its_own_model_not_the_bundled_zoo(make_registry):
    cond = make_registry({}, name="cond")
    add_conditional(cond, seed=3)
    x = zoo.sample(FMNIST, 7, n=3, seed=0, registry=cond.root)
    served = zoo.which(FMNIST, 7, registry=cond.root)
    assert served.kind == "conditional" and served.registry == str(cond.root)
    assert served.file == cond.path_of(FMNIST, None) and served.meta.kind == "conditional"
    assert torch.allclose(x, straight_from_file(served.file, 7, 3, 0), atol=1e-6)
    bundled = zoo.sample(FMNIST, 7, n=3, seed=0)  # the default path: the bundled per-label zoo
    assert zoo.which(FMNIST, 7).registry == str(bundled_registry_path())
    assert not torch.allclose(x, bundled, atol=1e-2)
    # The label's own generator in the bundled registry would have been chosen by the old rule; a loaded
    # copy and a multi-label request agree with the single-label one.
    assert torch.allclose(zoo.load(FMNIST, 7, registry=cond.root)(latents(3, 16, seed=0)), x, atol=1e-6)
    many = zoo.sample(FMNIST, labels=[7, 1, 7], n=3, seed=0, registry=cond.root)
    assert torch.allclose(many[:3], x, atol=1e-6) and torch.allclose(many[6:], x, atol=1e-6)


def test_a_named_registry_is_the_whole_path(make_registry):
    own = make_registry({FMNIST: [0, 2, 3]}, name="own")
    with pytest.raises(EntryNotFound, match=r"label 7 \(Sneaker\): .*own holds labels 0, 2-3"):
        zoo.sample(FMNIST, 7, registry=own.root)  # the bundled zoo has label 7, but was not named
    assert zoo.datasets(registry=own.root)[FMNIST].labels == (0, 2, 3)
    assert zoo.which(FMNIST, 0, registry=[own.root, bundled_registry_path()]).registry == str(own.root)
    assert zoo.which(FMNIST, 7, registry=[own.root, bundled_registry_path()]).registry == str(bundled_registry_path())


def test_zoo_registry_with_disjoint_labels_serves_each_from_its_holder(make_registry, monkeypatch):
    low, high = make_registry({FMNIST: [0, 1]}, name="low", seed=10), make_registry({FMNIST: [5, 6]}, name="high")
    monkeypatch.setenv("ZOO_REGISTRY", f"{low.root}:{high.root}")
    for label, holder in ((0, low), (1, low), (5, high), (6, high), (7, None)):
        served = zoo.which(FMNIST, label)
        expected = holder.root if holder else bundled_registry_path()
        assert served.registry == str(expected) and served.kind == "per-label"
        x = zoo.sample(FMNIST, label, n=2, seed=4)
        assert torch.allclose(x, straight_from_file(served.file, label, 2, 4), atol=1e-6)


def test_first_registry_that_can_serve_wins_and_inside_one_the_label_file_first(make_registry):
    first = make_registry({FMNIST: [2]}, name="first")
    add_conditional(first, seed=1)
    second = make_registry({FMNIST: [4]}, name="second")
    path = [first.root, second.root]
    assert zoo.which(FMNIST, 2, registry=path).kind == "per-label"  # own file before the conditional one
    served = zoo.which(FMNIST, 4, registry=path)  # the first registry can serve 4 through its conditional net
    assert (served.registry, served.kind) == (str(first.root), "conditional")
    assert zoo.which(FMNIST, 4, registry=list(reversed(path))).registry == str(second.root)


def test_a_label_file_appearing_later_takes_over_from_the_conditional_one(make_registry):
    reg = make_registry({}, name="grow")
    add_conditional(reg, seed=2)
    before = zoo.sample(FMNIST, 5, n=2, seed=0, registry=reg.root)  # routed (and memoised) to the conditional
    add_generator(reg, FMNIST, 5, seed=9)
    after = zoo.sample(FMNIST, 5, n=2, seed=0, registry=reg.root)
    assert zoo.which(FMNIST, 5, registry=reg.root).kind == "per-label"
    assert torch.allclose(after, straight_from_file(reg.path_of(FMNIST, 5), 5, 2, 0), atol=1e-6)
    assert not torch.allclose(before, after, atol=1e-3)


def test_the_cli_names_what_served(make_registry, tmp_path):
    cond = make_registry({}, name="cond")
    add_conditional(cond)
    res = CliRunner().invoke(main, ["which", FMNIST, "Sneaker", "-r", str(cond.root)])
    assert res.exit_code == 0 and "conditional generator conditional.safetensors in" in res.output
    res = CliRunner().invoke(main, ["sample", FMNIST, "7", "-n", "2", "--seed", "0", "-r", str(cond.root),
                                    "-o", str(tmp_path / "x.png")])
    assert res.exit_code == 0 and f"served by: {FMNIST}/7 (Sneaker): conditional generator" in res.output
    res = CliRunner().invoke(main, ["which", FMNIST, "7", "-r", str(make_registry({FMNIST: [1]}).root)])
    assert res.exit_code == 2 and "holds labels 1" in res.output and res.output.count("\n") == 1
