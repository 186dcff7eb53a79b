"""The sampling fast paths give the images of the plain path: stacked multi-label calls, bf16, latent walks."""
from __future__ import annotations

import pytest
import torch
from conftest import add_generator

import zoo
from registry import LocalRegistry
from zoo.errors import InvalidRequest
from zoo.nets import NetConfig
from zoo.router import Router, RouterConfig
from zoo.stacked import MIN_STACK


@pytest.fixture
def eight_labels(make_registry):
    return make_registry({"fashion-mnist": list(range(8))})


def test_stacked_labels_match_one_label_calls_and_repeat_exactly(eight_labels) -> None:
    router = Router()
    labels = [3, 1, 4, 1, 5, 2, 6, 0]  # a repeat, and more than MIN_STACK distinct labels
    assert len(set(labels)) >= MIN_STACK
    x = router.sample("fashion-mnist", labels=labels, n=3, seed=11, registry=eight_labels.root)
    singles = torch.cat([router.sample("fashion-mnist", k, n=3, seed=11, registry=eight_labels.root) for k in labels])
    assert torch.allclose(x, singles, atol=1e-5, rtol=0)  # one vmapped call: equal up to float rounding
    assert torch.equal(x, router.sample("fashion-mnist", labels=labels, n=3, seed=11, registry=eight_labels.root))
    assert any(k[0] == "stack" for k in router.cache._items)  # the stacked weights are cached, not rebuilt


def test_a_retrained_label_is_seen_by_the_stacked_path(eight_labels) -> None:
    router = Router()
    before = router.sample("fashion-mnist", labels=list(range(8)), n=1, seed=0, registry=eight_labels.root)
    add_generator(eight_labels, "fashion-mnist", 5, seed=42)
    eight_labels.reindex()
    after = router.sample("fashion-mnist", labels=list(range(8)), n=1, seed=0, registry=eight_labels.root)
    assert torch.equal(before[:5], after[:5]) and not torch.allclose(before[5], after[5])


def test_bf16_inference_is_close_to_fp32(eight_labels) -> None:
    x32 = zoo.sample("fashion-mnist", 2, n=4, seed=1, registry=eight_labels.root)
    x16 = zoo.sample("fashion-mnist", 2, n=4, seed=1, registry=eight_labels.root, dtype=torch.bfloat16)
    assert x16.dtype == torch.bfloat16 and (x16.float() - x32).abs().max() < 0.05
    with pytest.raises(InvalidRequest, match="floating torch dtype"):
        zoo.sample("fashion-mnist", 2, n=1, registry=eight_labels.root, dtype=torch.int8)


def test_interpolation_ends_are_the_seeds_latents(eight_labels) -> None:
    walk = zoo.interpolate("fashion-mnist", 4, seeds=(3, 8), steps=5, registry=eight_labels.root)
    assert walk.shape == (5, 1, 28, 28)
    for end, seed in ((walk[0], 3), (walk[-1], 8)):
        assert torch.allclose(end, zoo.sample("fashion-mnist", 4, n=1, seed=seed, registry=eight_labels.root)[0],
                              atol=1e-5)
    with pytest.raises(InvalidRequest, match="steps"):
        zoo.interpolate("fashion-mnist", 4, seeds=(3, 8), steps=1, registry=eight_labels.root)
    with pytest.raises(InvalidRequest, match="two seeds"):
        zoo.interpolate("fashion-mnist", 4, seeds=(3,), registry=eight_labels.root)


def test_model_card_of_one_data_set(eight_labels) -> None:
    card = zoo.model_card("fashion-mnist", registry=eight_labels.root)
    assert card.startswith("# wcgan-zoo generators") and "| 7 | Sneaker |" in card


def test_a_request_too_large_for_memory_is_refused_before_any_work(eight_labels) -> None:
    router = Router(RouterConfig(max_output_bytes=4 << 20))  # 4 MiB: 1,338 images of 1x28x28 in fp32
    with pytest.raises(InvalidRequest, match="above the limit of 4 MiB"):
        router.sample("fashion-mnist", labels=list(range(8)), n=200, seed=0, registry=eight_labels.root)
    assert len(router.cache) == 0  # refused before a single generator was loaded
    assert router.sample("fashion-mnist", 0, n=1000, seed=0, registry=eight_labels.root).shape[0] == 1000


def test_the_output_bound_holds_for_small_requests_and_uses_the_generators_own_shape(eight_labels, tmp_path) -> None:
    router = Router(RouterConfig(max_output_bytes=1024))
    too_big = r"100 images of up to 1x28x28 would take 306 KiB, above the limit of 1 KiB"
    with pytest.raises(InvalidRequest, match=too_big):
        router.sample("fashion-mnist", 0, n=100, seed=0, registry=eight_labels.root)  # 313,600 bytes
    assert len(router.cache) == 0  # refused from the header alone
    # ImageNet's spec says 64 px; this generator makes 8 px: 10 images are 7,680 bytes, not 491,520.
    reg = LocalRegistry.create(tmp_path / "imagenet8")
    add_generator(reg, "imagenet1k", 281, config=NetConfig.preset("dcgan", "tiny", resolution=8, channels=3,
                                                                  latent_dim=16))
    exact = Router(RouterConfig(max_output_bytes=10 * 3 * 8 * 8 * 4))
    assert exact.sample("imagenet1k", 281, n=10, seed=0, registry=reg.root).shape == (10, 3, 8, 8)
    with pytest.raises(InvalidRequest, match="11 images of up to 3x8x8"):
        exact.sample("imagenet1k", "tabby", n=11, seed=0, registry=reg.root)  # and again from the cached route
