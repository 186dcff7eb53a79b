"""The registry index as typed records. ``index.json`` is their JSON form; nothing outside ``registry/``
reads that JSON: callers get an :class:`Index` and its records."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .errors import CorruptFile, InvalidMeta
from .meta import GeneratorMeta

__all__ = ["INDEX_FORMAT", "DatasetEntry", "ExtraRecord", "GeneratorRecord", "Index", "MetricsBlock"]

INDEX_FORMAT = 1
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True)
class GeneratorRecord:
    """One indexed generator file: where it is, its checksum and size, and its header meta."""
    file: str  # relative to the registry root, POSIX form (informative only: places come from names)
    sha256: str
    size: int
    meta: GeneratorMeta

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "sha256": self.sha256, "size": self.size, "meta": self.meta.to_json()}


@dataclass(frozen=True)
class ExtraRecord:
    """One indexed extra model (e.g. the domain classifier) and its metadata."""
    file: str
    sha256: str
    size: int
    metadata: dict[str, str]

    def to_json(self) -> dict[str, Any]:
        return {"file": self.file, "sha256": self.sha256, "size": self.size, "metadata": dict(self.metadata)}


@dataclass(frozen=True)
class MetricsBlock:
    """One evaluation of a data set's generators with one feature extractor (``zoo eval``)."""
    features: str  # the extractor's name, part of every metric name (fid_<features>)
    n: int  # generated images per label
    seed: int
    labels: dict[int, dict[str, float]]  # per label: metric name -> value
    overall: dict[str, float]
    reference: dict[str, float] = field(default_factory=dict)  # the same metrics between real train and test
    missing_labels: tuple[int, ...] = ()  # labels nothing on the path served
    served_by: dict[int, str] = field(default_factory=dict)  # per label: "per-label" or "conditional"
    weak: dict[int, tuple[str, ...]] = field(default_factory=dict)  # labels far below the others, and why
    dataset: str = ""
    features_digest: str = ""  # sha256 of the extractor's weights
    created: str = ""
    description: str = ""  # what was measured, where the features alone do not say (Classification Accuracy Score)
    real_n: int | None = None  # real images per label and split scored against (None: every one)

    def to_json(self) -> dict[str, Any]:
        out = {"dataset": self.dataset, "features": self.features, "features_digest": self.features_digest,
               "n": self.n, "seed": self.seed, "labels": {str(k): dict(v) for k, v in self.labels.items()},
               "overall": dict(self.overall), "missing_labels": list(self.missing_labels),
               "reference": dict(self.reference), "created": self.created}
        if self.served_by:
            out["served_by"] = {str(k): v for k, v in self.served_by.items()}
        if self.weak:
            out["weak"] = {str(k): list(v) for k, v in self.weak.items()}
        if self.description:
            out["description"] = self.description
        if self.real_n is not None:
            out["real_n"] = self.real_n
        return out

    @classmethod
    def from_json(cls, obj: Any, *, source: str) -> MetricsBlock:
        try:
            obj = _obj(obj, source)
            return cls(features=str(obj["features"]), n=int(obj["n"]), seed=int(obj["seed"]),
                       labels={int(k): {str(m): float(v) for m, v in _obj(s, source).items()}
                               for k, s in _obj(obj["labels"], source).items()},
                       overall={str(k): float(v) for k, v in _obj(obj["overall"], source).items()},
                       reference={str(k): float(v) for k, v in _obj(obj.get("reference", {}), source).items()},
                       missing_labels=tuple(int(k) for k in obj.get("missing_labels", ())),
                       served_by={int(k): str(v) for k, v in _obj(obj.get("served_by", {}), source).items()},
                       weak={int(k): tuple(map(str, v)) for k, v in _obj(obj.get("weak", {}), source).items()},
                       dataset=str(obj.get("dataset", "")), features_digest=str(obj.get("features_digest", "")),
                       created=str(obj.get("created", "")), description=str(obj.get("description", "")),
                       real_n=None if obj.get("real_n") is None else int(obj["real_n"]))
        except (KeyError, TypeError, ValueError) as e:
            raise CorruptFile(f"{source}: expected a metrics block of `zoo eval` ({type(e).__name__}: {e})") from None


def metrics_from_json(obj: Any, *, source: str) -> dict[str, MetricsBlock]:
    """metrics.json: one block per feature extractor, by its name."""
    return {str(k): MetricsBlock.from_json(v, source=f"{source}: {k}") for k, v in _obj(obj, source).items()}


@dataclass(frozen=True)
class DatasetEntry:
    """Everything the index knows of one data set."""
    generators: dict[int, GeneratorRecord] = field(default_factory=dict)  # per-label files, by label
    conditional: GeneratorRecord | None = None  # the conditional generator serving every label
    extras: dict[str, ExtraRecord] = field(default_factory=dict)
    class_names: dict[int, str] = field(default_factory=dict)
    info: dict[str, Any] | None = None  # dataset.json: class_names, image_shape (user data sets)
    metrics: dict[str, MetricsBlock] | None = None  # metrics.json: one block per feature extractor
    record: dict[str, Any] | None = None  # record.json: how the models were made

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"generators": {str(k): g.to_json() for k, g in sorted(self.generators.items())}}
        if self.conditional is not None:
            out["conditional"] = self.conditional.to_json()
        if self.extras:
            out["extras"] = {k: e.to_json() for k, e in self.extras.items()}
        if self.info is not None:
            out["info"] = self.info
        if self.metrics is not None:
            out["metrics"] = {k: b.to_json() for k, b in self.metrics.items()}
        if self.record is not None:
            out["record"] = self.record
        out["class_names"] = {str(k): v for k, v in sorted(self.class_names.items())}
        return out


@dataclass(frozen=True)
class Index:
    datasets: dict[str, DatasetEntry] = field(default_factory=dict)
    format_version: int = INDEX_FORMAT

    def entry(self, dataset: str) -> DatasetEntry:
        """The data set's entry; an empty one when the index does not name it."""
        return self.datasets.get(dataset) or DatasetEntry()

    def to_json(self) -> dict[str, Any]:
        return {"format_version": self.format_version,
                "datasets": {name: e.to_json() for name, e in self.datasets.items()}}

    @classmethod
    def from_json(cls, obj: Any, *, source: str) -> Index:
        """Parse and check the JSON form; anything malformed is a ``CorruptFile`` naming the fix."""
        try:
            return cls({str(name): _entry(e, f"{source}: {name}") for name, e in _obj(obj, source)["datasets"].items()},
                       obj.get("format_version", INDEX_FORMAT))
        except (KeyError, TypeError, ValueError, AttributeError, InvalidMeta) as e:
            if isinstance(e, CorruptFile):
                raise
            raise CorruptFile(f"{source}: expected a registry index ({type(e).__name__}: {e}); "
                              "run `zoo registry reindex` to rebuild it from the files") from None


def _obj(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise CorruptFile(f"{where}: expected a JSON object, got {type(value).__name__}; "
                          "run `zoo registry reindex` to rebuild the index from the files")
    return value


def _file_fields(obj: Any, where: str) -> tuple[str, str, int]:
    obj = _obj(obj, where)
    sha, size = obj.get("sha256"), obj.get("size")
    if not isinstance(sha, str) or not _SHA256.match(sha):
        raise CorruptFile(f"{where}: expected a sha256 of 64 hex digits, got {sha!r}; "
                          "run `zoo registry reindex` to rebuild the index from the files")
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise CorruptFile(f"{where}: expected a size in bytes, got {size!r}")
    return str(obj.get("file", "")), sha, size


def _generator(obj: Any, where: str) -> GeneratorRecord:
    file, sha, size = _file_fields(obj, where)
    return GeneratorRecord(file, sha, size, GeneratorMeta.from_json(_obj(obj.get("meta"), where), source=where))


def _entry(obj: Any, where: str) -> DatasetEntry:
    obj = _obj(obj, where)
    extras = {str(k): ExtraRecord(*_file_fields(v, f"{where}/extras/{k}"),
                                  {str(a): str(b) for a, b in _obj(v.get("metadata", {}), where).items()})
              for k, v in _obj(obj.get("extras", {}), where).items()}
    return DatasetEntry(
        generators={int(k): _generator(v, f"{where}/{k}") for k, v in _obj(obj.get("generators", {}), where).items()},
        conditional=_generator(obj["conditional"], f"{where}/conditional") if obj.get("conditional") is not None
        else None,
        extras=extras,
        class_names={int(k): str(v) for k, v in _obj(obj.get("class_names", {}), where).items()},
        info=obj.get("info"), record=obj.get("record"),
        metrics=metrics_from_json(obj["metrics"], source=f"{where}/metrics") if obj.get("metrics") is not None else None)
