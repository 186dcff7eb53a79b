"""The registries a request searches, opened once per process; what they hold, and the spec of every data
set they name. ``request`` resolves a (dataset, label) request in one step through ``resolve``."""
from __future__ import annotations

import threading
from dataclasses import dataclass

from registry import DatasetSummary, LocalRegistry, Registry, RegistryNotFound
from registry.hub import HubLocation, HubRegistry
from registry.hub_access import hub_cache, hub_endpoint

from .errors import EntryNotFound, UnknownDataset, suggest
from .resolve import Resolution, resolve, servable_labels
from .sources import RegistryArg, Source, registry_paths
from .specs import BUILTIN_SPECS, DatasetSpec, builtin_spec

__all__ = ["Catalog", "DatasetInfo"]


@dataclass(frozen=True)
class DatasetInfo:
    """One row of ``zoo.datasets()``: a data set's spec and which labels have generators, where."""
    spec: DatasetSpec
    labels: tuple[int, ...]  # labels with a generator in at least one registry
    registries: tuple[str, ...]  # the registries holding them (folders or hf:// repos), in search order
    image_shape: tuple[int, int, int] | None = None  # of the generators held (the first registry's); None: none

    @property
    def name(self) -> str:
        return self.spec.name


class Catalog:
    """Opens each registry once per process: a Hub repo's revision is resolved to a commit at first use."""

    def __init__(self) -> None:
        self._open: dict[object, Registry] = {}
        self._lock = threading.Lock()

    def registries(self, registry: RegistryArg = None) -> list[Registry]:
        out = []
        for path, required in registry_paths(registry):
            try:
                out.append(self._registry(path))
            except RegistryNotFound:
                if required:
                    raise
        return out

    def _registry(self, source: Source) -> Registry:
        # A Hub repo seen through another endpoint or cache is another registry.
        key = (source, hub_endpoint(), hub_cache()) if isinstance(source, HubLocation) else source
        with self._lock:
            reg = self._open.get(key)
        if reg is None:
            reg = HubRegistry(source) if isinstance(source, HubLocation) else LocalRegistry(source)
            with self._lock:
                reg = self._open.setdefault(key, reg)
        return reg

    def spec(self, dataset: str, registries: list[Registry]) -> DatasetSpec:
        spec = builtin_spec(dataset) if isinstance(dataset, str) else None
        if spec is not None:
            return spec
        for reg in registries:
            if isinstance(dataset, str) and dataset in reg.datasets():
                return _spec_from_summary(reg.dataset_summary(dataset))
        known = set(BUILTIN_SPECS) | {n for r in registries for n in r.datasets()}
        raise UnknownDataset(f"unknown dataset {dataset!r}{suggest(str(dataset), known)}")

    def request(self, dataset: str, label: int | str, registry: RegistryArg = None) -> Resolution:
        """Resolve one request: the search path, the spec, the class index, and who serves it."""
        registries = self.registries(registry)
        spec = self.spec(dataset, registries)
        return resolve(spec, spec.resolve_label(label), registries)

    def datasets(self, registries: list[Registry]) -> dict[str, DatasetInfo]:
        found: dict[str, tuple[set[int], list[str], list[tuple[int, int, int]]]] = {}
        for reg in registries:
            for name, summary in reg.datasets().items():
                labels, roots, shapes = found.setdefault(name, (set(), [], []))
                served = servable_labels(reg, self.spec(name, registries))
                if served:
                    labels.update(served)
                    roots.append(reg.where)
                    shapes += [tuple(summary.image_shape)] if summary.image_shape else []
        return {name: DatasetInfo(self.spec(name, registries), tuple(sorted(labels)), tuple(roots),
                                  shapes[0] if shapes else None)
                for name, (labels, roots, shapes) in sorted(found.items())}


def _spec_from_summary(s: DatasetSummary) -> DatasetSpec:
    n = s.num_classes or (max(s.labels) + 1 if s.labels else len(s.class_names))
    names = tuple(s.class_names.get(i, str(i)) for i in range(n))
    if s.image_shape is None:
        raise EntryNotFound(f"dataset {s.name!r}: the registry records no image shape and holds no generator")
    return DatasetSpec(s.name, names, tuple(s.image_shape), "user data set (spec from its registry)")
