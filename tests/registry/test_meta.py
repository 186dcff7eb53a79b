import pytest

from registry import GeneratorMeta, InvalidMeta, InvalidName


def _meta(**over):
    kw = dict(dataset="cifar10", label=3, class_name="cat", arch="dcgan",
              arch_config={"arch": "dcgan", "resolution": 32, "channels": 3, "latent_dim": 64, "width": 8},
              latent_dim=64, image_shape=(3, 32, 32), steps=10, seconds=1.5, seed=7)
    kw.update(over)
    return GeneratorMeta(**kw)


@pytest.mark.parametrize("over", [{}, {"truncation": 1.5, "truncation_scores": {"none": 3.2, "1.5": 2.9}}])
def test_header_round_trip_keeps_every_field_and_type(over):
    meta = _meta(**over)
    header = meta.to_header()
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in header.items())
    back = GeneratorMeta.from_header(header)
    assert back == meta
    assert back.image_shape == (3, 32, 32) and isinstance(back.seconds, float)
    assert GeneratorMeta.from_json(meta.to_json()) == meta


def test_missing_fields_are_named_with_the_expected_ones():
    header = _meta().to_header()
    del header["arch"], header["latent_dim"]
    with pytest.raises(InvalidMeta, match=r"missing arch, latent_dim; expected fields: .*image_shape"):
        GeneratorMeta.from_header(header)


@pytest.mark.parametrize("field,value,expected", [
    ("latent_dim", "-4", "positive integer"),
    ("image_shape", "[3, 32]", "three positive integers"),
    ("label", "\"seven\"", "integer in 0"),
    ("steps", "not json", "not valid JSON"),
    ("format_version", "99", "format_version"),
    ("truncation", "0.01", r"'truncation': expected null or a number in 0.05..10,"),
    ("truncation", "11", r"'truncation': expected null or a number in 0.05..10,"),
    ("truncation", "true", r"'truncation': expected null or a number in 0.05..10,"),
    ("truncation_scores", "[1, 2]", "candidate -> score"),
])
def test_bad_values_raise_invalid_meta(field, value, expected):
    header = _meta().to_header()
    header[field] = value
    with pytest.raises(InvalidMeta, match=expected):
        GeneratorMeta.from_header(header)


@pytest.mark.parametrize("name", ["../x", "a/b", "..", "", "UPPER", ".hidden", "a" * 65])
def test_dataset_names_that_could_escape_or_collide_are_refused(name):
    with pytest.raises(InvalidName, match="invalid dataset name"):
        _meta(dataset=name)
