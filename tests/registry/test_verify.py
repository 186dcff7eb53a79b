import json

import pytest
import torch
from safetensors.torch import save as st_save

from conftest import add_generator, tree_digest
from registry import verify
from zoo.loading import generator_from_file


def strict_load(gf):
    generator_from_file(gf)


def test_a_sound_registry_verifies(make_registry):
    reg = make_registry({"fashion-mnist": [0, 1], "cifar10": []})
    report = verify(reg, load_check=strict_load)
    assert report.ok and report.checked == 2 and report.unindexed == []


def test_verify_names_every_kind_of_problem_and_modifies_nothing(make_registry):
    reg = make_registry({"fashion-mnist": [0, 1, 2, 3]})
    root = reg.root
    # 0: tampered bytes; 1: deleted though indexed; 2: header names an unknown architecture; 3: fine
    gf = reg.read_generator("fashion-mnist", 2)
    header = gf.meta.to_header()
    header["arch"] = "dcgann"
    header["arch_config"] = json.dumps({**gf.meta.arch_config, "arch": "dcgann"})
    reg.path_of("fashion-mnist", 2).write_bytes(st_save(gf.tensors, metadata=header))
    assert reg.reindex() == []  # the registry itself knows no architectures: the file indexes fine
    p0 = reg.path_of("fashion-mnist", 0)
    p0.write_bytes(p0.read_bytes()[:-4] + b"\0\0\0\0")
    reg.path_of("fashion-mnist", 1).unlink()
    add_generator(reg, "fashion-mnist", 5)  # written after the index: noted, not a problem
    before = tree_digest(root)
    report = verify(reg, load_check=strict_load)
    text = "\n".join(report.problems)
    assert not report.ok and len(report.problems) == 3, text
    assert "label-00000" in text and "expected sha256" in text
    assert "label-00001" in text and "missing on disk" in text
    assert "unknown architecture 'dcgann'; did you mean 'dcgan'?" in text
    assert report.unindexed == ["fashion-mnist/label-00005.safetensors"]
    assert tree_digest(root) == before


def test_weights_that_do_not_fit_the_architecture_fail_the_strict_load(make_registry):
    reg = make_registry({"fashion-mnist": [0]}, reindex=False)
    gf = reg.read_generator("fashion-mnist", 0)
    tensors = dict(gf.tensors)
    tensors.pop(sorted(tensors)[0])  # a missing key must fail, never load half a net
    tensors["extra.weight"] = torch.zeros(1)
    reg.path_of("fashion-mnist", 0).write_bytes(st_save(tensors, metadata=gf.meta.to_header()))
    report = verify(reg, load_check=strict_load)
    assert len(report.problems) == 1 and "do not fit architecture 'dcgan'" in report.problems[0]


def test_verify_without_a_load_check_still_checks_bytes_and_meta(make_registry):
    reg = make_registry({"fashion-mnist": [0]})
    gf = reg.read_generator("fashion-mnist", 0)
    header = gf.meta.to_header()
    del header["image_shape"]
    reg.path_of("fashion-mnist", 0).write_bytes(st_save(gf.tensors, metadata=header))
    reg.reindex()  # index now lacks it; verify reads the file itself
    report = verify(reg)
    assert any("missing image_shape" in p for p in report.problems)


@pytest.mark.parametrize("n_labels", [3])
def test_verify_counts_every_file(make_registry, n_labels):
    reg = make_registry({"mnist": list(range(n_labels))})
    assert verify(reg).checked == n_labels
