"""Warm start and fan-out on real Fashion-MNIST images: one shared start trained within the budget, stored as an
extra, every label fine-tuned from it and recording it; a start of another net or data set is refused."""
from __future__ import annotations

import json
import shutil

import pytest
import torch
from click.testing import CliRunner
from conftest import together

from registry import LocalRegistry
from registry.files import read_extra
from training.config import TrainConfig
from training.errors import InvalidTrainConfig
from training.job import TrainJob
from training.pool import train_jobs
from training.warm_start import apply_warm_start, ensure_warm_start, start_name
from training.wgan_gp import new_state
from zoo.card import render_card
from zoo.cli import main
from zoo.sources import bundled_registry_path

pytestmark = together("test_warm_start")

DATASET = "fashion-mnist"


def _job(root, **kw) -> TrainJob:
    cfg = TrainConfig(**{"budget_s": 2.0, "preset": "tiny", "batch_size": 16, "warm_start": 0.5, "tick_s": 0.5,
                         **kw.pop("config", {})})
    return TrainJob(DATASET, (0, 7), str(root), cfg, **kw)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    root = tmp_path_factory.mktemp("warm") / "zoo"
    job = _job(root)
    results = train_jobs(job.label_jobs(), workers=1, progress=False)
    LocalRegistry(root).reindex()
    return job, root, results


@pytest.mark.slow
def test_the_start_is_an_extra_and_every_label_records_it(trained):
    job, root, results = trained
    reg = LocalRegistry(root)
    name = start_name(job)
    assert reg.extras(DATASET) == [name]
    _, meta, sha = read_extra(reg.extra_path(DATASET, name))
    record = json.loads(meta["start"])
    assert meta["kind"] == "warm-start" and record["labels"] == [0, 7] and record["steps"] > 0
    # Its share of the core-seconds: 0.5 x 2 s x 2 labels on the threads it ran with.
    assert record["seconds"] * record["threads"] == pytest.approx(2.0, abs=0.6)
    for r in results:
        assert r.status == "trained" and r.seconds < 1.6  # each label fine-tunes for the other half: 1 s
        meta = reg.read_meta(DATASET, r.label)
        assert meta.warm_start["name"] == name and meta.warm_start["sha256"] == sha
        assert json.loads((reg.run_dir(DATASET, r.label) / "config.json").read_text())["warm_start"]["sha256"] == sha
    assert (reg.start_run_dir(DATASET, name) / "stats.jsonl").stat().st_size > 0


@pytest.mark.slow
def test_the_same_job_again_reuses_its_start_and_skips_finished_labels(trained):
    job, root, _ = trained
    path = LocalRegistry(root).extra_path(DATASET, start_name(job))
    before = path.read_bytes()
    results = train_jobs(job.label_jobs(), workers=1, progress=False)
    assert [r.status for r in results] == ["skipped", "skipped"] and path.read_bytes() == before


@pytest.mark.slow
def test_a_label_continues_from_the_start_exactly(trained):
    job, root, _ = trained
    start, tensors = ensure_warm_start(job)
    state = new_state(job.config, job.config.net_config((1, 28, 28)), seed=5, device=torch.device("cpu"))
    apply_warm_start(state, tensors)
    for net in ("G", "D", "G_ema"):
        for k, v in getattr(state, net).state_dict().items():
            assert torch.equal(v, tensors[f"{net}.{k}"]), (net, k)


@pytest.mark.slow
def test_a_start_from_elsewhere_is_copied_in_and_recorded(trained, tmp_path):
    job, root, _ = trained
    source = tmp_path / "my-start.safetensors"
    shutil.copy(LocalRegistry(root).extra_path(DATASET, start_name(job)), source)
    other = tmp_path / "other"
    res = CliRunner().invoke(main, ["train", DATASET, "--labels", "3", "--budget", "1", "--preset", "tiny",
                                    "--batch-size", "16", "--warm-start-from", str(source), "--out", str(other),
                                    "--no-progress"])
    assert res.exit_code == 0, res.output
    reg = LocalRegistry(other)
    assert reg.extras(DATASET) == ["my-start"]
    assert reg.extra_path(DATASET, "my-start").read_bytes() == source.read_bytes()
    assert reg.read_meta(DATASET, 3).warm_start["name"] == "my-start"


@pytest.mark.slow
@pytest.mark.parametrize("args, expected", [
    (["--preset", "small"], "net_config: expected"),  # another width
    (["--latent-dim", "64"], "net_config: expected"),  # another latent size
    (["--loss", "dcgan"], "loss: expected dcgan, got wgan-gp"),
])
def test_a_start_that_does_not_fit_is_refused_with_what_was_expected(trained, tmp_path, args, expected):
    job, root, _ = trained
    source = LocalRegistry(root).extra_path(DATASET, start_name(job))
    res = CliRunner().invoke(main, ["train", DATASET, "--labels", "3", "--budget", "1", "--warm-start-from",
                                    str(source), "--out", str(tmp_path / "r"), "--no-progress", *args])
    assert res.exit_code == 2 and res.output.count("\n") == 1 and expected in res.output, res.output
    assert not (tmp_path / "r" / DATASET / "label-00003.safetensors").exists()


@pytest.mark.slow
def test_a_start_of_another_data_set_is_refused(trained, tmp_path):
    job, root, _ = trained
    source = LocalRegistry(root).extra_path(DATASET, start_name(job))
    other = TrainJob("digits", (1,), str(tmp_path / "r"), TrainConfig(budget_s=1.0, preset="tiny"),
                     warm_start_from=str(source))
    with pytest.raises(InvalidTrainConfig, match="dataset: expected digits, got fashion-mnist"):
        ensure_warm_start(other)


def test_bad_warm_start_options_get_one_line(tmp_path):
    for args, expected in [(["--warm-start", "1.5"], "a share of the budget in [0, 1)"),
                           (["--warm-start", "0.2", "--mode", "conditional"], "use --mode per-label"),
                           (["--warm-start-from", str(tmp_path / "none.safetensors")], "no such file"),
                           (["--warm-start-lr", "0"], "warm_start_lr: expected None or a positive number"),
                           (["--warm-start-n-critic", "0"],
                            "warm_start_n_critic: expected None or a positive integer")]:
        res = CliRunner().invoke(main, ["train", DATASET, "--labels", "0", "--out", str(tmp_path / "r"), *args])
        assert res.exit_code == 2 and res.output.count("\n") == 1 and expected in res.output, (args, res.output)
    not_a_start = tmp_path / "classifier.safetensors"
    shutil.copy(LocalRegistry(bundled_registry_path()).extra_path(DATASET, "classifier"), not_a_start)
    res = CliRunner().invoke(main, ["train", DATASET, "--labels", "0", "--out", str(tmp_path / "r"),
                                    "--warm-start-from", str(not_a_start)])
    assert res.exit_code == 2 and "expected a warm-start file" in res.output, res.output


@pytest.mark.slow
def test_the_card_states_the_recipe_each_run_recorded(trained):
    """The bundled zoo outlives its defaults (lr 3e-4 then, 1e-3 now): the card says what the runs trained with,
    read from their records, not what TrainConfig defaults to today."""
    job, root, _ = trained
    text = render_card(root)
    recipe = text[text.index("### Recipe"):]
    assert f"- labels 0, 7: lr {job.config.lr}, " in recipe and "shared start share 0.5" in recipe
    assert "critic norm layer" in recipe and f"batch {job.config.batch_size}" in recipe


def test_the_start_trains_at_its_own_rate_and_is_another_start(tmp_path):
    def start_moved(**config) -> float:
        """How far the start's generator moved from its initial weights in 3 steps."""
        job = _job(tmp_path / str(len(list(tmp_path.iterdir()))), config={"max_steps": 3, **config})
        _, tensors = ensure_warm_start(job)
        init = new_state(job.config, job.config.net_config((1, 28, 28)), seed=job.config.start_seed,
                         device=torch.device("cpu"))
        return max((tensors[f"G.{k}"] - v).abs().max().item() for k, v in init.G.state_dict().items()
                   if v.is_floating_point() and "running" not in k)

    assert start_moved(warm_start_lr=1e-12) < 1e-9 < 1e-5 < start_moved()  # the labels' --lr is 1e-3 in both
    plain, slow = _job(tmp_path), _job(tmp_path, config={"warm_start_lr": 2e-4})
    assert "config.warm_start_lr" not in plain.shaping()  # identities from before the option unchanged
    assert plain.start_key() != slow.start_key() and start_name(plain) != start_name(slow)
    assert slow.config.start_config().lr == 2e-4 and slow.config.lr == plain.config.lr


def test_the_start_takes_its_own_n_critic_and_is_another_start(tmp_path):
    plain, two = _job(tmp_path), _job(tmp_path, config={"warm_start_n_critic": 2})
    assert "config.warm_start_n_critic" not in plain.shaping()  # identities from before the option unchanged
    assert plain.start_key() != two.start_key() and start_name(plain) != start_name(two)
    assert two.config.start_config().n_critic == 2 and two.config.n_critic == plain.config.n_critic == 1
    assert two.config.start_config().lr == two.config.lr  # only what was asked for changes
