"""A real Hub-compatible server for the download side: olah, in offline mode, serving local git repos.

olah runs from its own virtual environment (`make test` creates `.venv-olah`; ``$OLAH_CLI`` overrides),
since its pins of FastAPI and friends need not agree with the project's.
"""
from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from server_process import accepts, free_port, server_process

ROOT = Path(__file__).resolve().parents[2]


def olah_cli() -> Path:
    path = Path(os.environ.get("OLAH_CLI") or ROOT / ".venv-olah" / "bin" / "olah-cli")
    if not path.is_file():
        raise RuntimeError(f"olah is not installed at {path}: run `make test`, which creates .venv-olah, "
                           "or point OLAH_CLI at an olah-cli")
    return path


def _git(cwd: Path, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "test", "GIT_AUTHOR_EMAIL": "test@localhost",
           "GIT_COMMITTER_NAME": "test", "GIT_COMMITTER_EMAIL": "test@localhost"}
    return subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True, text=True).stdout.strip()


class OlahServer:
    def __init__(self, endpoint: str, mirrors: Path) -> None:
        self.endpoint = endpoint
        self.mirrors = mirrors

    def commit(self, repo_id: str, folder: Path, *, tag: str | None = None, message: str = "publish") -> str:
        """Make the repo's tree exactly ``folder`` in a new commit (creating the repo); return its hash."""
        repo = self.mirrors / "models" / repo_id
        if not (repo / ".git").is_dir():
            repo.mkdir(parents=True)
            _git(repo, "init", "-q", "-b", "main")
        for p in repo.iterdir():
            if p.name != ".git":
                shutil.rmtree(p) if p.is_dir() else p.unlink()
        shutil.copytree(folder, repo, dirs_exist_ok=True)
        _git(repo, "add", "-A")
        _git(repo, "commit", "-q", "--allow-empty", "-m", message)
        if tag:
            _git(repo, "tag", tag)
        return _git(repo, "rev-parse", "HEAD")


@contextmanager
def olah_server(workdir: Path) -> Iterator[OlahServer]:
    port = free_port()
    mirrors, state = workdir / "mirrors", workdir / "olah-state"
    mirrors.mkdir(parents=True)
    state.mkdir()
    config = workdir / "config.toml"
    config.write_text(f'[basic]\nhost = "127.0.0.1"\nport = {port}\nrepos-path = "{state}"\n'
                      f'mirrors-path = ["{mirrors}"]\n\n[accessibility]\noffline = true\n')
    with server_process([str(olah_cli()), "-c", str(config)], workdir=workdir, name="olah", ready=accepts(port),
                        timeout=60):
        yield OlahServer(f"http://127.0.0.1:{port}", mirrors)
