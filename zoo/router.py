"""The inference router behind ``zoo.sample``: asks ``resolve`` which file serves (dataset, label), caches
the loaded nets (LRU, bounded by bytes), and batches the request. Sampling itself lives in ``sampling``."""
from __future__ import annotations

import logging
import os
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import torch
from torch import nn

from .card import render_card
from .catalog import Catalog, DatasetInfo
from .devices import check_device
from .errors import EntryNotFound, InvalidRequest, RegistryError
from .loading import LabelBound, default_truncation, generator_from_file, module_nbytes
from .lru import ByteLRU
from .resolve import Provenance, serving_registries
from .sampling import check_seed, effective_truncation, generate, latents, random_seed, slerp
from .sources import ENV_CACHE, ENV_REGISTRY, RegistryArg
from .specs import DatasetSpec, as_labels
from .stacked import MAX_IMAGES_PER_NET, MAX_STACK, MIN_STACK, StackedGenerators, signature

__all__ = ["Router", "RouterConfig"]

log = logging.getLogger(__name__)
Label = int | str
_MAX_ROUTES = 65536


@dataclass(frozen=True)
class RouterConfig:
    max_n: int = 4096  # largest n one call may ask for
    chunk: int = 256  # images per forward pass: bounds peak memory for large n
    cache_bytes: int = 1 << 30  # loaded generators kept in memory, by parameter + buffer bytes
    max_output_bytes: int = 1 << 30  # a request whose images would exceed this is refused before any work

    def __post_init__(self) -> None:
        for name in ("max_n", "chunk", "cache_bytes", "max_output_bytes"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise InvalidRequest(f"RouterConfig.{name}: expected a positive integer, got {v!r}")


@dataclass(frozen=True)
class _Route:
    """A resolved request: which file served it, and what on disk would change the answer."""
    index: int  # the label's class index
    path: str  # the generator file
    cache_key: tuple  # key of the loaded net in the LRU, which includes the file's stamp
    shadowing: tuple[str, ...]  # files that, once they exist, would serve this request instead
    image_shape: tuple[int, int, int]  # (C, H, W) the generator makes
    conditional: bool = False  # served by the data set's conditional generator


class Router:
    def __init__(self, config: RouterConfig | None = None) -> None:
        self.config = config or RouterConfig()
        self.catalog = Catalog()
        self.cache: ByteLRU[nn.Module] = ByteLRU(self.config.cache_bytes)
        self._routes: dict[Hashable, _Route] = {}

    # -- lookups ----------------------------------------------------------------------------
    def datasets(self, *, registry: RegistryArg = None) -> dict[str, DatasetInfo]:
        return self.catalog.datasets(self.catalog.registries(registry))

    def spec(self, dataset: str, *, registry: RegistryArg = None) -> DatasetSpec:
        return self.catalog.spec(dataset, self.catalog.registries(registry))

    def which(self, dataset: str, label: Label, *, registry: RegistryArg = None) -> Provenance:
        """Which registry, file and kind of generator serves (dataset, label), with the file's meta."""
        return self.catalog.request(dataset, label, registry).provenance()

    def generator(self, dataset: str, label: Label, *, device: torch.device | str | None = None,
                  registry: RegistryArg = None) -> nn.Module:
        """The cached, shared, eval-mode generator. Do not modify it; ``load`` gives a private copy."""
        return self._net(dataset, label, check_device(device), registry)[0]

    def load(self, dataset: str, label: Label, *, device: torch.device | str | None = None,
             registry: RegistryArg = None) -> nn.Module:
        served = self.catalog.request(dataset, label, registry)
        net = generator_from_file(served.registry.read_generator(served.spec.name, served.file_label),
                                  device=check_device(device))
        return LabelBound(net, served.label).eval() if served.conditional else net

    def _net(self, dataset: str, label: Label, device: torch.device, registry: RegistryArg,
             dtype: torch.dtype = torch.float32) -> tuple[nn.Module, int, tuple]:
        """The net serving (dataset, label), its class index, and its key in the cache."""
        memo = _memo_key(dataset, label, device, registry, dtype)
        hit = self._fast(memo) if memo is not None else None
        if hit is not None:
            return hit
        served = self.catalog.request(dataset, label, registry)
        reg, name, file_label = served.registry, served.spec.name, served.file_label
        path = str(reg.fetch(name, file_label))  # a Hub registry downloads the file on first use
        st = os.stat(path)
        # The file's stamp is in the key: a retrained (rewritten) generator is picked up, never stale.
        key = (str(reg.root), name, file_label, str(device), str(dtype), st.st_mtime_ns, st.st_size)

        def load() -> tuple[nn.Module, int]:
            net = generator_from_file(reg.read_generator(name, file_label), device=device)
            net = net if dtype == torch.float32 else net.to(dtype)
            net.stack_signature = signature(net)
            log.info("loaded %s/%s from %s onto %s as %s", name, file_label, reg.where, device, dtype)
            self.cache.discard(lambda k: k[:5] == key[:5] and k != key)
            return net, module_nbytes(net)

        net = self.cache.get_or_load(key, load)
        if memo is not None:
            if len(self._routes) >= _MAX_ROUTES:
                self._routes.clear()
            self._routes[memo] = _Route(served.label, path, key, tuple(map(str, served.shadowing)),
                                        tuple(served.provenance().meta.image_shape), served.conditional)
        return (LabelBound(net, served.label) if served.conditional else net), served.label, key

    def _route_hit(self, dataset: str, label: Label, device: torch.device, registry: RegistryArg,
                   dtype: torch.dtype) -> tuple[tuple[nn.Module, int, tuple], tuple[int, int, int]] | None:
        """The net and image shape of a request seen before, if nothing on disk changed since."""
        memo = _memo_key(dataset, label, device, registry, dtype)
        hit = self._fast(memo) if memo is not None else None
        return (hit, self._routes[memo].image_shape) if hit is not None else None

    def _header_shape(self, dataset: str, label: Label, registry: RegistryArg) -> tuple[int, int, int] | None:
        """What the generator serving (dataset, label) makes, from its file's header: nothing is loaded. None
        for a header that does not read: loading refuses that file with the checks that come first there."""
        served = self.catalog.request(dataset, label, registry)
        try:
            return tuple(served.registry.read_meta(served.spec.name, served.file_label).image_shape)
        except RegistryError:
            return None

    def _fast(self, memo: Hashable) -> tuple[nn.Module, int, tuple] | None:
        """The net of a request seen before, if nothing on disk changed that would route it elsewhere.

        One stat of the file plus one per registry searched before it, and no path arithmetic: after a
        forward pass has flushed the CPU caches, every Python step of the full lookup is slow.
        """
        route = self._routes.get(memo)
        if route is None:
            return None
        try:
            st = os.stat(route.path)
        except OSError:
            return None
        if (st.st_mtime_ns, st.st_size) != route.cache_key[-2:] or any(map(os.path.exists, route.shadowing)):
            return None
        net = self.cache.get(route.cache_key)
        if net is None:
            return None
        return (LabelBound(net, route.index) if route.conditional else net), route.index, route.cache_key

    # -- sampling ---------------------------------------------------------------------------
    def sample(self, dataset: str, label: Label | None = None, *, n: int | None = None,
               labels: Sequence[Label] | None = None, seed: int | None = None, z: torch.Tensor | None = None,
               truncation: float | None = None, device: torch.device | str | None = None,
               registry: RegistryArg = None, dtype: torch.dtype | None = None) -> torch.Tensor:
        """Images (N, C, H, W) in [0, 1]; see ``zoo.sample`` for the contract."""
        dtype = _check_dtype(dtype)
        labels = as_labels(labels)  # a 1-d array or tensor of class indices, as users hold them
        if (label is None) == (labels is None):
            raise InvalidRequest("sample: expected exactly one of label= or labels=, "
                                 f"got label={label!r}, labels={labels!r}")
        if labels is not None and (isinstance(labels, (str, bytes)) or not isinstance(labels, Sequence) or not labels):
            raise InvalidRequest(f"labels: expected a non-empty list of class indices or names, got {labels!r}")
        wanted = [label] if labels is None else list(labels)
        n = self._check_n(n, z, per_label=labels is not None)
        seed = random_seed() if seed is None else check_seed(seed)
        dev = check_device(device)
        # Known routes give their net and image shape from one stat; others the shape from the file's header,
        # so an oversized request is refused before any generator is loaded.
        hits = [self._route_hit(dataset, lab, dev, registry, dtype) for lab in wanted]
        self._check_size([hit[1] if hit else self._header_shape(dataset, lab, registry)
                          for hit, lab in zip(hits, wanted)], n, dtype)
        nets = [hit[0] if hit else self._net(dataset, lab, dev, registry, dtype) for hit, lab in zip(hits, wanted)]
        blocks = self._stacked_blocks(nets, n, seed, z, truncation, dev, dtype) if len(nets) >= MIN_STACK else {}
        for net, index, _ in nets:
            if index not in blocks:  # one batch per distinct generator
                blocks[index] = generate(net, self._latents(net, n, seed, z, truncation).to(dtype), device=dev,
                                         chunk=self.config.chunk)
        return blocks[nets[0][1]] if len(nets) == 1 else torch.cat([blocks[i] for _, i, _ in nets])

    def _stacked_blocks(self, nets: list[tuple[nn.Module, int, tuple]], n: int, seed: int, z: torch.Tensor | None,
                        truncation: float | None, dev: torch.device, dtype: torch.dtype) -> dict[int, torch.Tensor]:
        """Blocks of the labels whose generators share an architecture, made by one vmapped call per group."""
        if n > MAX_IMAGES_PER_NET:
            return {}
        groups: dict[Hashable, dict[int, tuple[nn.Module, tuple]]] = {}
        for net, index, key in nets:
            if not isinstance(net, LabelBound):
                # One latent block per stack: nets with other default truncations stack apart.
                groups.setdefault((net.stack_signature, default_truncation(net)), {})[index] = (net, key)
        blocks = {}
        for members in groups.values():
            items = list(members.items())
            for part in (items[i:i + MAX_STACK] for i in range(0, len(items), MAX_STACK)):
                if len(part) < MIN_STACK:
                    continue

                def load(part=part) -> tuple[StackedGenerators, int]:
                    stack = StackedGenerators([net for _, (net, _) in part])
                    return stack, stack.nbytes

                stack = self.cache.get_or_load(("stack", *(key for _, (_, key) in part)), load)
                zs = self._latents(part[0][1][0], n, seed, z, truncation).to(device=dev, dtype=dtype)
                blocks.update({index: x for (index, _), x in zip(part, stack(zs))})
        return blocks

    def interpolate(self, dataset: str, label: Label, *, seeds: tuple[int, int], steps: int = 8,
                    device: torch.device | str | None = None, registry: RegistryArg = None) -> torch.Tensor:
        """``steps`` images along the latent great circle from ``seeds[0]``'s latent to ``seeds[1]``'s."""
        if not isinstance(seeds, (tuple, list)) or len(seeds) != 2:
            raise InvalidRequest(f"seeds: expected two seeds (start, end), got {seeds!r}")
        if isinstance(steps, bool) or not isinstance(steps, int) or not 2 <= steps <= self.config.max_n:
            raise InvalidRequest(f"steps: expected an integer in 2..{self.config.max_n}, got {steps!r}")
        start, end = (check_seed(s) for s in seeds)
        dim = self.generator(dataset, label, device=device, registry=registry).latent_dim
        z = slerp(latents(1, dim, seed=start)[0], latents(1, dim, seed=end)[0], torch.linspace(0, 1, steps))
        return self.sample(dataset, label, z=z, device=device, registry=registry)

    def card(self, dataset: str, *, registry: RegistryArg = None) -> str:
        """The model card (Markdown) of one data set, from the first registry on the path that serves it."""
        registries = self.catalog.registries(registry)
        spec = self.catalog.spec(dataset, registries)
        serving = serving_registries(spec, registries)
        if not serving:
            raise EntryNotFound(f"no registry on the path serves {spec.name!r} "
                                f"(searched: {', '.join(r.where for r in registries) or 'none'}); see `zoo list`")
        return render_card(serving[0], datasets=[spec.name], front_matter=False)

    def _check_size(self, shapes: list[tuple[int, int, int] | None], n: int, dtype: torch.dtype) -> None:
        """The output the generators serving a request would make (their own image shapes, which a user's
        resolution may set apart from the data set's), against the bound, before any image is made."""
        shapes = [s for s in shapes if s is not None]
        need = n * sum(c * h * w for c, h, w in shapes) * dtype.itemsize
        if need > self.config.max_output_bytes:
            c, h, w = max(shapes, key=lambda s: s[0] * s[1] * s[2])
            raise InvalidRequest(f"{n * len(shapes)} images of up to {c}x{h}x{w} would take {_size(need)}, "
                                 f"above the limit of {_size(self.config.max_output_bytes)} "
                                 "(RouterConfig.max_output_bytes); ask for fewer images per call")

    def _check_n(self, n: object, z: torch.Tensor | None, *, per_label: bool) -> int:
        if z is not None:
            if not isinstance(z, torch.Tensor) or z.dim() != 2 or not z.is_floating_point():
                raise InvalidRequest(f"z: expected a float tensor (n, latent_dim), got "
                                     f"{tuple(z.shape) if isinstance(z, torch.Tensor) else type(z).__name__}")
            if n is not None and n != z.shape[0]:
                raise InvalidRequest(f"n={n!r} but z has {z.shape[0]} rows; pass one or make them agree")
            n = z.shape[0]
        n = 1 if n is None else n
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= self.config.max_n:
            what = "images per label" if per_label else "images"
            raise InvalidRequest(f"n: expected {what} in 1..{self.config.max_n}, got {n!r}")
        return n

    def _latents(self, net: nn.Module, n: int, seed: int, z: torch.Tensor | None,
                 truncation: float | None) -> torch.Tensor:
        dim = net.latent_dim
        if z is None:
            return latents(n, dim, seed=seed, truncation=effective_truncation(truncation, default_truncation(net)))
        if truncation is not None:
            raise InvalidRequest("truncation applies to latents the zoo draws; with z= given, truncate z yourself")
        if z.shape[1] != dim:
            raise InvalidRequest(f"z: expected {dim} latent dimensions for this generator, got {z.shape[1]}")
        if not torch.isfinite(z).all():
            raise InvalidRequest("z: expected finite values, got NaN or inf")
        return z.float()


def _check_dtype(dtype: object) -> torch.dtype:
    if dtype is None:
        return torch.float32
    if not isinstance(dtype, torch.dtype) or not dtype.is_floating_point:
        raise InvalidRequest(f"dtype: expected a floating torch dtype such as torch.bfloat16, got {dtype!r}")
    return dtype


def _size(nbytes: int) -> str:
    """1,024 -> '1 KiB', 313,600 -> '306 KiB', 4 << 20 -> '4 MiB'."""
    for scale, unit in ((1 << 30, "GiB"), (1 << 20, "MiB"), (1 << 10, "KiB")):
        if nbytes >= scale:
            return f"{nbytes / scale:.3g} {unit}"
    return f"{nbytes} bytes"


def _memo_key(dataset: object, label: object, device: torch.device, registry: RegistryArg,
              dtype: torch.dtype) -> Hashable | None:
    """A hashable key for the request and the environment that routes it, or None (take the slow path)."""
    if not isinstance(dataset, str) or isinstance(label, bool) or not isinstance(label, (int, str)):
        return None
    try:
        if registry is None or isinstance(registry, (str, os.PathLike)):
            reg_key: Hashable = registry if registry is None else os.fspath(registry)
        else:
            reg_key = tuple(os.fspath(p) for p in registry)
    except TypeError:
        return None
    env = os.environ
    return (dataset, label, str(device), str(dtype), reg_key, env.get(ENV_REGISTRY), env.get(ENV_CACHE),
            env.get("XDG_CACHE_HOME"), env.get("HF_HOME"), env.get("HF_HUB_CACHE"), env.get("HF_ENDPOINT"))
