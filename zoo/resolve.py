"""Which generator serves (dataset, label) along a search path: the one place that decides.

Along the path, the first registry that can serve the label serves it; inside one registry, the label's
own generator comes first, then the data set's conditional generator. Every caller (sampling, loading,
the CLI, the demo, evaluation, the Hub, the benchmarks) asks here; none re-derives it.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from registry import EntryNotFound, GeneratorMeta, Registry
from registry.summary import ranges

from .specs import DatasetSpec

__all__ = ["Provenance", "Resolution", "resolve", "servable_labels", "conditional_labels", "serving_registries"]

PER_LABEL, CONDITIONAL = "per-label", "conditional"


@dataclass(frozen=True)
class Provenance:
    """What served a request: ``zoo.which(...)``'s answer."""
    dataset: str
    label: int  # the class index asked for
    class_name: str
    kind: str  # "per-label" (the label's own generator) or "conditional" (the data set's, label fixed)
    registry: str  # the registry that served it: a folder, or hf://ORG/NAME@REV
    file: Path  # the generator file (for a Hub registry: its place in the Hub cache once fetched)
    meta: GeneratorMeta  # the file's own header meta

    def __str__(self) -> str:
        return f"{self.dataset}/{self.label} ({self.class_name}): {self.kind} generator {self.file.name} in {self.registry}"


@dataclass(frozen=True)
class Resolution:
    """A resolved request: the spec, the class index, the registry and the file that serve it."""
    spec: DatasetSpec
    label: int  # class index
    registry: Registry
    file_label: int | None  # the file's label: ``label`` itself, or None for the conditional generator
    shadowing: tuple[Path, ...]  # files that would take this request elsewhere if they appeared

    @property
    def kind(self) -> str:
        return CONDITIONAL if self.file_label is None else PER_LABEL

    @property
    def conditional(self) -> bool:
        return self.file_label is None

    def provenance(self) -> Provenance:
        return Provenance(self.spec.name, self.label, self.spec.class_names[self.label], self.kind,
                          self.registry.where, self.registry.path_of(self.spec.name, self.file_label),
                          self.registry.read_meta(self.spec.name, self.file_label))


def resolve(spec: DatasetSpec, label: int, registries: Sequence[Registry]) -> Resolution:
    """The registry and file serving class ``label`` of ``spec`` on the path ``registries``."""
    dataset = spec.name
    for i, reg in enumerate(registries):
        for file_label in (label, None):
            if reg.has(dataset, file_label) and (file_label is not None or _conditional_covers(reg, dataset, label)):
                earlier = [p for r in registries[:i] for p in (r.path_of(dataset, label), r.path_of(dataset, None))]
                own = [reg.path_of(dataset, label)] if file_label is None else []
                return Resolution(spec, label, reg, file_label, tuple(earlier + own))
    held = "; ".join(f"{r.where} holds {_held(r, spec)}" for r in registries) or "no registry is configured"
    raise EntryNotFound(f"no generator serves dataset {dataset!r}, label {label} "
                        f"({spec.class_names[label]}): {held}. Train one with `zoo train`, or name a "
                        "registry that has it with registry= / --registry / $ZOO_REGISTRY")


def servable_labels(reg: Registry, spec: DatasetSpec) -> tuple[int, ...]:
    """Every label of ``spec`` the registry can serve: its own generators' and its conditional one's."""
    return tuple(sorted(set(reg.labels(spec.name)) | set(conditional_labels(reg, spec))))


def conditional_labels(reg: Registry, spec: DatasetSpec) -> tuple[int, ...]:
    """The labels the registry's conditional generator of ``spec`` serves (none without one)."""
    if not reg.has(spec.name, None):
        return ()
    learned = reg.read_meta(spec.name, None).labels
    return tuple(range(spec.num_classes)) if learned is None else tuple(k for k in learned if k < spec.num_classes)


def _conditional_covers(reg: Registry, dataset: str, label: int) -> bool:
    return reg.read_meta(dataset, None).covers(label)


def serving_registries(spec: DatasetSpec, registries: Sequence[Registry]) -> list[Registry]:
    """The registries on the path that serve at least one label of the data set, in path order."""
    return [r for r in registries if servable_labels(r, spec)]


def _held(reg: Registry, spec: DatasetSpec) -> str:
    parts = []
    labels = reg.labels(spec.name)
    if labels:
        parts.append(f"labels {ranges(labels)}")
    if reg.has(spec.name, None):
        learned = reg.read_meta(spec.name, None).labels
        parts.append("a conditional generator of " + ("every label" if learned is None else f"labels {ranges(learned)}"))
    return " and ".join(parts) or f"nothing of {spec.name!r}"
