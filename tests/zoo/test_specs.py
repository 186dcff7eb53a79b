import pytest

import zoo
from zoo.errors import AmbiguousLabel, LabelOutOfRange, UnknownLabel
from zoo.specs import BUILTIN_SPECS, builtin_spec

EXPECTED = {"fashion-mnist": (10, (1, 28, 28)), "mnist": (10, (1, 28, 28)), "digits": (10, (1, 8, 8)),
            "cifar10": (10, (3, 32, 32)), "cifar100": (100, (3, 32, 32)), "imagenet1k": (1000, (3, 64, 64))}


@pytest.mark.parametrize("name", BUILTIN_SPECS)
def test_builtin_specs_have_unique_names_per_class_and_their_shape(name):
    spec = builtin_spec(name)
    assert (spec.num_classes, spec.image_shape) == EXPECTED[name]
    assert all(isinstance(n, str) and n for n in spec.class_names)


def test_imagenet_names_come_from_torchvision_offline():
    spec = builtin_spec("imagenet1k")
    assert spec.class_names[281] == "tabby" and spec.class_names[0] == "tench"


@pytest.mark.parametrize("dataset,label,index", [
    ("fashion-mnist", 7, 7), ("fashion-mnist", "Sneaker", 7), ("fashion-mnist", "sneaker", 7),
    ("fashion-mnist", "  SNEAKER ", 7), ("fashion-mnist", "sneak", 7), ("fashion-mnist", "7", 7),
    ("fashion-mnist", "t-shirt", 0), ("fashion-mnist", "ankle", 9), ("digits", "3", 3), ("mnist", "3", 3),
    ("mnist", "3 - three", 3), ("cifar100", "maple", 47), ("imagenet1k", "tabby", 281),
    ("imagenet1k", "bullfrog", 30),  # exact match wins over the prefix shared with 'bullet train'
])
def test_labels_resolve_by_index_exact_name_then_unique_prefix(dataset, label, index):
    assert builtin_spec(dataset).resolve_label(label) == index


def test_an_ambiguous_prefix_lists_every_candidate_with_its_index():
    with pytest.raises(AmbiguousLabel) as err:
        builtin_spec("imagenet1k").resolve_label("bull")
    msg = str(err.value)
    for name, i in [("bullfrog", 30), ("bull mastiff", 243), ("bulletproof vest", 465), ("bullet train", 466)]:
        assert f"'{name}' ({i})" in msg


def test_unknown_names_suggest_close_matches():
    with pytest.raises(UnknownLabel, match=r"unknown label 'Sneeker'.*did you mean 'Sneaker'\?"):
        builtin_spec("fashion-mnist").resolve_label("Sneeker")


@pytest.mark.parametrize("label", [10, -1, "10", "-3", 10**9])
def test_out_of_range_indices_name_the_valid_range(label):
    with pytest.raises(LabelOutOfRange, match=r"expected an index in 0\.\.9"):
        builtin_spec("fashion-mnist").resolve_label(label)


@pytest.mark.parametrize("label", [True, 2.0, None, b"7"])
def test_labels_of_the_wrong_type_are_refused(label):
    with pytest.raises(UnknownLabel, match="expected a class index or name"):
        builtin_spec("fashion-mnist").resolve_label(label)


def test_unknown_dataset_suggests_the_close_one():
    with pytest.raises(zoo.UnknownDataset, match=r"unknown dataset 'imagenet'; did you mean 'imagenet1k'\? known:"):
        zoo.spec("imagenet")
