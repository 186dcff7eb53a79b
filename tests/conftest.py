"""Shared fixtures: real tiny generators saved as real safetensors files in tmp_path registries."""
from __future__ import annotations

import dataclasses
import hashlib
import os
import signal
from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from registry import LocalRegistry
from zoo.loading import save_generator
from zoo.nets import NetConfig, build_generator
from zoo.specs import builtin_spec

# `make test` sets this: there a component a test needs (SLURM, network namespaces, root) must be present, so
# a machine where an install step broke fails instead of passing green with tests skipped. A hand-run pytest skips.
COMPLETE = "WCGAN_ZOO_TESTS_COMPLETE"


if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    # A suite started in the background (as CI starts it) inherits Ctrl-C ignored, and so would every process the
    # tests start: a demo server told to stop by Ctrl-C would sit out the 15 s grace before being killed. Tests
    # send their processes the signals a user would, so the suite runs with the terminal's default.
    signal.signal(signal.SIGINT, signal.default_int_handler)


# `make test` runs the suite on a worker per core (pytest-xdist). Each worker's torch (and every process it starts)
# then takes its share of the cores: a thread per core in every worker would oversubscribe them several times over.
_WORKERS = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
if _WORKERS > 1:
    _THREADS = max(1, (os.cpu_count() or 1) // _WORKERS)
    os.environ["OMP_NUM_THREADS"] = str(_THREADS)
    torch.set_num_threads(_THREADS)


def together(group: str) -> pytest.MarkDecorator:
    """Run these tests on one xdist worker: they share a module- or session-scoped fixture that is costly to build
    (built once per worker that needs it), or a machine-wide service (SLURM's munge, one cluster at a time)."""
    return pytest.mark.xdist_group(group)


def requires(missing: str | None) -> pytest.MarkDecorator:
    """Mark tests that need a component: ``missing`` is why it is not here (None: it is)."""
    return pytest.mark.requires(missing)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Slow tests first, the rest in their order: xdist hands out tests (and `together` groups) in collection
    order, and a minute-long test handed out last runs on one worker while the other waits for it."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "requires(missing): needs a component; `make test` fails without it")
    config.addinivalue_line("markers", "xdist_group(name): run on one xdist worker (`together`)")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--device", default="cpu", help="torch device of tests/test_device.py (bench/device_check.sh "
                     "passes cuda)")


@pytest.fixture(scope="session")
def device(request: pytest.FixtureRequest) -> torch.device:
    """The device the device tests run on; a device this machine lacks fails them (never a silent CPU)."""
    dev = torch.device(request.config.getoption("--device"))
    if dev.type == "cuda" and not torch.cuda.is_available():
        pytest.fail("--device cuda: this machine has no CUDA device", pytrace=False)
    return dev


def pytest_runtest_setup(item: pytest.Item) -> None:
    for mark in item.iter_markers("requires"):
        missing = mark.args[0] if mark.args else None
        if missing is None:
            continue
        if os.environ.get(COMPLETE) == "1":
            pytest.fail(f"{missing} (under `make test` every component must be present)", pytrace=False)
        pytest.skip(missing)


@pytest.fixture(autouse=True)
def _isolated_sources(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """No test sees the developer's own ZOO_REGISTRY, user cache, Hub cache, Hub token or endpoint."""
    monkeypatch.delenv("ZOO_REGISTRY", raising=False)
    monkeypatch.setenv("ZOO_CACHE", str(tmp_path_factory.mktemp("user-cache")))
    for name in ("HF_ENDPOINT", "HF_TOKEN", "HF_HUB_OFFLINE", "HF_HUB_CACHE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HF_HOME", str(tmp_path_factory.mktemp("hf-home")))
    monkeypatch.setenv("HF_HUB_DISABLE_TELEMETRY", "1")


def tiny_config(resolution: int = 28, channels: int = 1, arch: str = "dcgan") -> NetConfig:
    return NetConfig.preset(arch, "tiny", resolution=resolution, channels=channels, latent_dim=16)


def add_generator(reg: LocalRegistry, dataset: str, label: int, *, seed: int = 0,
                  config: NetConfig | None = None, class_name: str | None = None,
                  truncation: float | None = None) -> Path:
    """A randomly initialised (untrained) tiny generator: real weights, real file, distinct per seed."""
    config = config or tiny_config()
    torch.manual_seed(seed)
    net = build_generator(config)
    # Non-trivial BN statistics, so a strict load that dropped buffers would change the output.
    for m in net.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.9, 1.1)
    spec = builtin_spec(dataset)
    name = class_name or (spec.class_names[label] if spec else f"class-{label}")
    return save_generator(reg, net, config=config, dataset=dataset, label=label, class_name=name, seed=seed,
                          truncation=truncation)


def add_conditional(reg: LocalRegistry, dataset: str = "fashion-mnist", *, seed: int = 0,
                    num_classes: int = 10) -> Path:
    """A randomly initialised tiny conditional generator serving every label: a real file, then reindexed."""
    config = dataclasses.replace(tiny_config(), num_classes=num_classes)
    torch.manual_seed(seed)
    path = save_generator(reg, build_generator(config), config=config, dataset=dataset, label=None, class_name="",
                          seed=seed)
    reg.reindex()
    return path


@pytest.fixture
def make_registry(tmp_path: Path) -> Callable[..., LocalRegistry]:
    counter = iter(range(1000))

    def make(labels: dict[str, list[int]] | None = None, *, name: str | None = None, reindex: bool = True,
             seed: int = 0) -> LocalRegistry:
        reg = LocalRegistry.create(tmp_path / (name or f"reg{next(counter)}"))
        for dataset, labs in (labels if labels is not None else {"fashion-mnist": [0, 7]}).items():
            for lab in labs:
                add_generator(reg, dataset, lab, seed=seed + lab)
        if reindex:
            reg.reindex()
        return reg

    return make


def tree_digest(root: Path) -> dict[str, str]:
    """sha256 of every file under root: proof that an operation modified nothing."""
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}
