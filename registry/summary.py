"""What a registry holds of one data set, read from its index entry (and, locally, its files)."""
from __future__ import annotations

from dataclasses import dataclass

from .records import DatasetEntry

__all__ = ["DatasetSummary", "summarise", "ranges", "count"]


@dataclass(frozen=True)
class DatasetSummary:
    name: str
    labels: tuple[int, ...]  # labels that have a generator of their own here
    conditional: bool  # whether a conditional generator serving every label is here
    class_names: dict[int, str]  # label -> name, from dataset.json and the generators' meta
    image_shape: tuple[int, int, int] | None
    num_classes: int | None  # from dataset.json; None when only generators say anything


def summarise(name: str, entry: DatasetEntry, *, info: dict | None, labels: tuple[int, ...],
              conditional: bool) -> DatasetSummary:
    """``entry`` is the data set's index entry, ``info`` its dataset.json; ``labels`` what is held."""
    info = info if isinstance(info, dict) else {}
    names = {i: str(n) for i, n in enumerate(info.get("class_names") or [])}
    shape = tuple(info["image_shape"]) if info.get("image_shape") else None
    for key, g in entry.generators.items():
        names.setdefault(key, g.meta.class_name)
        shape = shape or g.meta.image_shape
    if shape is None and entry.conditional is not None:
        shape = entry.conditional.meta.image_shape
    num = len(info["class_names"]) if info.get("class_names") else None
    return DatasetSummary(name=name, labels=labels, class_names=names, image_shape=shape,  # type: ignore[arg-type]
                          num_classes=num, conditional=conditional)


def ranges(labels: list[int] | tuple[int, ...]) -> str:
    """[0,1,2,5,7,8] -> '0-2, 5, 7-8'."""
    parts, start = [], None
    for i, v in enumerate(labels):
        start = v if start is None else start
        if i + 1 == len(labels) or labels[i + 1] != v + 1:
            parts.append(f"{start}-{v}" if v != start else f"{v}")
            start = None
    return ", ".join(parts)


def count(n: int, noun: str, plural: str | None = None) -> str:
    """1 problem, 2 problems, 0 labels."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"
