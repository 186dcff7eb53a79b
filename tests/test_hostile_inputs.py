"""Hostile files and inputs: each refused with a clear, typed error, with no large allocation and no code
executed; the parsers fuzzed with hypothesis (seeded and bounded, so `make test` stays repeatable)."""
from __future__ import annotations

import dataclasses
import hashlib
import json
import pickle
import struct
import subprocess
import sys
import tracemalloc
from pathlib import Path

import pytest
import torch
from conftest import add_generator, together, tree_digest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from safetensors.torch import save as st_save

import zoo
from registry import (
    CorruptFile,
    DatasetEntry,
    InvalidMeta,
    InvalidName,
    LocalRegistry,
    RegistryError,
    read_generator,
    read_meta,
    verify,
)
from registry.files import read_header
from registry.index import load_index
from zoo.errors import ZooError
from zoo.labels import parse_labels
from zoo.loading import generator_from_file
from zoo.router import Router
from zoo.specs import builtin_spec

pytestmark = together("test_hostile_inputs")
FUZZ = settings(derandomize=True, max_examples=300, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


def label_file(reg: LocalRegistry, label: int = 0) -> Path:
    return reg.path_of("fashion-mnist", label)


def test_a_header_length_far_beyond_the_file_allocates_nothing(make_registry) -> None:
    reg = make_registry({"fashion-mnist": [0]})
    label_file(reg).write_bytes(struct.pack("<Q", 2**60) + b"{}")
    tracemalloc.start()
    with pytest.raises(CorruptFile, match="truncated or not safetensors"):
        read_meta(label_file(reg))
    with pytest.raises(RegistryError):  # the index's sha256 refuses it first
        reg.read_generator("fashion-mnist", 0)
    with pytest.raises(CorruptFile):
        read_generator(label_file(reg))  # and unindexed, the parser does
    assert tracemalloc.get_traced_memory()[1] < 1 << 20  # peak under 1 MB
    tracemalloc.stop()


def test_a_header_that_is_not_json(tmp_path) -> None:
    path = tmp_path / "x.safetensors"
    path.write_bytes(struct.pack("<Q", 5) + b"{nope" + b"\0" * 16)
    with pytest.raises(CorruptFile, match="not valid JSON"):
        read_generator(path)


def test_weights_that_do_not_fit_the_named_architecture(make_registry) -> None:
    reg = make_registry({"fashion-mnist": [0]})
    gf = reg.read_generator("fashion-mnist", 0)
    bad_shape = dict(gf.tensors)
    key = next(k for k, v in bad_shape.items() if v.dim() == 4)
    bad_shape[key] = torch.zeros(3, 3, 3, 3)
    with pytest.raises(CorruptFile, match=f"tensor '{key}'.*expects"):
        generator_from_file(dataclasses.replace(gf, tensors=bad_shape))
    bad_dtype = {k: (v.to(torch.int32) if v.is_floating_point() else v) for k, v in gf.tensors.items()}
    with pytest.raises(CorruptFile, match="expects"):
        generator_from_file(dataclasses.replace(gf, tensors=bad_dtype))


_PEAK_RSS_CHILD = """
import sys, torch
from registry import read_generator
from zoo.errors import CorruptFile
from zoo.loading import generator_from_file
from zoo.nets import NetConfig, build_generator

def peak_mib():
    # VmHWM: this address space's peak. (getrusage's ru_maxrss would carry the parent's peak across exec.)
    line = next(x for x in open("/proc/self/status") if x.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024

gf = read_generator(sys.argv[1])
with torch.device("meta"):
    named = sum(t.numel() * 4 for t in build_generator(NetConfig.from_json(gf.meta.arch_config)).state_dict().values())
start = peak_mib()
try:
    generator_from_file(gf)
    print("built")
except CorruptFile:
    pass
refused = peak_mib()
control = torch.ones(256 << 20, dtype=torch.uint8)  # 256 MiB that torch allocates: the measure must see them
print(named / 2**20, refused - start, peak_mib() - refused)
"""


def test_a_header_naming_a_huge_net_is_refused_with_nothing_built(make_registry, tmp_path) -> None:
    """Measured as the peak resident memory of a fresh process, which sees torch's allocations (tracemalloc
    does not), with a 256 MiB control allocation proving it."""
    gf = read_generator(label_file(make_registry({"fashion-mnist": [0]})))
    header = gf.meta.to_header() | {"arch_config": json.dumps(gf.meta.arch_config | {"width": 4096})}
    path = tmp_path / "huge.safetensors"
    path.write_bytes(st_save(gf.tensors, metadata=header))
    res = subprocess.run([sys.executable, "-c", _PEAK_RSS_CHILD, str(path)], capture_output=True, text=True,
                         timeout=300)
    assert res.returncode == 0, res.stderr
    named_mib, refused_mib, control_mib = map(float, res.stdout.split())
    print(f"named {named_mib:.0f} MiB, peak growth refusing it {refused_mib:.1f} MiB, control {control_mib:.0f} MiB")
    assert named_mib > 1024  # the header names a net of more than 1 GiB
    assert refused_mib < 64  # refusing it took (almost) nothing
    assert control_mib > 200  # and the same measure sees a 256 MiB torch allocation


def test_metadata_naming_a_place_outside_the_registry(make_registry) -> None:
    reg = make_registry({"fashion-mnist": [0]})
    gf = reg.read_generator("fashion-mnist", 0)
    header = gf.meta.to_header() | {"dataset": "../../etc"}
    label_file(reg).write_bytes(st_save(gf.tensors, metadata=header))
    with pytest.raises((InvalidMeta, InvalidName)):
        read_meta(label_file(reg))
    assert reg.reindex() and "fashion-mnist" not in reg.index().datasets  # left out, and said why


def test_an_index_pointing_outside_the_registry_is_never_followed(make_registry, tmp_path) -> None:
    reg = make_registry({"fashion-mnist": [0]})
    outside = tmp_path / "outside.safetensors"
    outside.write_bytes(b"must never be read")
    index = json.loads((reg.root / "index.json").read_text())
    index["datasets"]["fashion-mnist"]["generators"]["0"]["file"] = str(outside)
    (reg.root / "index.json").write_text(json.dumps(index))
    before = outside.stat().st_atime_ns
    x = zoo.sample("fashion-mnist", 0, n=1, seed=0, registry=reg.root)  # served from its own place
    assert x.shape == (1, 1, 28, 28) and outside.stat().st_atime_ns == before


class _Marker:
    """Unpickling this would create a file: the proof that code ran."""
    path = ""

    def __reduce__(self):
        return (Path.touch, (Path(self.path),))


def test_a_pickle_renamed_safetensors_is_refused_and_never_run(make_registry, tmp_path) -> None:
    reg = make_registry({"fashion-mnist": [0]})
    marker = tmp_path / "code-ran"
    _Marker.path = str(marker)
    payload = pickle.dumps({"weights": _Marker()})
    label_file(reg).write_bytes(payload)
    torch.save({"weights": _Marker()}, tmp_path / "torch-pickle.pt")
    label_file(reg, 0).with_name("label-00001.safetensors").write_bytes((tmp_path / "torch-pickle.pt").read_bytes())
    for label in (0, 1):
        with pytest.raises(RegistryError):
            reg.read_generator("fashion-mnist", label)
        with pytest.raises(RegistryError):
            zoo.sample("fashion-mnist", label, registry=reg.root)
    assert not marker.exists()


def test_a_bad_file_never_changes_what_is_stored(make_registry) -> None:
    reg = make_registry({"fashion-mnist": [0, 1]})
    label_file(reg, 1).write_bytes(b"\0" * 64)
    before = tree_digest(reg.root)
    with pytest.raises(RegistryError):
        zoo.sample("fashion-mnist", 1, registry=reg.root)
    assert tree_digest(reg.root) == before


@FUZZ
@given(st.binary(max_size=512))
def test_fuzz_header_parser(data: bytes) -> None:
    try:
        read_header(data, source="fuzz")
    except (CorruptFile, InvalidMeta):
        pass


@FUZZ
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=4),
                    max_leaves=20))
def test_fuzz_index_parser(tmp_path_factory, value) -> None:
    root = tmp_path_factory.mktemp("fuzz-index")
    (root / "index.json").write_text(json.dumps(value))
    try:
        index = load_index(root)
    except CorruptFile:
        return
    assert all(isinstance(e, DatasetEntry) for e in index.datasets.values())


@FUZZ
@given(st.text(max_size=24))
def test_fuzz_label_parsers(text: str) -> None:
    spec = builtin_spec("fashion-mnist")
    for parse in (spec.resolve_label, lambda t: parse_labels(t, spec)):
        try:
            parse(text)
        except ZooError:
            pass



# -- structured fuzzing: inputs that get past the first checks and reach the code that consumes them --------
JSON = st.recursive(st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats() | st.text(max_size=12),
                    lambda kids: st.lists(kids, max_size=4) | st.dictionaries(st.text(max_size=8), kids, max_size=4),
                    max_leaves=12)


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> LocalRegistry:
    """One real registry the structured fuzzers rewrite index.json or a file of, and restore."""
    reg = LocalRegistry.create(tmp_path_factory.mktemp("fuzzed"))
    add_generator(reg, "fashion-mnist", 3)
    reg.reindex()
    return reg


def _consume(reg: LocalRegistry) -> None:
    """Everything that reads an index entry or a file: listing, resolving, loading, sampling, verifying."""
    zoo.datasets(registry=reg.root)
    zoo.which("fashion-mnist", 3, registry=reg.root)
    Router().sample("fashion-mnist", 3, n=1, seed=0, registry=reg.root)  # no route cached from another example
    assert isinstance(verify(reg).ok, bool)


def _mutate(obj: dict, path: tuple[str, ...], value: object) -> dict:
    obj = json.loads(json.dumps(obj))
    parent = obj
    for key in path[:-1]:
        parent = parent[key]
    if value is _DELETE:
        parent.pop(path[-1], None)
    else:
        parent[path[-1]] = value
    return obj


_DELETE = object()
_ENTRY = ("datasets", "fashion-mnist", "generators", "3")
_INDEX_PLACES = [("datasets", "fashion-mnist"), ("datasets", "fashion-mnist", "generators"), _ENTRY,
                 (*_ENTRY, "sha256"), (*_ENTRY, "size"), (*_ENTRY, "file"), (*_ENTRY, "meta"),
                 (*_ENTRY, "meta", "image_shape"), (*_ENTRY, "meta", "arch_config"), (*_ENTRY, "meta", "latent_dim"),
                 (*_ENTRY, "meta", "label"), ("datasets", "fashion-mnist", "class_names"), ("format_version",)]


@FUZZ
@given(st.sampled_from(_INDEX_PLACES), JSON | st.just(_DELETE))
def test_fuzz_index_entries_reach_their_consumers_and_never_serve_an_unchecked_file(served, place, value) -> None:
    index_path = served.root / "index.json"
    good = index_path.read_bytes()
    file = served.path_of("fashion-mnist", 3)
    digest = hashlib.sha256(file.read_bytes()).hexdigest()
    try:
        index_path.write_text(json.dumps(_mutate(json.loads(good), place, value)))
        try:
            _consume(served)
        except (ZooError, RegistryError) as e:
            event(f"refused: {type(e).__name__}")
            return
        event("served")
        # Served: then the index it served from names the file's true checksum, or does not list the file.
        listed = load_index(served.root).entry("fashion-mnist").generators.get(3)
        assert listed is None or listed.sha256 == digest
    finally:
        index_path.write_bytes(good)


@FUZZ
@given(st.sampled_from(["format_version", "arch", "arch_config", "dataset", "label", "latent_dim", "image_shape",
                        "class_name", "steps", "seconds", "seed", "created", "warm_start", "loss", "extra"]),
       JSON | st.just(_DELETE))
def test_fuzz_header_fields_of_a_well_framed_file_reach_the_loader(served, field, value) -> None:
    """A valid 8-byte length and valid JSON, with one metadata field replaced by any JSON value (as text)."""
    gf = read_generator(served.path_of("fashion-mnist", 3))
    header = dict(gf.meta.to_header())
    if value is _DELETE:
        header.pop(field, None)
    else:
        header[field] = json.dumps(value)
    out = served.root / "fuzzed.safetensors"
    out.write_bytes(st_save(gf.tensors, metadata=header))
    try:
        net = generator_from_file(read_generator(out))
    except (ZooError, RegistryError) as e:
        event(f"refused: {type(e).__name__}")
        return
    event("loaded")
    assert net(torch.zeros(1, net.latent_dim)).shape[1:] == tuple(gf.meta.image_shape)


@pytest.mark.parametrize("entry", [{}, 5, "x", [], {"sha256": None, "size": 1}, {"sha256": "0" * 64, "size": -1}])
def test_a_malformed_index_entry_is_a_typed_error_never_an_unchecked_read(served, entry) -> None:
    index_path = served.root / "index.json"
    good = index_path.read_bytes()
    try:
        index_path.write_text(json.dumps(_mutate(json.loads(good), _ENTRY, entry)))
        with pytest.raises(CorruptFile, match="run `zoo registry reindex`|expected a size"):
            Router().sample("fashion-mnist", 3, n=1, seed=0, registry=served.root)  # as a new process would
        with pytest.raises(CorruptFile):
            LocalRegistry(served.root).read_generator("fashion-mnist", 3)
    finally:
        index_path.write_bytes(good)
