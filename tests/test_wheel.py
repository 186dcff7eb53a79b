"""The wheel users install: it holds the whole bundled registry, and an installed (non-editable) copy
verifies and samples from it, run from outside the source tree. Editable installs would hide a missing file."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from registry import LocalRegistry
from zoo.sources import bundled_registry_path

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
SOURCES = ("pyproject.toml", "README.md", "zoo", "registry", "training", "app")


def run(cmd: list[str], **kw) -> subprocess.CompletedProcess:
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=600, **kw)
    assert res.returncode == 0, f"{cmd}: {res.stdout}\n{res.stderr}"
    return res


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built from a copy of the sources, with a local feature cache planted in the bundled registry."""
    src = tmp_path_factory.mktemp("src")
    for name in SOURCES:
        copy = shutil.copytree if (REPO / name).is_dir() else shutil.copy2
        copy(REPO / name, src / name, **({"ignore": shutil.ignore_patterns("__pycache__")} if copy is shutil.copytree
                                         else {}))
    planted = src / "zoo/pretrained/fashion-mnist/cache/fmnistnet-train-00000.safetensors"
    planted.parent.mkdir(parents=True, exist_ok=True)
    planted.write_bytes(b"local cache: must not ship")
    dist = tmp_path_factory.mktemp("dist")
    run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(dist), str(src)])
    (built,) = dist.glob("wcgan_zoo-*.whl")
    return built


def test_the_wheel_holds_every_file_the_bundled_index_lists_and_no_cache(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    entry = LocalRegistry(bundled_registry_path()).index().datasets["fashion-mnist"]
    listed = [r.file for r in (*entry.generators.values(), *entry.extras.values())]
    assert len(entry.generators) == 10 and "classifier" in entry.extras  # and the warm start the labels record
    assert {g.meta.warm_start["name"] for g in entry.generators.values() if g.meta.warm_start} <= entry.extras.keys()
    assert {f"zoo/pretrained/{f}" for f in listed} <= names
    assert {"zoo/pretrained/index.json", "zoo/pretrained/fashion-mnist/record.json",
            "zoo/pretrained/fashion-mnist/runs/label-00007/stats.jsonl"} <= names
    assert not [n for n in names if "/cache/" in n]


def test_an_installed_wheel_verifies_its_bundled_registry_and_samples(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)])
    py = env_dir / "bin" / "python"
    site = Path(run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    # The dependencies (torch, ...) come from the test environment, after the venv's own site-packages; a .pth
    # line adds a folder without running that folder's .pth files, so the editable checkout stays invisible.
    (site / "test-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    run([sys.executable, "-m", "pip", "--python", str(py), "install", "-q", "--no-deps", "--no-index", str(wheel)])
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZOO_", "PYTHON"))}
    installed = Path(run([str(py), "-c", "import zoo.sources as s; print(s.bundled_registry_path())"],
                         cwd=elsewhere, env=env).stdout.strip())
    assert installed.is_relative_to(site) and not installed.is_relative_to(REPO)
    zoo_cmd = str(env_dir / "bin" / "zoo")
    verified = run([zoo_cmd, "registry", "verify", str(installed)], cwd=elsewhere, env=env)
    entry = LocalRegistry(bundled_registry_path()).index().datasets["fashion-mnist"]
    assert f"{len(entry.generators) + len(entry.extras)} files checked, 0 problems" in verified.stdout
    sampled = run([zoo_cmd, "sample", "fashion-mnist", "Sneaker", "-n", "4", "--seed", "0", "-o", "s.png"],
                  cwd=elsewhere, env=env)
    assert (elsewhere / "s.png").stat().st_size > 0 and str(installed) in sampled.stdout
    which = json.loads(run([str(py), "-c", "import json, zoo; p = zoo.which('fashion-mnist', 7); "
                                          "print(json.dumps([str(p.file), p.kind]))"], cwd=elsewhere, env=env).stdout)
    assert which == [str(installed / "fashion-mnist" / "label-00007.safetensors"), "per-label"]
