"""Fixtures of the Hub tests: a real olah server (download side) and the folder `zoo publish` builds.

Imported by the test modules (a conftest.py here would shadow the root one's helpers).
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from olah_server import OlahServer, olah_server

from zoo.hub import build_repo_folder
from zoo.sources import bundled_registry_path


@pytest.fixture(scope="session")
def olah(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OlahServer]:
    with olah_server(tmp_path_factory.mktemp("olah")) as server:
        yield server


@pytest.fixture(scope="session")
def bundled_repo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What `zoo publish` builds for the bundled registry (trained generators, metrics, classifier)."""
    folder = tmp_path_factory.mktemp("repo") / "fashion"
    build_repo_folder(bundled_registry_path(), folder)
    return folder


@pytest.fixture(scope="session")
def published(olah: OlahServer, bundled_repo_folder: Path) -> tuple[str, str]:
    """The bundled registry served by olah as ``acme/fashion``; returns (repo id, commit)."""
    return "acme/fashion", olah.commit("acme/fashion", bundled_repo_folder, tag="v1")


@pytest.fixture
def hub(olah: OlahServer, monkeypatch: pytest.MonkeyPatch) -> OlahServer:
    monkeypatch.setenv("HF_ENDPOINT", olah.endpoint)
    return olah
