"""The registry index: a JSON file *derived* from the files, so it can always be rebuilt.

Its layout on disk and in a Hub model repo is described once, in ``registry.layout``.
"""
from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from .errors import CorruptFile, RegistryError
from .files import read_extra, read_generator
from .layout import DATASET_INFO, INDEX_NAME, METRICS, RECORD, extras_dir
from .names import CONDITIONAL_FILE, check_dataset_name, parse_generator_filename
from .records import INDEX_FORMAT, DatasetEntry, ExtraRecord, GeneratorRecord, Index, metrics_from_json

__all__ = ["INDEX_NAME", "INDEX_FORMAT", "build_index", "holds_generators", "load_index", "read_json_file"]

log = logging.getLogger(__name__)

def read_json_file(path: Path) -> Any:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise CorruptFile(f"{path}: expected a JSON file: {e}") from None


def load_index(root: Path) -> Index:
    path = Path(root) / INDEX_NAME
    obj = read_json_file(path)
    if not isinstance(obj, dict) or not isinstance(obj.get("datasets"), dict):
        raise CorruptFile(f"{path}: expected an object with 'datasets'; "
                          "run `zoo registry reindex` to rebuild it from the files")
    return Index.from_json(obj, source=str(path))


def dataset_folders(root: Path) -> list[Path]:
    out = []
    for p in sorted(Path(root).iterdir()):
        if p.is_dir() and not p.name.startswith("."):
            try:
                check_dataset_name(p.name)
            except RegistryError:
                continue
            out.append(p)
    return out


def generator_files(folder: Path) -> dict[int, Path]:
    files = {}
    for p in folder.iterdir():
        label = parse_generator_filename(p.name)
        if label is not None:
            files[label] = p
    return dict(sorted(files.items()))


def all_generator_files(folder: Path) -> dict[int | None, Path]:
    """Per-label files by label, and the conditional generator under the key None."""
    files: dict[int | None, Path] = dict(generator_files(folder))
    if (folder / CONDITIONAL_FILE).is_file():
        files[None] = folder / CONDITIONAL_FILE
    return files


def holds_generators(root: Path) -> bool:
    root = Path(root)
    return root.is_dir() and any(all_generator_files(folder) for folder in dataset_folders(root))


def build_index(root: Path) -> tuple[Index, list[str]]:
    """Scan every file under ``root``; return the index and the files that had to be left out."""
    root = Path(root)
    problems: list[str] = []
    datasets: dict[str, DatasetEntry] = {}
    for folder in dataset_folders(root):
        entry = _scan_dataset(root, folder, problems)
        if entry.generators or entry.info is not None or entry.conditional or entry.extras:
            datasets[folder.name] = entry
    return Index(datasets, INDEX_FORMAT), problems


def _scan_dataset(root: Path, folder: Path, problems: list[str]) -> DatasetEntry:
    jsons: dict[str, Any] = {}
    for name, key in ((DATASET_INFO, "info"), (METRICS, "metrics"), (RECORD, "record")):
        if (folder / name).exists():
            try:
                jsons[key] = read_json_file(folder / name)
                if key == "metrics":
                    jsons[key] = metrics_from_json(jsons[key], source=str(folder / name))
            except CorruptFile as e:
                jsons.pop(key, None)
                problems.append(str(e))
    generators: dict[int, GeneratorRecord] = {}
    conditional = None
    for label, path in all_generator_files(folder).items():
        try:
            gf = read_generator(path)
        except RegistryError as e:
            problems.append(str(e))
            log.warning("left out of the index: %s", e)
            continue
        if (gf.meta.dataset, gf.meta.label) != (folder.name, label):  # a file copied to the wrong place
            problems.append(f"{path}: its meta says ({gf.meta.dataset!r}, {gf.meta.label}), "
                            f"expected ({folder.name!r}, {label}) from its place")
            continue
        record = GeneratorRecord(path.relative_to(root).as_posix(), gf.sha256, gf.size, gf.meta)
        if label is None:
            conditional = record
        else:
            generators[label] = record
    extras: dict[str, ExtraRecord] = {}
    where = extras_dir(root, folder.name)
    for path in sorted(where.glob("*.safetensors")) if where.is_dir() else []:
        try:
            _, metadata, digest = read_extra(path)
        except RegistryError as e:
            problems.append(str(e))
            continue
        extras[path.stem] = ExtraRecord(path.relative_to(root).as_posix(), digest, path.stat().st_size, metadata)
    info = jsons.get("info")
    names = {i: str(n) for i, n in enumerate((info or {}).get("class_names") or [])} if isinstance(info, dict) else {}
    for label, g in generators.items():
        names.setdefault(label, g.meta.class_name)
    return DatasetEntry(generators, conditional, extras, dict(sorted(names.items())), **jsons)
