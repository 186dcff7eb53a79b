"""ImageNet-1k's train folder: one folder per synset, named by its WordNet id. Folders map to the standard
label index (the sorted order of all 1,000 ids; 281 = n02123045, tabby) by id, never by their position among
the folders present, so a subset of the synsets trains exactly the labels it holds, under their own indices."""
from __future__ import annotations

from pathlib import Path

from zoo.specs import builtin_spec

from ..errors import DataNotFound, EmptyLabel
from .folders import class_folders

__all__ = ["synset_folders", "synset_folder"]

SHOWN = 8  # unknown folders named in an error


def synset_folders(root: Path) -> dict[int, Path]:
    """Standard label index -> its synset folder, for every synset under ``root``. Any other folder is an error
    that lists them: a stray folder must not shift or hide a class."""
    ids = builtin_spec("imagenet1k").class_ids
    index = {wnid: i for i, wnid in enumerate(ids)}
    folders = class_folders(root)
    unknown = [p.name for p in folders if p.name not in index]
    if unknown:
        more = f" and {len(unknown) - SHOWN} more" if len(unknown) > SHOWN else ""
        raise DataNotFound(f"{root}: expected only ImageNet-1k synset folders named by WordNet id ({ids[0]}, "
                           f"{ids[1]}, ...); {len(unknown)} are not: {', '.join(map(repr, unknown[:SHOWN]))}{more}")
    return {index[p.name]: p for p in folders}


def synset_folder(root: Path, label: int) -> Path:
    folders = synset_folders(root)
    if label not in folders:
        spec = builtin_spec("imagenet1k")
        raise EmptyLabel(f"{root} has no folder {spec.class_ids[label]} for label {spec.describe(label)}; "
                         f"it holds {len(folders)} of the 1,000 synsets")
    return folders[label]
