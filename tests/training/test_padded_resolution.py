"""Fashion-MNIST (28 px) at 32 px, the ResNet family's size: its real images centred on their zero background,
trained, sampled and scored at that size, with real-image features cached apart per size."""
from __future__ import annotations

import pytest
import torch
from click.testing import CliRunner

import zoo
from registry import LocalRegistry
from training.data import DataSource, load_label
from training.errors import InvalidTrainConfig
from training.metrics.evaluate import evaluate
from training.metrics.features import classifier_extractor, real_features
from zoo.cli import main
from zoo.sources import bundled_registry_path


def test_fashion_mnist_at_32_px_is_its_28_px_images_centred_on_zeros():
    small = load_label("fashion-mnist", 7, split="test")
    large = load_label("fashion-mnist", 7, split="test", resolution=32)
    assert large.shape == (1000, 1, 32, 32) and large.dtype == torch.uint8
    assert torch.equal(large[:, :, 2:30, 2:30], small)
    border = large.clone()
    border[:, :, 2:30, 2:30] = 0
    assert border.abs().sum() == 0 and small.float().mean() > 0
    assert DataSource("fashion-mnist", resolution=32).image_shape() == (1, 32, 32)
    assert DataSource("fashion-mnist", resolution=28).image_shape() == DataSource("fashion-mnist").image_shape()


@pytest.mark.parametrize(("dataset", "resolution", "choices"), [("fashion-mnist", 64, "28, 32"), ("mnist", 30, "28, 32"),
                                                                ("cifar10", 64, "32$")])
def test_a_size_a_fixed_size_set_cannot_take_is_refused_with_the_sizes_it_can(dataset, resolution, choices):
    with pytest.raises(InvalidTrainConfig, match=f"resolution {resolution} is not one of {choices}"):
        DataSource(dataset, resolution=resolution).image_shape()


def test_the_cli_refuses_such_a_size_in_one_line_before_writing_anything(tmp_path):
    res = CliRunner().invoke(main, ["train", "fashion-mnist", "--resolution", "64", "--out", str(tmp_path / "r")])
    assert res.exit_code == 2 and res.output.count("\n") == 1 and "28, 32" in res.output, res.output
    assert not (tmp_path / "r").exists()  # refused before anything was written


def test_a_32_px_resnet_trains_samples_and_scores_against_32_px_real_images(tmp_path):
    res = CliRunner().invoke(main, ["train", "fashion-mnist", "--labels", "4", "--resolution", "32", "--arch", "resnet",
                                    "--preset", "tiny", "--max-steps", "2", "--warm-start", "0", "--out",
                                    str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert zoo.sample("fashion-mnist", 4, n=3, seed=0, registry=tmp_path).shape == (3, 1, 32, 32)
    reg = LocalRegistry(tmp_path)
    reg.adopt_extra(LocalRegistry(bundled_registry_path()), "fashion-mnist", "classifier")
    reg.reindex()
    ex = classifier_extractor(reg, "fashion-mnist")
    result = evaluate(tmp_path, "fashion-mnist", extractor=ex, n=20, labels=(4,), real_n=200)
    assert result["labels"]["4"]["class_consistency_fmnistnet"] >= 0
    assert sorted(p.name.split("-")[2] for p in (tmp_path / "fashion-mnist" / "cache").glob("*.safetensors")) \
        == ["32px", "32px"]  # train and test features, computed from the padded images


def test_real_features_of_one_label_at_two_sizes_are_cached_apart(tmp_path):
    reg = LocalRegistry.create(tmp_path / "r")
    reg.adopt_extra(LocalRegistry(bundled_registry_path()), "fashion-mnist", "classifier")
    reg.reindex()
    ex = classifier_extractor(reg, "fashion-mnist")

    def feats(resolution: int) -> torch.Tensor:
        return real_features(reg, "fashion-mnist", 1, "test", ex, lambda: load_label(
            "fashion-mnist", 1, split="test", resolution=resolution), resolution=resolution, at_most=64)

    at_28, at_32 = feats(28), feats(32)
    assert at_28.shape == at_32.shape and not torch.allclose(at_28, at_32)
    assert torch.equal(feats(32), at_32) and torch.equal(feats(28), at_28)  # each read back from its own file
    assert len(list((reg.root / "fashion-mnist" / "cache").glob("*.safetensors"))) == 2
