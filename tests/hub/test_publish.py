"""Publishing: the repo folder `zoo publish` builds, for real, and its upload against a recording HTTP server
that stands in for the Hub's upload side (no upload-capable Hub server runs on this machine)."""
from __future__ import annotations

import logging
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from conftest import add_generator, together
from hub_fixtures import bundled_repo_folder  # noqa: F401 - fixture
from hub_recorder import HubRecorder
from PIL import Image

from registry import LocalRegistry, verify
from zoo.cli import main
from zoo.sources import bundled_registry_path

pytestmark = together("hub")

TOKEN = "hf_wcganZooTestTokenNeverShown0123456789"


def test_repo_folder_has_the_registry_layout_and_a_card(bundled_repo_folder) -> None:  # noqa: F811
    files = {p.relative_to(bundled_repo_folder).as_posix() for p in bundled_repo_folder.rglob("*") if p.is_file()}
    labels = {f"fashion-mnist/label-{i:05d}.safetensors" for i in range(10)}
    extras = {f"fashion-mnist/extras/{name}.safetensors"  # the classifier, and the warm start the labels record
              for name in LocalRegistry(bundled_registry_path()).extras("fashion-mnist")}
    assert "fashion-mnist/extras/classifier.safetensors" in extras
    assert files == labels | extras | {"index.json", "README.md", "images/fashion-mnist-grid.png",
                                       "fashion-mnist/metrics.json",
                                       "fashion-mnist/record.json"}  # no runs/, cache/, locks or temporaries
    assert verify(LocalRegistry(bundled_repo_folder)).ok  # a fresh index whose sha256s match
    card = (bundled_repo_folder / "README.md").read_text()
    meta = yaml.safe_load(card.split("---\n")[1])
    assert meta["library_name"] == "wcgan-zoo" and meta["datasets"] == ["fashion-mnist"]
    assert {"gan", "wgan-gp", "class-conditional", "image-generation"} <= set(meta["tags"])
    assert "intra_fid_fmnistnet" in meta["metrics"]
    assert "| 7 | Sneaker |" in card and "](images/fashion-mnist-grid.png)" in card
    with Image.open(bundled_repo_folder / "images/fashion-mnist-grid.png") as grid:
        assert grid.height > 9 * 28 and grid.width > 7 * 28  # 10 rows of 8


def published_files(hub: HubRecorder, repo: str, branch: str = "main") -> set[str]:
    return set(hub.repos[repo].branches[branch].files)


@pytest.fixture
def recorder(monkeypatch: pytest.MonkeyPatch):
    with HubRecorder() as hub:
        monkeypatch.setenv("HF_ENDPOINT", hub.endpoint)
        monkeypatch.setenv("HF_TOKEN", TOKEN)
        yield hub


def publish(*args: str):
    return CliRunner().invoke(main, ["-vv", "publish", *args])


def test_publish_once_then_only_what_changed(recorder, make_registry, tmp_path, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    reg = make_registry({"fashion-mnist": [0, 1, 2]}, name="mine")
    first = publish(str(reg.root), "--repo", "acme/mine", "--private", "--folder", str(tmp_path / "built"))
    assert first.exit_code == 0, first.output
    assert len(recorder.commits) == 1 and recorder.repos["acme/mine"].private
    assert published_files(recorder, "acme/mine") == {
        "index.json", "README.md", "images/fashion-mnist-grid.png",
        *(f"fashion-mnist/label-{i:05d}.safetensors" for i in range(3))}
    # The token went where huggingface_hub puts it, and nowhere else.
    assert recorder.header(recorder.requests[-1], "Authorization") == f"Bearer {TOKEN}"
    assert TOKEN not in first.output and TOKEN not in caplog.text
    assert not any(TOKEN.encode() in p.read_bytes() for p in (tmp_path / "built").rglob("*") if p.is_file())

    again = publish(str(reg.root), "--repo", "acme/mine")
    assert again.exit_code == 0 and "up to date" in again.output and len(recorder.commits) == 1

    add_generator(reg, "fashion-mnist", 1, seed=5)  # label 1 retrained
    third = publish(str(reg.root), "--repo", "acme/mine", "-m", "retrain label 1")
    assert third.exit_code == 0, third.output
    assert set(recorder.commits[-1][2]) == {"fashion-mnist/label-00001.safetensors", "index.json", "README.md",
                                            "images/fashion-mnist-grid.png"}


def test_a_hand_written_card_is_kept_unless_asked(recorder, make_registry) -> None:
    reg = make_registry({"fashion-mnist": [0]}, name="card")
    assert publish(str(reg.root), "--repo", "acme/card").exit_code == 0
    recorder.put_file("acme/card", "README.md", b"# Our own words\n")
    add_generator(reg, "fashion-mnist", 0, seed=3)
    kept = publish(str(reg.root), "--repo", "acme/card")
    assert kept.exit_code == 0 and "README.md" not in recorder.commits[-1][2]
    assert recorder.repos["acme/card"].branches["main"].files["README.md"] == b"# Our own words\n"
    replaced = publish(str(reg.root), "--repo", "acme/card", "--overwrite-card")
    assert replaced.exit_code == 0 and recorder.commits[-1][2] == ["README.md"]


def test_publish_to_a_branch(recorder, make_registry) -> None:
    reg = make_registry({"fashion-mnist": [0]}, name="branch")
    result = publish(str(reg.root), "--repo", "acme/branch", "--revision", "candidate")
    assert result.exit_code == 0, result.output
    assert recorder.commits[-1][:2] == ("acme/branch", "candidate")
    assert "fashion-mnist/label-00000.safetensors" in published_files(recorder, "acme/branch", "candidate")
    assert not published_files(recorder, "acme/branch", "main")


def test_refusals_are_one_line_without_the_token(make_registry, monkeypatch) -> None:
    reg = make_registry({"fashion-mnist": [0]}, name="refused")
    with HubRecorder(refuse_token=TOKEN) as hub:
        monkeypatch.setenv("HF_ENDPOINT", hub.endpoint)
        monkeypatch.setenv("HF_TOKEN", TOKEN)
        refused = CliRunner().invoke(main, ["publish", str(reg.root), "--repo", "acme/refused"])
    assert refused.exit_code == 2 and refused.output.count("\n") == 1
    assert "HF_TOKEN" in refused.output and TOKEN not in refused.output
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    offline = CliRunner().invoke(main, ["publish", str(reg.root), "--repo", "acme/refused"])
    assert offline.exit_code == 2 and "HF_HUB_OFFLINE" in offline.output
    empty = Path(reg.root).parent / "empty"
    empty.mkdir()
    bad = CliRunner().invoke(main, ["publish", str(empty), "--repo", "acme/refused"])
    assert bad.exit_code == 2 and "not a registry" in bad.output


def test_the_card_carries_its_metrics_as_a_model_index(bundled_repo_folder) -> None:  # noqa: F811
    meta = yaml.safe_load((bundled_repo_folder / "README.md").read_text().split("---\n")[1])
    results = meta["model-index"][0]["results"]
    blocks = LocalRegistry(bundled_registry_path()).metrics("fashion-mnist")
    # One result per `zoo eval` run stored (fmnistnet, inception, cas features), each named by its features.
    assert len(results) == len(blocks) >= 1
    assert {r["dataset"]["type"] for r in results} == {"fashion-mnist"}
    metrics = {m["type"]: m["value"] for r in results for m in r["metrics"]}
    for features, block in blocks.items():
        for name, value in block.overall.items():
            assert metrics[name] == round(float(value), 4), (features, name)
    assert metrics["intra_fid_fmnistnet"] == round(blocks["fmnistnet"].overall["intra_fid_fmnistnet"], 4)


@pytest.mark.slow
def test_a_thousand_labels_go_up_in_batched_commits_and_an_interrupted_publish_resumes(monkeypatch,
                                                                                       tmp_path) -> None:
    import torch

    from zoo.loading import save_generator
    from zoo.nets import NetConfig, build_generator
    from zoo.specs import builtin_spec

    reg = LocalRegistry.create(tmp_path / "imagenet-1000")
    config = NetConfig.preset("dcgan", "tiny", resolution=8, channels=3, latent_dim=4)
    torch.manual_seed(0)
    net, names = build_generator(config), builtin_spec("imagenet1k").class_names
    for label in range(1000):
        save_generator(reg, net, config=config, dataset="imagenet1k", label=label, class_name=names[label])
    reg.reindex()
    with HubRecorder(fail_commits=(3,)) as hub:
        monkeypatch.setenv("HF_ENDPOINT", hub.endpoint)
        monkeypatch.setenv("HF_TOKEN", TOKEN)
        broken = publish(str(reg.root), "--repo", "acme/imagenet-1000")
        assert broken.exit_code == 2 and "after 400 files in whole commits; run it again" in broken.stderr
        assert [len(paths) for _, _, paths in hub.commits] == [200, 200]
        assert "index.json" not in published_files(hub, "acme/imagenet-1000")  # readers still see no index
        again = publish(str(reg.root), "--repo", "acme/imagenet-1000")
        assert again.exit_code == 0, again.output
        later = [paths for _, _, paths in hub.commits[2:]]
        assert [len(p) for p in later[:3]] == [200, 200, 200] and "index.json" in later[-1]
        assert not set().union(*later) & set().union(*(p for _, _, p in hub.commits[:2]))  # nothing sent twice
        files = published_files(hub, "acme/imagenet-1000")
        assert {f"imagenet1k/label-{k:05d}.safetensors" for k in range(1000)} <= files
        assert {"index.json", "README.md", "images/imagenet1k-grid.png"} <= files
