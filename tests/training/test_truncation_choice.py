"""``--truncation auto``: each label's default chosen after training on its own training images, stored in its
file; refused up front where nothing can score the candidates."""
from __future__ import annotations

import json

import pytest
import torch
from click.testing import CliRunner
from torch import nn

from registry import LocalRegistry
from registry.layout import RUN_TIMING
from training.config import TrainConfig
from training.errors import InvalidTrainConfig
from training.job import TrainJob
from training.metrics.features import Extractor
from training.pool import train_jobs
from training.truncation import CANDIDATES, choose_truncation
from zoo.cli import main
from zoo.sampling import latents


class Squash(nn.Module):
    """Images that are the latents themselves, squashed into [0, 1]: truncating z narrows them."""
    latent_dim = 8

    def __init__(self) -> None:
        super().__init__()
        self.anchor = nn.Parameter(torch.zeros(()))  # a parameter, so it has a device

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(z + self.anchor).view(-1, 1, 2, 4)


def test_the_candidate_closest_to_the_training_images_is_chosen():
    flat = Extractor("flat", "0" * 64, lambda x: (x.flatten(1) * 10, None))
    G = Squash()
    for truth in (1.0, 2.0):  # training images drawn as if the truth were that truncation
        real = (G(latents(3000, 8, seed=11, truncation=truth)) * 255).round().to(torch.uint8)
        chosen, scores = choose_truncation(G, real, flat)
        assert chosen == truth, scores
        assert set(scores) == {"none" if t is None else f"{t:g}" for t in CANDIDATES}


@pytest.mark.slow
def test_auto_stores_each_labels_choice_and_sampling_uses_it(tmp_path):
    """A tiny real run on Fashion-MNIST, scored by the bundled zoo's domain classifier."""
    root = tmp_path / "zoo"
    cfg = TrainConfig(budget_s=1.0, preset="tiny", batch_size=16, warm_start=0.0, tick_s=0.5, truncation="auto")
    results = train_jobs(TrainJob("fashion-mnist", (0, 1), str(root), cfg).label_jobs(), workers=1, progress=False)
    assert [r.status for r in results] == ["trained", "trained"]
    reg = LocalRegistry(root)
    reg.reindex()
    for label in (0, 1):
        meta = reg.read_meta("fashion-mnist", label)
        assert set(meta.truncation_scores) == {"none" if t is None else f"{t:g}" for t in CANDIDATES}
        best = min(meta.truncation_scores, key=meta.truncation_scores.get)
        assert meta.truncation == (None if best == "none" else float(best))
        timing = json.loads((reg.run_dir("fashion-mnist", label) / RUN_TIMING).read_text())
        assert timing["truncation_s"] > 0


def test_auto_without_a_domain_classifier_is_refused_before_training(tmp_path):
    res = CliRunner().invoke(main, ["train", "digits", "--labels", "0", "--budget", "1s", "--truncation", "auto",
                                    "--out", str(tmp_path / "zoo")])
    assert res.exit_code == 2 and "no domain classifier for 'digits'" in res.output
    assert "zoo train-classifier digits" in res.output
    assert not (tmp_path / "zoo" / "digits").exists()


def test_auto_is_refused_for_the_conditional_model(tmp_path):
    with pytest.raises(InvalidTrainConfig, match="expected --truncation none"):
        TrainJob("fashion-mnist", (0, 1), str(tmp_path), TrainConfig(truncation="auto", warm_start=0.0),
                 mode="conditional")
