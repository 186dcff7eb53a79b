"""A conditional model serves exactly the labels it learned: its file records them, and which, sample, list,
the card and the demo's choices count and serve only those; any other label goes to the next registry on the
path, or is EntryNotFound naming what the model covers."""
from __future__ import annotations

import pytest
from click.testing import CliRunner
from conftest import add_conditional, add_generator, together

import zoo
from registry import LocalRegistry
from zoo.cli import main
from zoo.errors import EntryNotFound

pytestmark = together("test_conditional_coverage")


@pytest.fixture(scope="module")
def cond(tmp_path_factory) -> LocalRegistry:
    out = tmp_path_factory.mktemp("cond") / "reg"
    res = CliRunner().invoke(main, ["train", "fashion-mnist", "--labels", "0-2", "--mode", "conditional",
                                    "--max-steps", "2", "--preset", "tiny", "--batch-size", "8", "--out", str(out)])
    assert res.exit_code == 0, res.output
    return LocalRegistry(out)


def test_the_file_records_the_labels_it_learned_and_serves_only_those(cond):
    assert cond.read_meta("fashion-mnist", None).labels == (0, 1, 2)
    assert zoo.which("fashion-mnist", "Pullover", registry=cond.root).kind == "conditional"
    assert zoo.sample("fashion-mnist", 2, n=2, seed=0, registry=cond.root).shape == (2, 1, 28, 28)
    with pytest.raises(EntryNotFound, match=r"label 7 \(Sneaker\).*conditional generator of labels 0-2"):
        zoo.sample("fashion-mnist", 7, n=1, registry=cond.root)
    assert zoo.datasets(registry=cond.root)["fashion-mnist"].labels == (0, 1, 2)
    res = CliRunner().invoke(main, ["sample", "fashion-mnist", "Sneaker", "-r", str(cond.root)])
    assert res.exit_code == 2 and res.stderr.count("\n") == 1 and "labels 0-2" in res.stderr
    listed = CliRunner().invoke(main, ["list", "-r", str(cond.root)]).output
    assert [line.split()[3] for line in listed.splitlines() if line.startswith("fashion-mnist")] == ["3"]
    assert "serves the 3 labels it learned (0-2) and no other" in zoo.model_card("fashion-mnist", registry=cond.root)


def test_a_label_the_model_never_learned_goes_to_the_next_registry(cond, make_registry):
    other = make_registry({"fashion-mnist": [7]})
    served = zoo.which("fashion-mnist", 7, registry=[cond.root, other.root])
    assert served.kind == "per-label" and served.registry == str(other.root)
    assert zoo.which("fashion-mnist", 1, registry=[cond.root, other.root]).registry == str(cond.root)
    assert zoo.datasets(registry=[cond.root, other.root])["fashion-mnist"].labels == (0, 1, 2, 7)


def test_a_conditional_file_without_the_record_serves_every_label_as_before(tmp_path):
    reg = LocalRegistry.create(tmp_path / "old")
    add_conditional(reg)  # written without `labels`, as files of earlier versions are
    add_generator(reg, "fashion-mnist", 4)
    reg.reindex()
    assert reg.read_meta("fashion-mnist", None).labels is None
    assert zoo.datasets(registry=reg.root)["fashion-mnist"].labels == tuple(range(10))
    assert zoo.which("fashion-mnist", 9, registry=reg.root).kind == "conditional"
