"""Records kept true: `zoo which` shows the loss and the start, `zoo eval` never silently replaces metrics
measured on more images, `zoo list` gives the shape of the generators held."""
from __future__ import annotations

import shutil

from click.testing import CliRunner
from conftest import add_generator, tiny_config, tree_digest

from registry import LocalRegistry
from zoo.cli import main
from zoo.sources import bundled_registry_path


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def test_which_shows_the_loss_and_the_shared_start():
    res = run("which", "fashion-mnist", "Sneaker")  # the bundled zoo: fine-tuned from its shared start
    start = LocalRegistry(bundled_registry_path()).read_meta("fashion-mnist", 7).warm_start
    assert res.exit_code == 0 and "loss wgan-gp" in res.output, res.output
    assert f"fine-tuned from the shared start {start['name']} (sha256 {start['sha256'][:12]}" in res.output


def test_which_says_a_generator_was_trained_from_scratch(make_registry):
    reg = make_registry({"fashion-mnist": [3]})
    assert "trained from scratch (no shared start)" in run("which", "fashion-mnist", "3", "-r", str(reg.root)).output


def test_eval_with_fewer_images_keeps_the_stored_metrics_unless_told(tmp_path):
    copy = tmp_path / "zoo"
    shutil.copytree(bundled_registry_path(), copy)
    stored = LocalRegistry(copy).metrics("fashion-mnist")["fmnistnet"]
    before = tree_digest(copy)
    res = run("eval", "fashion-mnist", "-r", str(copy), "-n", "50")
    assert res.exit_code == 2 and res.stderr.count("\n") == 1, res.output
    assert f"measured on {stored.n} images per label; -n 50 would replace them" in res.stderr
    assert "--replace" in res.stderr and tree_digest(copy) == before


def test_list_gives_the_shape_of_the_generators_held(tmp_path):
    reg = LocalRegistry.create(tmp_path / "reg")
    add_generator(reg, "imagenet1k", 281, config=tiny_config(resolution=32, channels=3))
    reg.reindex()
    line = next(x for x in run("list", "-r", str(reg.root)).output.splitlines() if x.startswith("imagenet1k"))
    assert line.split()[1:4] == ["1000", "3x32x32", "1"]
