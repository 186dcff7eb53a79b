import json
import os

import pytest
import torch
from safetensors.torch import save as st_save

from conftest import add_generator, tree_digest
from registry import (ChecksumMismatch, CorruptFile, EntryNotFound, InvalidName, LocalRegistry, RegistryNotFound,
                      read_generator)
from registry import MetricsBlock
from registry import atomic as atomic_mod


def test_save_then_read_gives_the_same_tensors_and_meta(make_registry):
    reg = make_registry({"fashion-mnist": [3]})
    gf = reg.read_generator("fashion-mnist", 3)
    assert gf.meta.class_name == "Dress" and gf.meta.label == 3
    assert gf.tensors and all(isinstance(t, torch.Tensor) for t in gf.tensors.values())
    entry = reg.index().datasets["fashion-mnist"].generators[3]
    assert entry.sha256 == gf.sha256 and entry.size == gf.size == reg.path_of("fashion-mnist", 3).stat().st_size
    assert entry.meta == gf.meta
    assert reg.index().datasets["fashion-mnist"].class_names == {3: "Dress"}
    on_disk = json.loads((reg.root / "index.json").read_text())  # the JSON form keeps its documented layout
    assert on_disk["datasets"]["fashion-mnist"]["generators"]["3"]["sha256"] == gf.sha256


def test_index_is_derived_and_rebuilds_to_the_same_content(make_registry):
    reg = make_registry({"fashion-mnist": [0, 1], "mnist": [5]})
    before = reg.index()
    (reg.root / "index.json").write_text("{}")
    with pytest.raises(CorruptFile, match="reindex"):
        reg.index()
    assert reg.reindex() == []
    assert reg.index() == before


def test_readers_see_labels_written_after_the_index(make_registry):
    reg = make_registry({"fashion-mnist": [0]})
    index_bytes = (reg.root / "index.json").read_bytes()
    add_generator(reg, "fashion-mnist", 9)  # as a parallel rank would: index untouched
    assert (reg.root / "index.json").read_bytes() == index_bytes
    assert reg.labels("fashion-mnist") == [0, 9]
    assert reg.read_generator("fashion-mnist", 9).meta.class_name == "Ankle boot"
    assert reg.datasets()["fashion-mnist"].labels == (0, 9)


def test_non_registry_path_is_refused(tmp_path):
    with pytest.raises(RegistryNotFound, match="expected a folder with index.json"):
        LocalRegistry(tmp_path)
    with pytest.raises(RegistryNotFound, match="does not exist"):
        LocalRegistry(tmp_path / "nope")


def test_truncated_file_is_a_corrupt_file_and_is_left_as_it_was(make_registry):
    reg = make_registry({"fashion-mnist": [2]}, reindex=False)
    path = reg.path_of("fashion-mnist", 2)
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    before = tree_digest(reg.root)
    with pytest.raises(CorruptFile, match="truncated|complete safetensors"):
        reg.read_generator("fashion-mnist", 2)
    path.write_bytes(b"\x05")
    with pytest.raises(CorruptFile, match="expected a safetensors file"):
        read_generator(path)
    assert tree_digest(reg.root).keys() == before.keys()


def test_changed_file_fails_its_checksum_and_nothing_is_modified(make_registry):
    reg = make_registry({"fashion-mnist": [4]})
    path = reg.path_of("fashion-mnist", 4)
    data = bytearray(path.read_bytes())
    data[-1] ^= 0xFF  # one flipped bit in the weights
    path.write_bytes(bytes(data))
    before = tree_digest(reg.root)
    with pytest.raises(ChecksumMismatch, match="expected sha256 .* got"):
        reg.read_generator("fashion-mnist", 4)
    assert tree_digest(reg.root) == before


def test_missing_entry_lists_the_labels_that_exist(make_registry):
    reg = make_registry({"fashion-mnist": [0, 1, 2, 5]})
    with pytest.raises(EntryNotFound, match=r"labels here: 0-2, 5"):
        reg.read_generator("fashion-mnist", 3)


@pytest.mark.parametrize("dataset,label", [("../x", 0), ("fashion-mnist/../../x", 0), ("fashion-mnist", -1),
                                           ("fashion-mnist", True), ("fashion-mnist", "0")])
def test_names_that_escape_the_root_are_refused_before_any_io(make_registry, dataset, label):
    reg = make_registry({"fashion-mnist": [0]})
    before = tree_digest(reg.root.parent)
    with pytest.raises(InvalidName):
        reg.read_generator(dataset, label)
    assert tree_digest(reg.root.parent) == before


def test_a_failed_write_leaves_the_old_file_and_no_temporary(make_registry, monkeypatch):
    reg = make_registry({"fashion-mnist": [1]})
    path = reg.path_of("fashion-mnist", 1)
    old = path.read_bytes()

    def crash(src, dst):
        raise OSError("disk full (simulated crash between write and rename)")

    monkeypatch.setattr(atomic_mod.os, "replace", crash)
    with pytest.raises(OSError, match="simulated"):
        add_generator(reg, "fashion-mnist", 1, seed=99)
    assert path.read_bytes() == old
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".tmp-")]


def test_metrics_and_dataset_info_survive_reindex(make_registry):
    reg = make_registry({"my-set": [0, 1]})
    reg.write_dataset_info("my-set", class_names=["cats", "dogs", "owls"], image_shape=(1, 28, 28))
    block = MetricsBlock(features="fmnistnet", n=10, seed=0, labels={0: {"fid_fmnistnet": 12.5}},
                         overall={"intra_fid_fmnistnet": 12.5}, served_by={0: "per-label"})
    reg.write_metrics("my-set", block)
    assert reg.reindex() == []
    entry = reg.index().datasets["my-set"]
    assert entry.metrics == {"fmnistnet": block} == reg.metrics("my-set")
    on_disk = json.loads((reg.root / "my-set" / "metrics.json").read_text())["fmnistnet"]
    assert on_disk["labels"] == {"0": {"fid_fmnistnet": 12.5}} and on_disk["served_by"] == {"0": "per-label"}
    (reg.root / "my-set" / "metrics.json").write_text('{"fmnistnet": {"n": "many"}}')
    problems = reg.reindex()  # a damaged record is left out of the index and named, the generators stay
    assert len(problems) == 1 and "metrics block" in problems[0] and reg.index().datasets["my-set"].metrics is None
    assert entry.class_names == {0: "cats", 1: "dogs", 2: "owls"}
    summary = reg.dataset_summary("my-set")
    assert summary.num_classes == 3 and summary.class_names[2] == "owls"


def test_reindex_leaves_out_bad_files_and_says_why(make_registry):
    reg = make_registry({"fashion-mnist": [0, 1]}, reindex=False)
    reg.path_of("fashion-mnist", 1).write_bytes(b"garbage that is not safetensors")
    problems = reg.reindex()
    assert len(problems) == 1 and "label-00001" in problems[0]
    assert list(reg.index().datasets["fashion-mnist"].generators) == [0]


def test_a_file_in_the_wrong_place_is_not_served_as_another_label(make_registry):
    reg = make_registry({"fashion-mnist": [0]}, reindex=False)
    os.replace(reg.path_of("fashion-mnist", 0), reg.path_of("fashion-mnist", 6))
    with pytest.raises(EntryNotFound, match=r"meta says \('fashion-mnist', 0\)"):
        reg.read_generator("fashion-mnist", 6)


def test_header_without_metadata_is_invalid(tmp_path):
    reg = LocalRegistry.create(tmp_path / "r")
    path = reg.path_of("fashion-mnist", 0)
    path.parent.mkdir()
    path.write_bytes(st_save({"w": torch.zeros(2)}))
    from registry import InvalidMeta
    with pytest.raises(InvalidMeta, match="__metadata__"):
        reg.read_generator("fashion-mnist", 0)


def test_creating_a_registry_never_overwrites_an_existing_index(tmp_path):
    reg = LocalRegistry.create(tmp_path / "r")
    (reg.root / "index.json").write_text('{"datasets": {}, "format_version": 1, "mark": 1}')
    LocalRegistry.create(tmp_path / "r")  # a second rank starting up
    assert json.loads((reg.root / "index.json").read_text())["mark"] == 1
    assert not list(reg.root.glob(".tmp-*"))


def test_an_adopted_extra_is_the_same_file_so_caches_keyed_by_its_sha256_are_shared(make_registry):
    src, dst = make_registry({"fashion-mnist": [0]}), make_registry({"fashion-mnist": [1]})
    src.save_extra("fashion-mnist", "classifier", {"w": torch.arange(6.0)}, {"b": "2", "a": "1", "c": "3"})
    src.reindex()
    dst.adopt_extra(src, "fashion-mnist", "classifier")
    dst.reindex()
    sha = [r.index().datasets["fashion-mnist"].extras["classifier"].sha256 for r in (src, dst)]
    assert sha[0] == sha[1] and dst.read_extra("fashion-mnist", "classifier")[1] == {"a": "1", "b": "2", "c": "3"}
