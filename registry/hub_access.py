"""Downloads from the Hub with errors a user can act on, and no hang when the network is away.

The environment (``HF_ENDPOINT``, ``HF_HUB_OFFLINE``, ``HF_TOKEN``) is read at each call rather than at
import, so a process can change it. The token is left to ``huggingface_hub``: it is never logged here.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
import time
import urllib.parse
from pathlib import Path

from .errors import EntryNotFound, HubUnavailable, RegistryNotFound

__all__ = ["HubAccess", "hub_endpoint", "hub_offline"]

log = logging.getLogger(__name__)

DEFAULT_ENDPOINT = "https://huggingface.co"
_PROBE_SECONDS = 1.5  # the whole probe: name resolution and TCP connection together
_PROXY_VARS = ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy")


def hub_endpoint() -> str:
    return (os.environ.get("HF_ENDPOINT") or DEFAULT_ENDPOINT).rstrip("/")


def hub_offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in {"1", "true", "yes", "on"}


def hub_cache() -> str:
    if os.environ.get("HF_HUB_CACHE"):
        return os.environ["HF_HUB_CACHE"]
    home = os.environ.get("HF_HOME") or os.path.join(os.environ.get("XDG_CACHE_HOME") or "~/.cache", "huggingface")
    return os.path.join(os.path.expanduser(home), "hub")


class HubAccess:
    """One endpoint's downloads. ``huggingface_hub`` retries a refused connection for ~20 s; a quick TCP
    probe first lets an unreachable Hub fall back to the cache (or fail) at once instead."""

    def __init__(self) -> None:
        self._reachable: dict[str, str | None] = {}  # endpoint -> None if reachable, else why not
        self._lock = threading.Lock()

    def unreachable_because(self, endpoint: str) -> str | None:
        with self._lock:
            if endpoint not in self._reachable:
                self._reachable[endpoint] = _probe(endpoint)
            return self._reachable[endpoint]

    def download(self, repo_id: str, filename: str, revision: str) -> Path:
        from huggingface_hub import hf_hub_download
        from huggingface_hub.errors import (
            EntryNotFoundError,
            HfHubHTTPError,
            LocalEntryNotFoundError,
            RepositoryNotFoundError,
            RevisionNotFoundError,
        )

        endpoint, cache = hub_endpoint(), hub_cache()
        why = "HF_HUB_OFFLINE is set" if hub_offline() else self.unreachable_because(endpoint)
        try:
            return Path(hf_hub_download(repo_id, filename, revision=revision, endpoint=endpoint, cache_dir=cache,
                                        local_files_only=why is not None))
        except LocalEntryNotFoundError:
            raise HubUnavailable(f"{repo_id}@{revision}: {filename} is not in the cache ({cache}) and the Hub "
                                 f"cannot be asked: {why or 'the download failed'} ({endpoint}). Run "
                                 f"`zoo pull {repo_id}` while online, or check HF_ENDPOINT") from None
        except (RepositoryNotFoundError, RevisionNotFoundError, EntryNotFoundError):
            raise self._not_found(repo_id, filename, revision, endpoint) from None
        except HfHubHTTPError as e:
            raise HubUnavailable(f"{repo_id}@{revision}: {filename}: the Hub at {endpoint} answered "
                                 f"{_status(e)}") from None
        except Exception as e:  # noqa: BLE001 - a broken transfer (cut, short, reset) in any client layer
            first = str(e).splitlines()[0] if str(e) else type(e).__name__
            raise HubUnavailable(f"{repo_id}@{revision}: downloading {filename} from {endpoint} failed ({first}); "
                                 "nothing partial was kept: run the command again") from None

    def _not_found(self, repo_id: str, filename: str, revision: str, endpoint: str) -> Exception:
        """The Hub (and mirrors such as olah) say 'not found' alike for a repo, a revision and a file."""
        from huggingface_hub import HfApi
        from huggingface_hub.errors import HfHubHTTPError

        api = HfApi(endpoint=endpoint)
        try:
            api.model_info(repo_id, revision="main")
        except HfHubHTTPError:
            return RegistryNotFound(f"no model repo {repo_id!r} at {endpoint} "
                                    "(or it is private: log in or set HF_TOKEN)")
        if revision != "main":
            try:
                api.model_info(repo_id, revision=revision)
            except HfHubHTTPError:
                return RegistryNotFound(f"{repo_id!r} has no revision {revision!r} (expected a branch, tag or commit "
                                        f"of the repo at {endpoint})")
        what = "not a wcgan-zoo registry: no index.json" if filename == "index.json" else f"no file {filename}"
        return EntryNotFound(f"{repo_id}@{revision}: {what}")

    def evict(self, path: Path) -> None:
        """Remove a cached file: the snapshot's link and the blob it points to."""
        target = Path(os.path.realpath(path))
        for p in {Path(path), target}:
            try:
                p.unlink()
            except FileNotFoundError:
                pass
        log.warning("removed %s from the Hub cache", path)


def _probe(endpoint: str) -> str | None:
    """None if a TCP connection to the endpoint opens within _PROBE_SECONDS, else why not."""
    if any(os.environ.get(v) for v in _PROXY_VARS):
        return None  # a proxy decides what is reachable; let the client go through it
    url = urllib.parse.urlsplit(endpoint)
    host, port = url.hostname or "", url.port or (443 if url.scheme == "https" else 80)
    deadline = time.monotonic() + _PROBE_SECONDS
    try:
        why = _connect_any(_resolve(host, port, _PROBE_SECONDS), deadline)
    except OSError as e:
        why = f"cannot resolve {host} ({e.strerror or e})"
    if why is not None:
        log.warning("the Hub at %s is unreachable (%s); using the local cache only", endpoint, why)
    return why


def _resolve(host: str, port: int, timeout: float) -> list[tuple]:
    """getaddrinfo with a deadline. It has none of its own: a DNS server that never answers holds it for the
    resolver's retries (10 s and more), so it runs in a daemon thread that is left behind at the deadline."""
    found: list = []

    def run() -> None:
        try:
            found.append(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except OSError as e:
            found.append(e)

    worker = threading.Thread(target=run, name="hub-probe-dns", daemon=True)
    worker.start()
    worker.join(timeout)
    if not found:
        raise TimeoutError(f"no answer from DNS within {timeout:g} s")
    if isinstance(found[0], OSError):
        raise found[0]
    return found[0]


def _connect_any(addresses: list[tuple], deadline: float) -> str | None:
    why = "no address"
    for family, kind, proto, _, address in addresses:
        left = deadline - time.monotonic()
        if left <= 0:
            return f"cannot connect (no answer within {_PROBE_SECONDS:g} s)"
        try:
            with socket.socket(family, kind, proto) as sock:
                sock.settimeout(left)
                sock.connect(address)
                return None
        except TimeoutError:
            return f"cannot connect (no answer within {_PROBE_SECONDS:g} s)"
        except OSError as e:
            why = f"cannot connect ({e.strerror or e})"
    return why


def _status(e: Exception) -> str:
    response = getattr(e, "response", None)
    return f"HTTP {response.status_code}" if response is not None else type(e).__name__
