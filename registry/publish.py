"""Publishing a registry as a Hub model repo: the folder the repo holds, and one commit of what changed.

The repo has the registry's own layout (see ``index``), with a fresh index, and nothing else of the
registry's folder: training runs, caches, locks and temporaries stay home.
"""
from __future__ import annotations

import hashlib
import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from .atomic import atomic_write_json
from .errors import CorruptFile, HubUnavailable, RegistryError
from .files import sha256_file
from .hub import HubLocation
from .hub_access import HubAccess, hub_cache, hub_endpoint, hub_offline
from .index import build_index
from .layout import DATASET_INFO, INDEX_NAME, METRICS, RECORD, dataset_dir, is_published

__all__ = ["CARD_MARKER", "PublishReport", "stage_registry", "publish_folder"]

log = logging.getLogger(__name__)

CARD_MARKER = "<!-- wcgan-zoo: generated model card; `zoo publish` rewrites it -->"
README = "README.md"
COMMIT_FILES = 200  # files per commit: a 1,000-label registry goes up in 5 commits plus the index and card


def stage_registry(root: Path, dest: Path) -> list[str]:
    """Copy into the empty folder ``dest`` what the Hub repo of the registry at ``root`` holds; return the
    paths written, relative to ``dest``. A registry with files that cannot be indexed is refused."""
    root, dest = Path(root), Path(dest)
    if dest.exists() and any(dest.iterdir()):
        raise RegistryError(f"{dest}: expected an empty or absent folder to build the repo in")
    index, problems = build_index(root)
    if problems:
        raise CorruptFile(f"{root}: {len(problems)} file(s) cannot be published, e.g. {problems[0]}; "
                          "fix or remove them and run `zoo registry reindex`")
    if not any(e.generators or e.conditional for e in index.datasets.values()):
        raise RegistryError(f"{root}: no generators to publish")
    wanted: list[str] = []
    for dataset, entry in index.datasets.items():
        records = [*entry.generators.values(), *([entry.conditional] if entry.conditional else []),
                   *entry.extras.values()]
        wanted += [r.file for r in records]
        wanted += [f"{dataset}/{name}" for name in (DATASET_INFO, METRICS, RECORD)
                   if (dataset_dir(root, dataset) / name).is_file()]
    wanted = [rel for rel in wanted if is_published(rel)]  # what the index lists is; the rule has one home
    for rel in wanted:
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(root / rel, target)
    atomic_write_json(dest / INDEX_NAME, index.to_json())
    return sorted([*wanted, INDEX_NAME])


@dataclass
class PublishReport:
    repo: str
    revision: str
    commit_url: str | None  # None when nothing had changed
    uploaded: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    card_kept: bool = False  # a hand-written README on the Hub was left as it was


def publish_folder(folder: Path, location: HubLocation, *, private: bool = False, message: str | None = None,
                   overwrite_card: bool = False, batch_size: int = COMMIT_FILES) -> PublishReport:
    """Upload the files of ``folder`` that differ from the repo's (creating repo and branch): in one commit, or
    for more than ``batch_size`` files in several, the index and the card last. Interrupted, the same call
    again uploads only what is still missing (each file is compared with the repo's first)."""
    from huggingface_hub import CommitOperationAdd, HfApi
    from huggingface_hub.errors import HfHubHTTPError

    endpoint = hub_endpoint()
    why = "HF_HUB_OFFLINE is set" if hub_offline() else HubAccess().unreachable_because(endpoint)
    if why:
        raise HubUnavailable(f"cannot publish to {location.repo_id}: {why} ({endpoint})")
    api = HfApi(endpoint=endpoint)
    repo, rev = location.repo_id, location.revision
    report = PublishReport(repo, rev, None)
    try:
        api.create_repo(repo, private=private, exist_ok=True)
        if rev != "main":
            api.create_branch(repo, branch=rev, exist_ok=True)
        remote = {s.rfilename: s for s in api.model_info(repo, revision=rev, files_metadata=True).siblings or []}
        ops = []
        for rel in sorted(p.relative_to(folder).as_posix() for p in Path(folder).rglob("*") if p.is_file()):
            if rel == README and README in remote and not overwrite_card and not _ours(api, repo, rev):
                report.card_kept = True
                log.warning("%s has a README not written by wcgan-zoo; kept (use --overwrite-card)", repo)
            elif _same(Path(folder) / rel, remote.get(rel)):
                report.unchanged.append(rel)
            else:
                ops.append(CommitOperationAdd(path_in_repo=rel, path_or_fileobj=str(Path(folder) / rel)))
        batches = _batches(ops, batch_size)
        for i, batch in enumerate(batches, 1):
            what = message or f"wcgan-zoo: publish {len(ops)} files"
            info = api.create_commit(repo, batch, revision=rev,
                                     commit_message=what if len(batches) == 1 else f"{what} ({i}/{len(batches)})")
            report.uploaded += [op.path_in_repo for op in batch]
            report.commit_url = str(info.commit_url)
            log.info("committed %d of %d files to %s@%s", len(report.uploaded), len(ops), repo, rev)
    except HfHubHTTPError as e:
        done = f" after {len(report.uploaded)} files in whole commits; run it again to upload the rest" \
            if report.uploaded else ""
        raise HubUnavailable(f"publishing to {repo}@{rev} at {endpoint} failed: {_why(e)}{done}") from None
    log.info("published %s@%s: %d uploaded, %d unchanged", repo, rev, len(report.uploaded), len(report.unchanged))
    return report


def _batches(ops: list, size: int) -> list[list]:
    """Generators and extras first, in commits of ``size``; the index, card, grids and records in the last: a
    reader of a half-published repo sees the previous index until every file it names is there."""
    last = [op for op in ops if "/" not in op.path_in_repo or not op.path_in_repo.endswith(".safetensors")]
    files = [op for op in ops if op not in last]
    out = [files[i:i + size] for i in range(0, len(files), size)]
    if out and len(out[-1]) + len(last) <= size:
        out[-1] += last
    elif last:
        out.append(last)
    return out


def _ours(api, repo: str, revision: str) -> bool:
    path = api.hf_hub_download(repo, README, revision=revision, cache_dir=hub_cache())
    return CARD_MARKER in Path(path).read_text(encoding="utf-8", errors="replace")


def _same(local: Path, sibling) -> bool:
    if sibling is None:
        return False
    if sibling.lfs is not None:
        return sibling.lfs.sha256 == sha256_file(local)
    return sibling.blob_id == _git_blob_id(local)


def _git_blob_id(path: Path) -> str:
    data = path.read_bytes()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def _why(e: Exception) -> str:
    status = getattr(getattr(e, "response", None), "status_code", None)
    if status in (401, 403):
        return f"HTTP {status}: not allowed; log in with `hf auth login` or set HF_TOKEN to a token with write access"
    return f"HTTP {status}" if status else type(e).__name__

