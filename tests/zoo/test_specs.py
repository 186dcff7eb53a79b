import pytest

import zoo
from zoo.errors import AmbiguousLabel, LabelOutOfRange, UnknownLabel
from zoo.labels import parse_labels
from zoo.specs import BUILTIN_SPECS, DatasetSpec, builtin_spec

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
        assert f"'{name}' ({i}, n" in msg


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


@pytest.mark.parametrize("text", ["²", "--3", "+-3", "３", "1²", "²-3", "0-²", "3--4"])
def test_digits_that_are_not_ascii_or_not_a_number_are_a_typed_error(text):
    spec = builtin_spec("fashion-mnist")
    with pytest.raises(UnknownLabel):
        spec.resolve_label(text)
    with pytest.raises(UnknownLabel):
        parse_labels(text, spec)


def test_a_name_two_classes_share_resolves_only_by_index_or_wordnet_id():
    spec = builtin_spec("imagenet1k")
    assert spec.class_names[264].casefold() == spec.class_names[474].casefold() == "cardigan"
    for spelled in ("cardigan", "Cardigan", " CARDIGAN "):
        with pytest.raises(AmbiguousLabel) as err:
            spec.resolve_label(spelled)
        assert "'Cardigan' (264, n02113186)" in str(err.value) and "'cardigan' (474, n02963159)" in str(err.value)
    assert spec.resolve_label("n02963159") == 474 and spec.resolve_label("N02113186") == 264
    assert spec.resolve_label(474) == 474 and spec.resolve_label("tabby") == spec.resolve_label("n02123045") == 281


def test_every_other_imagenet_name_is_unique_and_resolves_to_itself():
    spec = builtin_spec("imagenet1k")
    for i, name in enumerate(spec.class_names):
        if name.casefold() != "cardigan":
            assert spec.resolve_label(name) == i, name
    assert len(set(spec.class_ids)) == 1000 and list(spec.class_ids) == sorted(spec.class_ids)


def test_numeric_class_names_never_change_what_digits_mean():
    """A class-per-folder set whose folders are numbers sorts them as text (0, 1, 10, 11, 2, ...): digits are
    the index both alone and in ranges."""
    spec = DatasetSpec("numbered", ("0", "1", "10", "11", "2", "3"), (1, 8, 8))
    assert parse_labels("2-3", spec) == parse_labels("2,3", spec) == [2, 3]
    assert spec.resolve_label("2") == 2 and spec.class_names[2] == "10"
