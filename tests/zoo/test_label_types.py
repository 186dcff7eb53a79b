"""Labels as users hold them: numpy and torch integers, 0-d tensors, and 1-d arrays or tensors of labels are
accepted wherever an int or a list of ints is; never a float, a bool or a 2-d array."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import together

import zoo
from zoo.errors import InvalidRequest, UnknownLabel

pytestmark = together("test_label_types")


@pytest.fixture(scope="module")
def reg(tmp_path_factory):
    from conftest import add_generator

    from registry import LocalRegistry

    r = LocalRegistry.create(tmp_path_factory.mktemp("labels") / "reg")
    for k in range(4):
        add_generator(r, "fashion-mnist", k, seed=k)
    r.reindex()
    return r.root


@pytest.mark.parametrize("label", [np.int64(3), np.int32(3), np.uint8(3), torch.tensor(3), torch.tensor(3).int(),
                                   np.array(3)])
def test_integer_scalars_of_numpy_and_torch_are_labels(reg, label):
    want = zoo.sample("fashion-mnist", 3, n=2, seed=0, registry=reg)
    assert torch.equal(zoo.sample("fashion-mnist", label, n=2, seed=0, registry=reg), want)
    assert zoo.which("fashion-mnist", label, registry=reg).label == 3
    assert torch.equal(zoo.load("fashion-mnist", label, registry=reg)(torch.zeros(1, 16)),
                       zoo.load("fashion-mnist", 3, registry=reg)(torch.zeros(1, 16)))


@pytest.mark.parametrize("labels", [np.arange(4), torch.arange(4), np.array([0, 1, 2, 3], dtype=np.uint8),
                                    torch.tensor([0, 1, 2, 3], dtype=torch.int32)])
def test_one_dimensional_arrays_and_tensors_are_label_lists(reg, labels):
    want = zoo.sample("fashion-mnist", labels=[0, 1, 2, 3], n=2, seed=0, registry=reg)
    assert torch.equal(zoo.sample("fashion-mnist", labels=labels, n=2, seed=0, registry=reg), want)


@pytest.mark.parametrize("label", [3.0, np.float32(3), True, np.bool_(True), torch.tensor(3.0), torch.tensor(True),
                                   torch.tensor([3]), np.array([[3]])])
def test_floats_bools_and_arrays_are_not_a_label(reg, label):
    with pytest.raises(UnknownLabel, match="expected a class index or name"):
        zoo.sample("fashion-mnist", label, n=1, registry=reg)


@pytest.mark.parametrize("labels", [np.array([[0, 1]]), torch.tensor([0.0, 1.0]), np.array([True, False]),
                                    torch.tensor([True])])
def test_two_dimensional_float_or_bool_arrays_are_not_label_lists(reg, labels):
    with pytest.raises(InvalidRequest, match="expected a non-empty list of class indices or names"):
        zoo.sample("fashion-mnist", labels=labels, n=1, registry=reg)
