"""Metrics against cases with known answers, and `zoo eval` end to end on real digits with real tiny
generators and a real (briefly trained) domain classifier."""
import json

import pytest
import torch
from click.testing import CliRunner
from conftest import add_generator, tiny_config, together

from registry import LocalRegistry, verify
from training.errors import InvalidTrainConfig
from training.metrics import METRICS, Sample, classifier_extractor, evaluate, train_classifier
from training.metrics.commands import _split
from zoo.cli import main

pytestmark = together("test_metrics")


def score(name, real, fake, logits=None, label=None):
    return METRICS[name].fn(Sample(real, fake, logits, label))


def test_identical_sets_score_perfectly():
    x = torch.randn(300, 8, generator=torch.Generator().manual_seed(0))
    assert score("fid", x, x) == pytest.approx(0.0, abs=1e-6)
    assert abs(score("kid", x, x)) < 0.1  # unbiased: subsets are drawn independently, so only close to 0
    assert score("precision", x, x) == 1.0 and score("recall", x, x) == 1.0


@pytest.mark.parametrize("n_real, n_fake", [(20, 30), (40, 12)])
def test_fid_from_fewer_samples_than_dimensions_is_clean_fids_value(n_real, n_fake):
    """The n x n form used when samples are fewer than dimensions (2,048-d Inception features) against
    clean-fid's d x d matrix square root, on the same features."""
    from cleanfid.fid import frechet_distance

    from training.metrics.scores import _frechet_from_samples, _stats

    g = torch.Generator().manual_seed(0)
    real = torch.randn(n_real, 64, generator=g)
    fake = torch.randn(n_fake, 64, generator=g) * 1.3 + 0.2
    want = float(frechet_distance(*_stats(real), *_stats(fake)))
    assert _frechet_from_samples(real, fake) == pytest.approx(want, rel=1e-6)
    assert METRICS["fid"].fn(Sample(real, fake)) == pytest.approx(want, rel=1e-6)


def test_disjoint_sets_score_badly_and_mode_collapse_shows_in_recall():
    g = torch.Generator().manual_seed(1)
    real, far = torch.randn(300, 8, generator=g), torch.randn(300, 8, generator=g) + 10
    assert score("fid", real, far) > 700  # the mean shift alone contributes 8 * 10^2
    assert score("kid", real, far) > 1.0
    assert score("precision", real, far) == 0.0 and score("recall", real, far) == 0.0
    collapsed = real[:1].repeat(300, 1) + 0.01 * torch.randn(300, 8, generator=g)  # one mode only
    assert score("precision", real, collapsed) > 0.9 and score("recall", real, collapsed) < 0.05


def test_inception_score_and_class_consistency_known_values():
    sure = torch.eye(4).repeat(25, 1) * 50  # confident, all four classes equally often
    assert score("is", None, None, sure) == pytest.approx(4.0, rel=1e-3)
    assert score("is", None, None, torch.zeros(100, 4)) == pytest.approx(1.0)
    logits = torch.tensor([[5.0, 0.0], [5.0, 0.0], [0.0, 5.0], [5.0, 0.0]])
    assert score("class_consistency", None, None, logits, label=0) == 0.75


@pytest.fixture(scope="module")
def digits_registry(tmp_path_factory):
    reg = LocalRegistry.create(tmp_path_factory.mktemp("digits"))
    train, test = _split("digits", 10, None, "train"), _split("digits", 10, None, "test")
    result = train_classifier(reg, "digits", train, test, num_classes=10, epochs=4)
    for label in (0, 1, 2):
        add_generator(reg, "digits", label, seed=label, config=tiny_config(8, 1))
    reg.reindex()
    return reg, result


def test_the_classifier_is_stored_with_its_real_test_accuracy(digits_registry):
    reg, result = digits_registry
    tensors, meta = reg.read_extra("digits", "classifier")
    assert float(meta["test_accuracy"]) == pytest.approx(result["test_accuracy"]) and result["test_accuracy"] > 0.7
    assert reg.index().datasets["digits"].extras["classifier"].sha256
    assert verify(reg).ok


def test_eval_measures_what_exists_names_what_is_missing_and_caches_real_features(digits_registry, monkeypatch):
    reg, _ = digits_registry
    ex = classifier_extractor(reg, "digits")
    result = evaluate(reg.root, "digits", extractor=ex, n=40)
    assert result["missing_labels"] == [3, 4, 5, 6, 7, 8, 9] and sorted(result["labels"]) == ["0", "1", "2"]
    scores = result["labels"]["0"]
    assert set(scores) == {f"{m}_digitsnet" for m in ("fid", "kid", "precision", "recall", "is", "class_consistency")}
    assert 0 <= scores["class_consistency_digitsnet"] <= 1 and scores["fid_digitsnet"] > 0
    ref = result["reference"]["intra_fid_digitsnet_real_train_vs_test"]
    assert 0 <= ref < result["overall"]["intra_fid_digitsnet"]  # untrained generators are worse than real data
    # Real test images in the generated images' place: what a perfect generator would score, on every metric
    held_out = {m: result["reference"][f"{m}_digitsnet_real_test"] for m in ("kid", "precision", "recall", "is",
                                                                               "class_consistency")}
    assert held_out["class_consistency"] > max(0.7, result["overall"]["class_consistency_digitsnet"])
    assert held_out["recall"] > result["overall"]["recall_digitsnet"] and 0 < held_out["precision"] <= 1
    assert held_out["kid"] < result["overall"]["kid_digitsnet"]
    assert result["served_by"] == {"0": "per-label", "1": "per-label", "2": "per-label"}
    stored = json.loads((reg.root / "digits" / "metrics.json").read_text())
    assert stored["digitsnet"]["overall"] == result["overall"]
    reg.reindex()
    assert reg.index().datasets["digits"].metrics["digitsnet"].n == 40  # survives reindex

    caches = sorted((reg.root / "digits" / "cache").glob("*.safetensors"))
    assert len(caches) == 6  # train and test features of three labels
    calls = []
    import training.metrics.features as features_mod

    real_extract = features_mod.extract
    monkeypatch.setattr(features_mod, "extract", lambda *a, **k: calls.append(1) or real_extract(*a, **k))
    again = evaluate(reg.root, "digits", extractor=ex, n=40)
    assert calls == [] and again["labels"] == result["labels"]  # the second eval recomputes nothing real
    caches[0].write_bytes(caches[0].read_bytes()[:50])  # a damaged cache is recomputed, not trusted
    third = evaluate(reg.root, "digits", extractor=ex, n=40)
    assert len(calls) == 1 and third["labels"] == result["labels"]


def test_real_n_scores_against_the_same_seeded_subset_cached_apart_from_the_full_set(digits_registry):
    """--real-n: Inception on a CPU cannot afford every real image; the subset is seeded, so two runs agree."""
    from registry.files import read_extra

    reg, _ = digits_registry
    ex = classifier_extractor(reg, "digits")
    capped = evaluate(reg.root, "digits", extractor=ex, n=20, real_n=25, labels=[0])
    files = sorted((reg.root / "digits" / "cache").glob("*-00000-at-most-25.safetensors"))
    assert [f.name.split("-")[2:4] for f in files] == [["8px", "test"], ["8px", "train"]]  # digits are 8 x 8
    train = read_extra(files[1])[0]["features"]
    assert len(train) == 25  # digits has about 150 train images of label 0: a subset was taken
    assert capped["real_n"] == 25 and "25 real train images" in capped["description"]
    files[1].unlink()  # recomputed: the same subset, so the same figures
    again = evaluate(reg.root, "digits", extractor=ex, n=20, real_n=25, labels=[0])
    assert torch.equal(read_extra(files[1])[0]["features"], train) and again["labels"] == capped["labels"]
    full = evaluate(reg.root, "digits", extractor=ex, n=20, labels=[0])
    assert "real_n" not in full and full["labels"] != capped["labels"]


def test_n_below_what_a_metric_needs_names_the_minimum(digits_registry):
    reg, _ = digits_registry
    with pytest.raises(InvalidTrainConfig, match="n=3: precision needs at least 4 samples"):
        evaluate(reg.root, "digits", extractor=classifier_extractor(reg, "digits"), n=3)


def test_eval_cli_prints_a_table_and_inception_absent_is_one_line(digits_registry, tmp_path):
    reg, _ = digits_registry
    stored = reg.metrics("digits").get("digitsnet")  # the module's registry: an earlier test may have stored n=40
    res = CliRunner().invoke(main, ["eval", "digits", "-r", str(reg.root), "-n", "20"])
    assert res.exit_code == (2 if stored is not None and stored.n > 20 else 0), res.output
    res = CliRunner().invoke(main, ["eval", "digits", "-r", str(reg.root), "-n", "20", "--replace"])
    assert res.exit_code == 0, res.output
    assert "class_consistency_digitsnet" in res.output and "missing labels (no generator): [3," in res.output
    res = CliRunner().invoke(main, ["eval", "digits", "-r", str(reg.root), "--features", "inception",
                                    "--inception", str(tmp_path / "nope.pt")])
    assert res.exit_code == 2 and res.stderr.count("\n") == 1 and "Inception weights not found" in res.stderr
