"""Before a job trains anything in a registry: does the registry already hold its labels under another job?

A label finished under another job, a label with a checkpoint made under another identity, or a label that an
earlier job array submitted into the same registry trains differently would mix two recipes in one zoo (and
a resumed run would mix two in one file). Such a job is refused with every difference, before any shared start
is trained; ``--retrain`` replaces those generators. The differences come from ``TrainJob`` alone.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path

from registry import LocalRegistry
from registry.layout import CHECKPOINT, INDEX_NAME, RUN_CONFIG, jobs_dir
from zoo.labels import format_labels

from .errors import InvalidTrainConfig
from .job import TrainJob, describe_differences

__all__ = ["refuse_other_jobs"]

log = logging.getLogger(__name__)


def refuse_other_jobs(job: TrainJob) -> None:
    """Raise InvalidTrainConfig naming each label held under another job and how; nothing when all agree."""
    if job.retrain:
        return
    held = (Path(job.registry) / INDEX_NAME).is_file()  # no registry yet: no runs, but maybe submitted arrays
    found = (_from_runs(job) if held else []) + _from_job_files(job)
    if found:
        raise InvalidTrainConfig(f"{job.registry} holds {job.dataset} " + "; ".join(found)
                                 + ": run the job as it was, or pass --retrain to replace those generators")


def _from_runs(job: TrainJob) -> list[str]:
    """Labels finished or unfinished in the registry under another job, grouped by how they differ."""
    reg = LocalRegistry(job.registry)
    by_diff: dict[tuple[str, str], list[int | None]] = {}
    for label in job.unit_labels():
        folder = reg.run_dir(job.dataset, label)
        finished, unfinished = reg.has(job.dataset, label), (folder / CHECKPOINT).is_file()
        record = _read(folder / RUN_CONFIG)
        if not (finished or unfinished) or record is None:
            continue
        recorded = record.get("identity")
        if not isinstance(recorded, dict):  # a record of an older version: it cannot be compared
            log.info("%s/%s: its run record predates job identities; not compared", job.dataset, label)
            continue
        if finished:  # its file is whole: only what shapes weights matters, not which labels the job also had
            diff = describe_differences({k: v for k, v in recorded.items() if k not in ("label", "trained_on")},
                                        job.shaping())
        else:
            diff = describe_differences(recorded, json.loads(json.dumps(job.identity(label))))
        if diff:
            by_diff.setdefault(("finished" if finished else "unfinished", "; ".join(diff)), []).append(label)
    return [f"{_labels(labels)} {state} under another job ({diff})" for (state, diff), labels in by_diff.items()]


def _from_job_files(job: TrainJob) -> list[str]:
    """Labels an earlier job array submitted into this registry trains differently."""
    found = []
    for path in sorted(jobs_dir(job.registry).glob("job-*.json")):
        try:
            earlier = TrainJob.load(path)
        except InvalidTrainConfig:
            continue  # not ours to judge: that job's own tasks report it
        shared = sorted(set(earlier.labels) & set(job.labels))
        if earlier.dataset != job.dataset or not shared or path.name == job.file_name():
            continue
        diff = earlier.differences(job)
        if diff:
            found.append(f"labels {format_labels(shared)} given by {path.name} with another config ({'; '.join(diff)})")
    return found


def _labels(labels: list[int | None]) -> str:
    if labels == [None]:
        return "conditional model"
    return f"label{'s' if len(labels) > 1 else ''} {format_labels([k for k in labels if k is not None])}"


def _read(path: Path) -> dict | None:
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return record if isinstance(record, dict) else None
