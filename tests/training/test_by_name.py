"""Data sets and losses by name: adding either is one registration (one module in the package), and nothing
else needs to know it; a name registered twice raises."""
from __future__ import annotations

import dataclasses
from contextlib import contextmanager

import numpy as np
import pytest
import torch
from click.testing import CliRunner

import zoo
from registry import LocalRegistry
from training import losses
from training.config import TrainConfig
from training.data import DataSource, load_label
from training.job import TrainJob
from training.metrics.classifier import classifier_name
from training.run import run_label
from zoo import builtin
from zoo.cli import main


@contextmanager
def registered(table, key: str):
    try:
        yield
    finally:
        table.unregister(key)


def stripes(data, label, split, shape, cache) -> np.ndarray:
    """A throwaway data set: label k is 20 images with a bright row k (train) or 5 (test)."""
    images = np.zeros((20 if split == "train" else 5, *shape), dtype=np.uint8)
    images[:, :, label] = 255
    return images


def test_a_data_set_registered_once_is_specced_loaded_trained_and_sampled(tmp_path):
    ds = builtin.BuiltinSet("stripes", "rows of light", lambda: ("top", "middle", "bottom"), (1, 8, 8), stripes)
    with registered(builtin._SETS, "stripes"):
        builtin.register(ds)
        with pytest.raises(ValueError, match="registered already"):
            builtin.register(ds)
        assert "stripes" in builtin.names() and zoo.spec("stripes").resolve_label("mid") == 1
        assert DataSource("stripes").image_shape() == (1, 8, 8) and classifier_name("stripes") == "stripesnet"
        assert load_label("stripes", 2).shape == (20, 1, 8, 8) and load_label("stripes", 2, split="test").shape[0] == 5
        job = TrainJob("stripes", (2,), str(tmp_path), TrainConfig(max_steps=2, preset="tiny", batch_size=4,
                                                                   warm_start=0))
        (unit,) = job.label_jobs()
        assert run_label(unit).status == "trained"
        assert zoo.sample("stripes", "bottom", n=2, seed=0, registry=tmp_path).shape == (2, 1, 8, 8)


def test_the_builtin_data_sets_name_their_own_classes_and_shapes():
    assert set(builtin.names()) == {"fashion-mnist", "mnist", "digits", "cifar10", "cifar100", "imagenet1k"}
    assert zoo.spec("imagenet1k").class_names[281] == "tabby" and zoo.spec("imagenet1k").class_ids[281] == "n02123045"
    assert DataSource("imagenet1k", resolution=32).image_shape() == (3, 32, 32)  # resizable
    assert DataSource("cifar10", resolution=32).image_shape() == (3, 32, 32) == DataSource("cifar10").image_shape()
    assert classifier_name("fashion-mnist") == "fmnistnet" and classifier_name("cifar-10.x") == "cifar10xnet"


def hinge_critic(D, real, fake, y, eps, penalty):
    s_real, s_fake = D(real, y).float(), D(fake, y).float()
    loss = torch.relu(1 - s_real).mean() + torch.relu(1 + s_fake).mean()
    return loss, {"hinge_d": loss}


def test_a_loss_registered_once_trains_records_and_plots_with_its_own_stats(tmp_path):
    hinge = losses.Loss("hinge", "hinge loss (a throwaway example)", hinge_critic, lambda s: -s.float().mean(),
                        stats=(("hinge_d", "critic hinge loss"), ("loss_g", "generator loss"), ("hinge_d", "again")),
                        recipe={"n_critic": 1, "warm_start": 0.0}, conditional=False)
    with registered(losses._LOSSES, "hinge"):
        losses.register(hinge)
        with pytest.raises(ValueError, match="registered already"):
            losses.register(hinge)
        cfg = TrainConfig.for_loss("hinge", max_steps=3, preset="tiny", batch_size=8, tick_s=0.001)
        assert (cfg.n_critic, cfg.warm_start) == (1, 0.0)
        (unit,) = TrainJob("fashion-mnist", (1,), str(tmp_path), cfg).label_jobs()
        assert run_label(unit).status == "trained"
        assert LocalRegistry(tmp_path).read_generator("fashion-mnist", 1).meta.loss == "hinge"
        res = CliRunner().invoke(main, ["plot-training", str(tmp_path), "fashion-mnist", "-o", str(tmp_path / "p.png")])
        assert res.exit_code == 0 and (tmp_path / "p.png").stat().st_size > 0, res.output
        with pytest.raises(Exception, match="conditional baseline takes --loss wgan-gp"):
            dataclasses.replace(TrainJob("fashion-mnist", (1,), str(tmp_path), cfg), mode="conditional")
    with pytest.raises(ValueError, match="unknown loss 'hinge'.* known: dcgan, wgan-gp"):
        losses.get("hinge")
