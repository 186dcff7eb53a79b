"""A label's stored truncation is its sampling default: ``truncation=None`` uses it, a number overrides it,
``0``/``"off"`` turns it off; generators with other defaults are never given one latent block."""
from __future__ import annotations

import pytest
import torch
from click.testing import CliRunner

import zoo
from tests.conftest import add_generator
from zoo.cli import main
from zoo.errors import InvalidRequest

DATASET = "fashion-mnist"


@pytest.fixture
def registry(make_registry):
    reg = make_registry({})
    add_generator(reg, DATASET, 0, seed=1, truncation=0.5)
    for label in (1, 2, 3, 4):  # one more with a default and three without: a batch of several stacks
        add_generator(reg, DATASET, label, seed=1 + label, truncation=0.5 if label == 4 else None)
    reg.reindex()
    return str(reg.root)


def test_none_uses_the_stored_truncation_a_number_overrides_it_and_off_turns_it_off(registry):
    stored = zoo.sample(DATASET, 0, n=8, seed=3, registry=registry)
    assert torch.equal(stored, zoo.sample(DATASET, 0, n=8, seed=3, truncation=0.5, registry=registry))
    off = zoo.sample(DATASET, 0, n=8, seed=3, truncation="off", registry=registry)
    assert not torch.allclose(stored, off, atol=1e-4)
    assert torch.equal(off, zoo.sample(DATASET, 0, n=8, seed=3, truncation=0, registry=registry))
    other = zoo.sample(DATASET, 0, n=8, seed=3, truncation=2.0, registry=registry)
    assert not torch.allclose(other, stored, atol=1e-4) and not torch.allclose(other, off, atol=1e-4)
    # A generator without a stored default: None is no truncation.
    assert torch.equal(zoo.sample(DATASET, 1, n=8, seed=3, registry=registry),
                       zoo.sample(DATASET, 1, n=8, seed=3, truncation="off", registry=registry))


def test_a_batch_of_labels_gives_each_its_own_default(registry):
    labels = [0, 1, 2, 3, 4]
    batch = zoo.sample(DATASET, labels=labels, n=4, seed=5, registry=registry)  # stacked: >= 4 of one architecture
    for i, label in enumerate(labels):
        alone = zoo.sample(DATASET, label, n=4, seed=5, registry=registry)
        assert torch.allclose(batch[4 * i: 4 * i + 4], alone, atol=1e-5), label


@pytest.mark.parametrize("bad", [0.01, 11, -1, "half", True])
def test_a_truncation_outside_the_range_lists_what_is_accepted(registry, bad):
    with pytest.raises(InvalidRequest, match=r"expected a number in 0.05..10, 0 or 'off'"):
        zoo.sample(DATASET, 0, n=2, seed=0, truncation=bad, registry=registry)


def test_the_cli_takes_off_and_which_shows_the_default(registry, tmp_path):
    runner = CliRunner()
    res = runner.invoke(main, ["which", DATASET, "0", "-r", registry])
    assert res.exit_code == 0 and "truncation 0.5 by default" in res.output
    assert "truncation" not in runner.invoke(main, ["which", DATASET, "1", "-r", registry]).output
    for value in ("off", "0", "0.7"):
        res = runner.invoke(main, ["sample", DATASET, "0", "-n", "2", "--seed", "1", "--truncation", value,
                                   "-r", registry, "-o", str(tmp_path / f"{value}.png")])
        assert res.exit_code == 0, res.output
    res = runner.invoke(main, ["sample", DATASET, "0", "--truncation", "lots", "-r", registry])
    assert res.exit_code == 2 and "expected a number or 'off'" in res.output
