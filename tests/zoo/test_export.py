"""`zoo export`: a synthetic labelled data set from the bundled zoo's real generators, loaded back by
torchvision's ImageFolder and by `zoo train --data`; re-runs write nothing new; bad input writes nothing."""
from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from conftest import together
from PIL import Image
from torchvision.datasets import ImageFolder

import zoo
from tests.conftest import tree_digest
from zoo.cli import main
from zoo.export import MANIFEST, chunk_seed, folder_name
from zoo.sources import bundled_registry_path

pytestmark = together("test_export")

DATASET, PER_LABEL = "fashion-mnist", 3


def _export(out, *extra):
    return CliRunner().invoke(main, ["export", DATASET, "-r", str(bundled_registry_path()), "--out", str(out),
                                     "--per-label", str(PER_LABEL), "--seed", "0", *extra])


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    out = tmp_path_factory.mktemp("export") / "synth"
    res = _export(out)
    assert res.exit_code == 0, res.output
    return out


def test_imagefolder_loads_every_class_under_its_own_label(exported):
    manifest = json.loads((exported / MANIFEST).read_text())
    data = ImageFolder(str(exported))
    by_folder = {c["folder"]: c for c in manifest["classes"]}
    assert len(data) == 10 * PER_LABEL and set(data.class_to_idx) == set(by_folder)
    for folder, index in data.class_to_idx.items():
        assert by_folder[folder]["label"] == index  # ImageFolder's numbering is the data set's
        assert by_folder[folder]["class_name"] == zoo.spec(DATASET).class_names[index]
    assert by_folder["007-sneaker"]["label"] == 7 and len(by_folder["007-sneaker"]["sha256"]) == 64
    assert manifest["seed"] == 0 and manifest["per_label"] == PER_LABEL and manifest["package_version"]
    assert all(c["file"].endswith(".safetensors") for c in manifest["classes"])


def test_each_image_is_the_documented_sample(exported):
    for label in (0, 9):
        x = zoo.sample(DATASET, label, n=PER_LABEL, seed=chunk_seed(0, label, 0), registry=str(bundled_registry_path()))
        want = (x * 255).round().clamp(0, 255).to(torch.uint8)[:, 0].numpy()
        folder = exported / folder_name(label, zoo.spec(DATASET).class_names[label], 3)
        for i in range(PER_LABEL):
            assert np.array_equal(np.asarray(Image.open(folder / f"{i:06d}.png")), want[i])


def test_the_same_command_again_writes_nothing_and_completes_a_stopped_export(exported):
    before = tree_digest(exported)
    res = _export(exported)
    assert res.exit_code == 0 and "nothing new" in res.output and tree_digest(exported) == before
    lost = exported / "003-dress" / "000001.png"
    lost.unlink()
    res = _export(exported)
    assert res.exit_code == 0 and "1 image written" in res.output and tree_digest(exported) == before


def test_npz_holds_the_same_images(exported, tmp_path):
    res = _export(tmp_path / "npz", "--format", "npz")
    assert res.exit_code == 0, res.output
    with np.load(tmp_path / "npz" / "images.npz") as f:
        images, labels = f["images"], f["labels"]
    assert images.shape == (10 * PER_LABEL, 1, 28, 28) and images.dtype == np.uint8
    assert labels.tolist() == [k for k in range(10) for _ in range(PER_LABEL)]
    png = np.asarray(Image.open(exported / "004-coat" / "000002.png"))
    assert np.array_equal(images[4 * PER_LABEL + 2, 0], png)
    assert not list((tmp_path / "npz").glob("*.tmp*"))


@pytest.mark.slow
def test_zoo_train_takes_the_export_back(exported, tmp_path):
    res = CliRunner().invoke(main, ["train", "--name", "synth-fashion", "--data", str(exported), "--labels", "0-1",
                                    "--budget", "1s", "--preset", "tiny", "--warm-start", "0", "--workers", "1",
                                    "--resolution", "28", "--channels", "1",
                                    "--out", str(tmp_path / "reg")])
    assert res.exit_code == 0, res.output
    assert zoo.which("synth-fashion", "000-t-shirt-top", registry=str(tmp_path / "reg")).label == 0
    assert zoo.sample("synth-fashion", 1, n=2, seed=0, registry=str(tmp_path / "reg")).shape == (2, 1, 28, 28)


@pytest.mark.parametrize("args, message", [
    (["--per-label", "0"], "expected images per label in 1..100,000, got 0"),
    (["--per-label", "-5"], "expected images per label in 1..100,000, got -5"),
    (["--per-label", "100001"], "expected images per label in 1..100,000"),
    (["--format", "tar"], "--format: expected one of folders, npz, got 'tar'"),
])
def test_bad_input_is_one_line_exit_2_and_writes_nothing(tmp_path, args, message):
    out = tmp_path / "synth"
    res = CliRunner().invoke(main, ["export", DATASET, "-r", str(bundled_registry_path()), "--out", str(out), *args])
    assert res.exit_code == 2 and message in res.output and len(res.output.strip().splitlines()) == 1
    assert not out.exists()


def test_a_file_a_foreign_folder_or_another_export_is_refused_untouched(exported, tmp_path):
    target = tmp_path / "a-file"
    target.write_text("mine")
    res = _export(target)
    assert res.exit_code == 2 and "is a file" in res.output and target.read_text() == "mine"
    foreign = tmp_path / "photos"
    foreign.mkdir()
    (foreign / "holiday.jpg").write_bytes(b"not yours")
    res = _export(foreign)
    assert res.exit_code == 2 and "holds no export" in res.output and sorted(foreign.iterdir()) == [foreign / "holiday.jpg"]
    before = tree_digest(exported)
    res = _export(exported, "--per-label", "4")  # another export's folder: not mixed in
    assert res.exit_code == 2 and "holds another export" in res.output and tree_digest(exported) == before
