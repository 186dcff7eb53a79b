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
from conftest import together

from registry import LocalRegistry
from registry.layout import is_machine_local
from zoo.sources import bundled_registry_path

pytestmark = [pytest.mark.slow, together("test_wheel")]

REPO = Path(__file__).resolve().parents[1]
SOURCES = ("pyproject.toml", "setup.py", "README.md", "zoo", "registry", "training", "app")


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
    run_folder = src / "zoo/pretrained/fashion-mnist/runs/label-00007"
    for name in ("checkpoint.pt", "checkpoint-set-aside-20260101T000000.pt", ".lock"):
        (run_folder / name).write_bytes(b"machine-local: must not ship")
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
    shipped = [n.removeprefix("zoo/pretrained/") for n in names if n.startswith("zoo/pretrained/")]
    assert not [n for n in shipped if "/cache/" in n or is_machine_local(n)]
    assert not [n for n in shipped if n.endswith((".pt", ".lock"))]  # the planted ones, whatever the list says


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


def core_only_site(dest: Path) -> Path:
    """A folder holding exactly what `pip install wcgan-zoo` (no extras) brings: the core dependencies of
    pyproject.toml and theirs, linked from this environment's site-packages; no scikit-learn, gradio, scipy."""
    from importlib.metadata import PackageNotFoundError, distribution

    import tomllib
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    pending = list(tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["dependencies"])
    seen: set[str] = set()
    dest.mkdir()
    while pending:
        req = Requirement(pending.pop())
        if canonicalize_name(req.name) in seen or (req.marker and not req.marker.evaluate({"extra": ""})):
            continue
        seen.add(canonicalize_name(req.name))
        try:
            dist = distribution(req.name)
        except PackageNotFoundError:
            continue  # an optional platform dependency this machine does not have
        pending += dist.requires or []
        for top in {Path(f).parts[0] for f in dist.files or [] if not Path(f).parts[0].startswith("..")}:
            source = Path(dist.locate_file(top))
            if source.exists() and not (dest / top).exists():
                (dest / top).symlink_to(source)
    assert "scikit-learn" not in seen and "gradio" not in seen and "torch" in seen
    return dest


def test_a_core_install_runs_sample_and_names_the_extra_each_other_command_needs(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)])
    py = env_dir / "bin" / "python"
    site = Path(run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    (site / "core-deps.pth").write_text(str(core_only_site(tmp_path / "core")) + "\n")
    run([sys.executable, "-m", "pip", "--python", str(py), "install", "-q", "--no-deps", "--no-index", str(wheel)])
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZOO_", "PYTHON"))}
    zoo_cmd = str(env_dir / "bin" / "zoo")
    assert subprocess.run([str(py), "-c", "import sklearn"], capture_output=True, env=env).returncode != 0
    listed = run([zoo_cmd, "--help"], cwd=tmp_path, env=env).stdout
    assert "train             (needs pip install 'wcgan-zoo[train]')" in listed
    assert "demo              (needs pip install 'wcgan-zoo[demo]')" in listed
    for args, extra in ([["train", "fashion-mnist", "--labels", "3"], "train"],
                        [["eval", "zoo-registry", "fashion-mnist"], "train,metrics"], [["demo"], "demo"]):
        res = subprocess.run([zoo_cmd, *args], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
        assert res.returncode == 2 and res.stderr.count("\n") == 1, res.stderr
        assert f"needs pip install 'wcgan-zoo[{extra}]' (not installed: " in res.stderr
    sampled = run([str(py), "-c", "import sys; from zoo.cli import main; main(['sample', 'fashion-mnist', '3', '-o', "
                                  "'s.png'], standalone_mode=False); print(sorted({m.split('.')[0] for m in "
                                  "sys.modules} & {'training', 'app'}))"], cwd=tmp_path, env=env)
    assert sampled.stdout.strip().endswith("[]")  # sampling imported neither training nor the demo
