"""Reading registries from a Hub repo, against a real Hub-compatible server (olah) and the real
``huggingface_hub`` client: lazy per-file download, sha256 checks, revisions, offline use, errors."""
from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner
from conftest import add_generator, together
from cutting_proxy import CuttingProxy
from hub_fixtures import bundled_repo_folder, hub, olah, published  # noqa: F401 - fixtures
from huggingface_hub import hf_hub_download, snapshot_download

import zoo
from registry import (
    ChecksumMismatch,
    CorruptFile,
    EntryNotFound,
    HubUnavailable,
    LocalRegistry,
    RegistryNotFound,
    verify,
)
from zoo.cli import main
from zoo.hub import build_repo_folder, pull
from zoo.sources import bundled_registry_path

pytestmark = [pytest.mark.slow, together("hub")]


def snapshot_files(repo_id: str) -> set[str]:
    """Files of the repo in the Hub cache of this test (HF_HOME is per test), over every snapshot."""
    snapshots = Path(os.environ["HF_HOME"]) / "hub" / f"models--{repo_id.replace('/', '--')}" / "snapshots"
    return {p.relative_to(s).as_posix() for s in snapshots.glob("*") for p in s.rglob("*") if p.is_file()}


def digest(x: torch.Tensor) -> str:
    return hashlib.sha256(x.contiguous().numpy().tobytes()).hexdigest()


SAMPLE_SCRIPT = """
import hashlib, sys, zoo
x = zoo.sample("fashion-mnist", label=int(sys.argv[1]), n=6, seed=7, registry=sys.argv[2])
print(hashlib.sha256(x.contiguous().numpy().tobytes()).hexdigest())
"""


def sample_in_subprocess(label: int, registry: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", SAMPLE_SCRIPT, str(label), registry], capture_output=True,
                          text=True, env={**os.environ, **env}, timeout=120)


def test_first_sample_downloads_the_index_and_one_label_only(hub, published) -> None:
    repo, commit = published
    x = zoo.sample("fashion-mnist", label=3, n=6, seed=7, registry=f"hf://{repo}")
    assert snapshot_files(repo) == {"index.json", "fashion-mnist/label-00003.safetensors"}
    local = zoo.sample("fashion-mnist", label=3, n=6, seed=7, registry=bundled_registry_path())
    assert torch.equal(x, local)  # bit for bit: the round trip changes nothing


def test_round_trip_pull_then_sample_offline_bit_identical(hub, published) -> None:
    repo, _ = published
    result = CliRunner().invoke(main, ["pull", repo, "--dataset", "fashion-mnist", "--labels", "0-2"])
    assert result.exit_code == 0, result.output
    assert snapshot_files(repo) == {"index.json", *(f"fashion-mnist/label-0000{i}.safetensors" for i in range(3))}
    expected = digest(zoo.sample("fashion-mnist", label=2, n=6, seed=7, registry=bundled_registry_path()))
    # A fresh process, no network at all: the endpoint is a closed port and HF_HUB_OFFLINE is set.
    run = sample_in_subprocess(2, f"hf://{repo}", HF_HUB_OFFLINE="1", HF_ENDPOINT="http://127.0.0.1:9")
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == expected
    missing = sample_in_subprocess(5, f"hf://{repo}", HF_HUB_OFFLINE="1")
    assert missing.returncode != 0 and "HubUnavailable" in missing.stderr and "zoo pull" in missing.stderr


def test_unreachable_hub_falls_back_to_the_cache_quickly(hub, published, monkeypatch) -> None:
    repo, _ = published
    zoo.sample("fashion-mnist", label=1, n=2, seed=0, registry=f"hf://{repo}")
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # nothing listens there
    run = sample_in_subprocess(1, f"hf://{repo}")
    assert run.returncode == 0, run.stderr
    start = time.monotonic()
    with pytest.raises(HubUnavailable, match="cannot connect"):
        zoo.sample("fashion-mnist", label=4, n=2, seed=0, registry=f"hf://{repo}")
    assert time.monotonic() - start < 5  # huggingface_hub alone retries for ~20 s


def test_revisions_by_branch_tag_and_commit(hub, published, make_registry, tmp_path) -> None:
    reg = make_registry({"fashion-mnist": [0, 1]}, name="versions")
    build_repo_folder(reg.root, tmp_path / "v1")
    first = hub.commit("acme/versions", tmp_path / "v1", tag="v1")
    add_generator(reg, "fashion-mnist", 0, seed=99)  # retrained: new weights for label 0
    reg.reindex()
    build_repo_folder(reg.root, tmp_path / "v2")
    hub.commit("acme/versions", tmp_path / "v2")

    def images(revision: str) -> torch.Tensor:
        return zoo.sample("fashion-mnist", label=0, n=4, seed=1, registry=f"hf://acme/versions@{revision}")

    assert torch.equal(images("v1"), images(first))
    assert not torch.equal(images("main"), images("v1"))
    # The plain client sees the same repo: a file by tag, and a snapshot that is a registry that verifies.
    # (huggingface_hub reads HF_ENDPOINT at import, so the endpoint is passed here.)
    index = json.loads(Path(hf_hub_download("acme/versions", "index.json", revision="v1",
                                            endpoint=hub.endpoint)).read_text())
    assert index["datasets"]["fashion-mnist"]["generators"]["0"]["meta"]["seed"] == 0
    snapshot = Path(snapshot_download("acme/versions", revision=first, endpoint=hub.endpoint))
    assert verify(LocalRegistry(snapshot)).ok


def test_clear_errors(hub, published, make_registry, tmp_path) -> None:
    repo, _ = published
    with pytest.raises(RegistryNotFound, match="no model repo 'acme/missing'"):
        zoo.sample("fashion-mnist", label=0, registry="hf://acme/missing")
    with pytest.raises(RegistryNotFound, match="has no revision 'no-such-branch'"):
        zoo.sample("fashion-mnist", label=0, registry=f"hf://{repo}@no-such-branch")
    build_repo_folder(make_registry({"fashion-mnist": [0, 1, 2]}, name="partial").root, tmp_path / "repo")
    hub.commit("acme/partial", tmp_path / "repo")
    with pytest.raises(EntryNotFound, match=r"label 5 \(Sandal\): hf://acme/partial@main holds labels 0-2"):
        pull("acme/partial", dataset="fashion-mnist", labels="2,5")
    with pytest.raises(EntryNotFound, match=r"label 5 \(Sandal\): hf://acme/partial@main holds labels 0-2"):
        zoo.sample("fashion-mnist", label=5, registry="hf://acme/partial")
    result = CliRunner().invoke(main, ["sample", "fashion-mnist", "3", "-r", "hf://acme/missing"])
    assert result.exit_code == 2 and result.output.count("\n") == 1 and "no model repo" in result.output


def test_checksum_mismatch_is_refused_and_not_cached(hub, published, bundled_repo_folder, tmp_path) -> None:
    import shutil

    tampered = tmp_path / "tampered"
    shutil.copytree(bundled_repo_folder, tampered)
    index = json.loads((tampered / "index.json").read_text())
    index["datasets"]["fashion-mnist"]["generators"]["4"]["sha256"] = "0" * 64
    (tampered / "index.json").write_text(json.dumps(index))
    hub.commit("acme/tampered", tampered)
    for _ in range(2):  # the second try downloads again: the bad file was not kept as valid
        with pytest.raises(ChecksumMismatch, match="refused and removed from the cache"):
            zoo.sample("fashion-mnist", label=4, registry="hf://acme/tampered")
        assert "fashion-mnist/label-00004.safetensors" not in snapshot_files("acme/tampered")
    assert zoo.sample("fashion-mnist", label=5, n=1, registry="hf://acme/tampered").shape == (1, 1, 28, 28)


def test_a_published_index_record_without_sha256_is_a_corrupt_index_not_a_crash(hub, bundled_repo_folder,
                                                                              tmp_path) -> None:
    import shutil

    broken = tmp_path / "no-sha"
    shutil.copytree(bundled_repo_folder, broken)
    index = json.loads((broken / "index.json").read_text())
    del index["datasets"]["fashion-mnist"]["generators"]["4"]["sha256"]
    (broken / "index.json").write_text(json.dumps(index))
    hub.commit("acme/no-sha", broken)
    with pytest.raises(CorruptFile, match=r"fashion-mnist/4: expected a sha256 of 64 hex digits, got None"):
        zoo.sample("fashion-mnist", label=4, registry="hf://acme/no-sha")
    result = CliRunner().invoke(main, ["sample", "fashion-mnist", "4", "-r", "hf://acme/no-sha"])
    assert result.exit_code == 2 and result.output.count("\n") == 1 and "expected a sha256" in result.output


@pytest.mark.parametrize("mode", ["cut", "truncate"])
def test_an_interrupted_download_is_never_loaded_and_the_retry_succeeds(hub, published, monkeypatch, mode) -> None:
    repo, _ = published
    expected = zoo.sample("fashion-mnist", label=6, n=3, seed=2, registry=bundled_registry_path())
    with CuttingProxy(hub.endpoint, mode=mode) as proxy:
        monkeypatch.setenv("HF_ENDPOINT", proxy.endpoint)
        if mode == "cut":  # the client resumes the dropped transfer itself (a Range request): whole file
            assert torch.equal(zoo.sample("fashion-mnist", label=6, n=3, seed=2, registry=f"hf://{repo}"), expected)
        else:  # half the bytes under a short length: refused, and nothing half is kept
            with pytest.raises(HubUnavailable, match="downloading fashion-mnist/label-00006.safetensors .* failed"):
                zoo.sample("fashion-mnist", label=6, n=3, seed=2, registry=f"hf://{repo}")
            assert "fashion-mnist/label-00006.safetensors" not in snapshot_files(repo)
        assert proxy.damaged == [f"/{repo}/resolve/{published[1]}/fashion-mnist/label-00006.safetensors"]
        retry = zoo.sample("fashion-mnist", label=6, n=3, seed=2, registry=f"hf://{repo}")
    assert torch.equal(retry, expected)
