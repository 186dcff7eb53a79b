"""`verify`: every file matches the index, every header validates, every net loads strictly."""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from .errors import RegistryError
from .files import GeneratorFile, read_extra, read_generator
from .index import all_generator_files, dataset_folders
from .names import extra_relpath, generator_relpath
from .records import GeneratorRecord
from .store import LocalRegistry

__all__ = ["VerifyReport", "verify"]

log = logging.getLogger(__name__)

# The registry knows files, not networks: the caller passes the check that rebuilds the net.
LoadCheck = Callable[[GeneratorFile], None]


@dataclass
class VerifyReport:
    checked: int = 0
    problems: list[str] = field(default_factory=list)
    unindexed: list[str] = field(default_factory=list)  # fine after training; reindex to add them

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(registry: LocalRegistry, *, load_check: LoadCheck | None = None) -> VerifyReport:
    report = VerifyReport()
    root = registry.root
    index = registry.index()
    indexed: dict[tuple[str, int | None], GeneratorRecord] = {
        (d, k): g for d, e in index.datasets.items() for k, g in e.generators.items()}
    indexed.update({(d, None): e.conditional for d, e in index.datasets.items() if e.conditional is not None})
    for folder in dataset_folders(root):
        for label, path in all_generator_files(folder).items():
            dataset = folder.name
            entry = indexed.pop((dataset, label), None)
            if entry is None:
                report.unindexed.append(str(path.relative_to(root)))
            report.checked += 1
            try:
                gf = read_generator(path, expected_sha256=entry.sha256 if entry else None)
                if entry and entry.size != gf.size:
                    raise RegistryError(f"{path}: expected {entry.size} bytes (index), got {gf.size}")
                if (gf.meta.dataset, gf.meta.label) != (dataset, label):
                    raise RegistryError(f"{path}: its meta says ({gf.meta.dataset!r}, {gf.meta.label}), "
                                        f"expected ({dataset!r}, {label}) from its place")
                if load_check is not None:
                    load_check(gf)
            except Exception as e:  # noqa: BLE001 - a report lists every failure, whatever its kind
                msg = str(e)
                report.problems.append(msg if str(path) in msg else f"{path}: {msg}")
    for dataset, entry in index.datasets.items():
        for name, extra in entry.extras.items():
            report.checked += 1
            try:
                read_extra(root / extra_relpath(dataset, name), expected_sha256=extra.sha256)
            except (RegistryError, OSError) as e:
                report.problems.append(str(e))
    for (dataset, label), entry in sorted(indexed.items(), key=lambda kv: (kv[0][0], kv[0][1] is None, kv[0][1] or 0)):
        report.problems.append(f"{root / generator_relpath(dataset, label)}: listed in the index for ({dataset!r}, {label}) "
                               "but missing on disk")
    log.info("verified %s: %d files, %d problems", root, report.checked, len(report.problems))
    return report
