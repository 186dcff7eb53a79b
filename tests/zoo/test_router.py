import pytest
import torch

import zoo
from conftest import add_generator, tiny_config, tree_digest
from zoo import Router, RouterConfig
from zoo.errors import EntryNotFound, InvalidRequest, RegistryNotFound, UnknownDataset
from zoo.loading import generator_from_file
from zoo.sampling import latents


@pytest.fixture
def reg(make_registry):
    return make_registry({"fashion-mnist": [0, 7, 9]})


def test_sample_returns_images_in_unit_range_on_the_cpu(reg):
    x = zoo.sample("fashion-mnist", label="Sneaker", n=8, seed=0, registry=reg.root)
    assert x.shape == (8, 1, 28, 28) and x.dtype == torch.float32 and x.device.type == "cpu"
    assert 0.0 <= x.min() and x.max() <= 1.0 and x.std() > 0
    x.mul_(255)  # the result is an ordinary tensor: callers may edit it in place


def test_the_same_seed_gives_identical_images_and_other_seeds_differ(reg):
    a = zoo.sample("fashion-mnist", 7, n=5, seed=123, registry=reg.root)
    b = Router().sample("fashion-mnist", 7, n=5, seed=123, registry=reg.root)  # a fresh cache and load
    c = zoo.sample("fashion-mnist", 7, n=5, seed=124, registry=reg.root)
    assert torch.equal(a, b) and not torch.equal(a, c)


def test_the_router_adds_nothing_to_a_raw_forward(reg):
    G = zoo.load("fashion-mnist", 7, registry=reg.root)
    assert not G.training and not any(p.requires_grad for p in G.parameters())
    z = latents(6, G.latent_dim, seed=5)
    with torch.no_grad():
        raw = G(z)
    assert torch.allclose(zoo.sample("fashion-mnist", 7, n=6, seed=5, registry=reg.root), raw, atol=1e-6)
    assert torch.allclose(zoo.sample("fashion-mnist", 7, z=z, registry=reg.root), raw, atol=1e-6)


def test_labels_sample_several_generators_in_one_call(reg):
    x = zoo.sample("fashion-mnist", labels=[9, "sneaker", 0, 9], n=3, seed=1, registry=reg.root)
    assert x.shape == (12, 1, 28, 28)
    for block, label in zip(x.split(3), [9, 7, 0, 9]):
        assert torch.equal(block, zoo.sample("fashion-mnist", label, n=3, seed=1, registry=reg.root))


def test_truncation_bounds_the_latents_and_is_deterministic():
    z = latents(64, 32, seed=0, truncation=0.5)
    assert z.abs().max() <= 0.5 and torch.equal(z, latents(64, 32, seed=0, truncation=0.5))
    assert z.std() > 0.2  # redrawn, not clipped to the bound
    for useless in (0, 0.01, -1.0, float("inf"), float("nan"), 10.5, True, "1"):
        with pytest.raises(InvalidRequest, match=r"truncation: expected a number in 0\.05\.\.10"):
            latents(4, 8, seed=0, truncation=useless)


def test_large_n_is_chunked_with_the_same_result(reg):
    small_chunks = Router(RouterConfig(chunk=4)).sample("fashion-mnist", 0, n=10, seed=3, registry=reg.root)
    one_chunk = Router(RouterConfig(chunk=64)).sample("fashion-mnist", 0, n=10, seed=3, registry=reg.root)
    assert torch.allclose(small_chunks, one_chunk, atol=1e-5)


@pytest.mark.parametrize("n", [0, -1, 4097, 10**12, True, 2.5, "8"])
def test_n_outside_the_allowed_range_is_refused(reg, n):
    with pytest.raises(InvalidRequest, match=r"n: expected images in 1\.\.4096"):
        zoo.sample("fashion-mnist", 7, n=n, registry=reg.root)


def test_max_n_is_configurable(reg):
    with pytest.raises(InvalidRequest, match=r"1\.\.3, got 4"):
        Router(RouterConfig(max_n=3)).sample("fashion-mnist", 7, n=4, registry=reg.root)


@pytest.mark.parametrize("kwargs,match", [
    ({}, "exactly one of label= or labels="),
    ({"label": 7, "labels": [7]}, "exactly one of"),
    ({"labels": []}, "non-empty list"),
    ({"labels": "Sneaker"}, "non-empty list"),
    ({"label": 7, "seed": -1}, r"seed: expected an integer in 0\.\.2\*\*63-1"),
    ({"label": 7, "z": torch.zeros(2, 5)}, "expected 16 latent dimensions"),
    ({"label": 7, "z": torch.zeros(3, 16), "n": 2}, "n=2 but z has 3 rows"),
    ({"label": 7, "z": torch.full((1, 16), float("nan"))}, "finite"),
    ({"label": 7, "z": torch.zeros(1, 16), "truncation": 1.0}, "truncate z yourself"),
])
def test_bad_requests_say_what_was_expected(reg, kwargs, match):
    with pytest.raises(InvalidRequest, match=match):
        zoo.sample("fashion-mnist", registry=reg.root, **kwargs)


def test_unknown_dataset_and_missing_generator_errors(reg, tmp_path):
    with pytest.raises(UnknownDataset, match="did you mean 'fashion-mnist'"):
        zoo.sample("fashion-mnst", 0, registry=reg.root)
    with pytest.raises(EntryNotFound, match=r"no generator serves dataset 'mnist', label 3 \(3 - three\): .*reg0 holds nothing of 'mnist'"):
        zoo.sample("mnist", "3 - three", registry=reg.root)
    with pytest.raises(RegistryNotFound, match="not a registry"):
        zoo.sample("fashion-mnist", 0, registry=tmp_path / "nowhere")


def test_corrupt_and_tampered_files_raise_typed_errors_and_stay_as_they_are(reg):
    path = reg.path_of("fashion-mnist", 9)
    truncated = path.read_bytes()[:100]
    path.write_bytes(truncated)
    before = tree_digest(reg.root)
    with pytest.raises(zoo.ChecksumMismatch):  # indexed: the checksum catches it first
        zoo.sample("fashion-mnist", 9, registry=reg.root)
    assert tree_digest(reg.root) == before
    reg.reindex()  # leaves the broken file out of the index; the file itself still fails to parse
    with pytest.raises(zoo.CorruptFile, match="truncated"):
        zoo.sample("fashion-mnist", 9, registry=reg.root)
    assert path.read_bytes() == truncated  # nothing rewrote, repaired or removed it


def test_user_datasets_take_their_spec_from_the_registry(make_registry):
    reg = make_registry({"my-shapes": [0, 1]})
    reg.write_dataset_info("my-shapes", class_names=["circle", "square"], image_shape=(1, 28, 28))
    reg.reindex()
    assert zoo.spec("my-shapes", registry=reg.root).class_names == ("circle", "square")
    x = zoo.sample("my-shapes", "squ", n=2, seed=0, registry=reg.root)
    assert x.shape == (2, 1, 28, 28)
    assert "my-shapes" in zoo.datasets(registry=reg.root)


def test_registry_argument_replaces_zoo_registry(make_registry, monkeypatch):
    first, second = make_registry({"cifar10": []}), make_registry({"cifar10": []})
    cfg = tiny_config(32, 3)
    add_generator(first, "cifar10", 3, seed=1, config=cfg)
    add_generator(second, "cifar10", 3, seed=2, config=cfg)
    monkeypatch.setenv("ZOO_REGISTRY", str(second.root))
    from_env = zoo.sample("cifar10", "cat", n=2, seed=0)
    from_arg = zoo.sample("cifar10", "cat", n=2, seed=0, registry=first.root)
    assert not torch.equal(from_env, from_arg)
    assert torch.equal(from_env, zoo.sample("cifar10", "cat", n=2, seed=0, registry=second.root))
    assert zoo.datasets()["cifar10"].registries == (str(second.root),)


def test_a_rewritten_generator_is_picked_up_not_served_stale(reg):
    before = zoo.sample("fashion-mnist", 0, n=2, seed=0, registry=reg.root)
    add_generator(reg, "fashion-mnist", 0, seed=42)
    reg.reindex()
    assert not torch.equal(before, zoo.sample("fashion-mnist", 0, n=2, seed=0, registry=reg.root))


def test_the_cache_is_bounded_by_bytes(make_registry):
    reg = make_registry({"fashion-mnist": list(range(10))})
    one = generator_from_file(reg.read_generator("fashion-mnist", 0))
    nbytes = sum(t.numel() * t.element_size() for t in [*one.parameters(), *one.buffers()])
    router = Router(RouterConfig(cache_bytes=3 * nbytes))
    for label in range(10):
        router.sample("fashion-mnist", label, n=1, seed=0, registry=reg.root)
    assert len(router.cache) == 3 and router.cache.nbytes <= 3 * nbytes


def test_load_returns_a_private_copy(reg):
    a, b = zoo.load("fashion-mnist", 0, registry=reg.root), zoo.load("fashion-mnist", 0, registry=reg.root)
    assert a is not b
    with torch.no_grad():
        next(a.parameters()).zero_()
    assert not torch.equal(next(a.parameters()), next(b.parameters()))


def test_a_header_naming_an_unknown_architecture_or_missing_fields_is_refused(reg):
    from safetensors.torch import save as st_save

    gf = reg.read_generator("fashion-mnist", 0)
    import json

    header = {**gf.meta.to_header(), "arch": "stylegan9",
              "arch_config": json.dumps({**gf.meta.arch_config, "arch": "stylegan9"})}
    reg.path_of("fashion-mnist", 0).write_bytes(st_save(gf.tensors, metadata=header))
    reg.reindex()
    with pytest.raises(zoo.UnknownArchitecture, match="unknown architecture 'stylegan9'"):
        Router().sample("fashion-mnist", 0, registry=reg.root)
    del header["latent_dim"]
    reg.path_of("fashion-mnist", 7).write_bytes(st_save(gf.tensors, metadata=header))
    assert len(reg.reindex()) == 1  # left out of the index, still refused when asked for
    before = tree_digest(reg.root)
    with pytest.raises(zoo.InvalidMeta, match="missing latent_dim"):
        Router().sample("fashion-mnist", 7, registry=reg.root)
    assert tree_digest(reg.root) == before
