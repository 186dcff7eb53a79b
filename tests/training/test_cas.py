"""`zoo eval --cas`: the Classification Accuracy Score of the bundled zoo's real generators, against real data
with the same recipe; without a domain classifier, which command trains one."""
from __future__ import annotations

import functools
import json
import shutil

import pytest
from click.testing import CliRunner
from conftest import together

import zoo
from registry import LocalRegistry
from training.data import load_label, seeded_subset
from training.metrics.cas import classification_accuracy_score
from training.metrics.classifier import load_classifier, predictions
from zoo.cli import main
from zoo.sources import bundled_registry_path

pytestmark = together("test_cas")

DATASET = "fashion-mnist"


@pytest.fixture(scope="module")
def bundled_copy(tmp_path_factory):
    root = tmp_path_factory.mktemp("cas") / "zoo"
    shutil.copytree(bundled_registry_path(), root)
    return root


@pytest.mark.slow
def test_cas_trains_on_generated_images_and_reads_against_real_data(bundled_copy):
    # 300 of each label's 1,000 test images (a seeded subset): the classifiers' predictions are most of the cost
    result = classification_accuracy_score(bundled_copy, DATASET, n=20, labels=[0, 1], min_steps=30, test_n=300)
    block = json.loads((bundled_copy / DATASET / "metrics.json").read_text())["cas"]
    assert block == json.loads(json.dumps(result)) and block["n"] == 20 and set(block["labels"]) == {"0", "1"}
    assert "tested on at most 300 real test images per label" in block["description"]
    ceiling, _ = load_classifier(LocalRegistry(bundled_copy), DATASET)
    for label, scores in block["labels"].items():
        test = seeded_subset(load_label(DATASET, int(label), split="test", channels=1), 300, int(label))
        assert len(test) == 300
        own = float((predictions(ceiling, test) == int(label)).float().mean())
        assert scores["cas_real_all"] == pytest.approx(own)  # the domain classifier on the same test images
        assert all(0 <= v <= 1 for v in scores.values())
    # T-shirts and Trousers from trained generators: far above the 1-in-2 of images that say nothing.
    assert block["overall"]["cas"] > 0.75 and block["overall"]["cas_real_same_n"] > 0.75
    card = zoo.model_card(DATASET, registry=str(bundled_copy))
    assert "Classification Accuracy Score: `cas` is the test accuracy" in card
    # Without the real-data classifiers (a comparison runs them once): neither scored nor described.
    alone = classification_accuracy_score(bundled_copy, DATASET, n=20, labels=[0, 1], min_steps=5, baselines=False,
                                          test_n=300)
    assert set(alone["overall"]) == {"cas"} and "cas_real_same_n" not in alone["description"]
    assert "were not run here" in alone["description"]


def test_cas_without_a_domain_classifier_says_which_command_trains_one(make_registry):
    reg = make_registry({DATASET: [0, 1]})
    res = CliRunner().invoke(main, ["eval", DATASET, "-r", str(reg.root), "--cas"])
    assert res.exit_code == 2 and f"zoo train-classifier {DATASET} --out {reg.root}" in res.output
    assert not (reg.root / DATASET / "metrics.json").exists()


def test_cas_n_out_of_range_is_refused():
    res = CliRunner().invoke(main, ["eval", DATASET, "-r", "nowhere", "--cas", "--cas-n", "0"])
    assert res.exit_code == 2 and "--cas-n" in res.output


def test_eval_without_a_registry_evaluates_the_bundled_zoo(bundled_copy, monkeypatch):
    """`zoo eval fashion-mnist` with no -r: the bundled zoo (here a copy, so the checkout's record stays as it is)."""
    import training.metrics.commands as commands

    monkeypatch.setattr(commands, "bundled_registry_path", lambda: bundled_copy)
    # CAS as the CLI runs it, with 5 steps a classifier instead of 100: the plumbing is under test, not the score
    monkeypatch.setattr(commands, "classification_accuracy_score",
                        functools.partial(classification_accuracy_score, min_steps=5))
    res = CliRunner().invoke(main, ["eval", DATASET, "--labels", "0,1", "-n", "20", "--real-n", "40", "--replace",
                                    "--cas", "--cas-n", "20"])
    assert res.exit_code == 0, res.output
    record = json.loads((bundled_copy / DATASET / "metrics.json").read_text())
    block = record["fmnistnet"]
    assert block["n"] == 20 and set(block["labels"]) == {"0", "1"} and "stored in the metrics record of" in res.output
    assert block["real_n"] == 40  # 40 real images per label and split: the CLI passes --real-n through
    assert "tested on at most 40 real test images per label" in res.output  # and to CAS, as its test set
    assert "tested on at most 40 real test images per label" in record["cas"]["description"]
