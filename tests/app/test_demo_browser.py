"""End to end in a real browser: Debian's Chromium, headless, driven by Playwright, against `zoo demo`.
Screenshots are saved under test-artifacts/ (the README's picture of the demo is one of them)."""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import torch
from conftest import together
from demo_server import CHROMIUM, CHROMIUM_FLAGS, demo_server
from playwright.sync_api import Page, expect, sync_playwright

from registry import LocalRegistry
from zoo.loading import save_generator
from zoo.nets import NetConfig, build_generator

pytestmark = [pytest.mark.slow, together("test_demo_browser")]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo over the bundled zoo plus a registry with one (untrained, tiny) conditional ImageNet
    generator, which serves all 1,000 classes: the class list a user must be able to search."""
    reg = LocalRegistry.create(tmp_path_factory.mktemp("imagenet-registry"))
    config = NetConfig.preset("dcgan", "tiny", resolution=64, channels=3, latent_dim=16, num_classes=1000)
    torch.manual_seed(0)
    save_generator(reg, build_generator(config), config=config, dataset="imagenet1k", label=None, class_name="")
    reg.reindex()
    # On $ZOO_REGISTRY, so the default path still holds the bundled Fashion-MNIST zoo after it.
    with demo_server(tmp_path_factory.mktemp("demo"), extra_env={"ZOO_REGISTRY": str(reg.root)}) as address:
        yield address


@pytest.fixture
def page(url: str, tmp_path: Path) -> Iterator[Page]:
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS, headless=True)
        tab = browser.new_page(viewport={"width": 1280, "height": 1000})
        tab.goto(url)
        tab.wait_for_selector("#generate")
        yield tab
        browser.close()


def choose(page: Page, dropdown: str, typed: str, option: str) -> None:
    page.click(f"{dropdown} input")
    page.keyboard.press("Control+A")
    page.keyboard.type(typed)  # the dropdown filters as one types
    page.locator("[role=option]", has_text=option).click()
    expect(page.locator(f"{dropdown} input")).to_have_value(option)


def test_the_page_shows_images_before_any_click(page: Page) -> None:
    """The first class of the first data set on load; every class when the "All classes" tab opens."""
    expect(page.locator("#gallery img")).to_have_count(8, timeout=60_000)
    assert "T-shirt/top · seed 0 · #7" in page.locator("#gallery").inner_text()
    expect(page.locator("#served-by")).to_contain_text("label-00000.safetensors")
    page.get_by_role("tab", name="All classes").click()
    expect(page.locator("#all-grid img")).to_have_count(1, timeout=60_000)
    # The element comes before its picture (seen on a busy machine: a 0 x 0 box): wait until the browser has
    # decoded the image and laid it out, then measure it.
    page.wait_for_function("() => { const i = document.querySelector('#all-grid img'); return i !== null && "
                           "i.complete && i.naturalHeight > 0 && i.getBoundingClientRect().height > 0; }",
                           timeout=60_000)
    box = page.locator("#all-grid img").bounding_box()
    assert box is not None and box["height"] > 100  # a grid of ten rows, not an empty frame


def test_pick_a_class_by_typing_and_generate(page: Page) -> None:
    expect(page.locator("#dataset input")).to_have_value("fashion-mnist")
    choose(page, "#class", "snea", "7 · Sneaker")
    page.fill("#n input", "6")
    page.fill("#seed input", "42")
    page.click("#generate")
    images = page.locator("#gallery img")
    expect(images).to_have_count(6, timeout=60_000)
    captions = page.locator("#gallery").inner_text()
    assert all(f"Sneaker · seed 42 · #{i}" in captions for i in range(6))
    expect(page.locator("#served-by")).to_contain_text("per-label generator label-00007.safetensors")
    download = page.locator("#grid-file a[href$='fashion-mnist-Sneaker-seed42-n6.png']")
    expect(download).to_have_count(1)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "demo-sample.png"), full_page=True)


def test_imagenet_1000_classes_searchable(page: Page) -> None:
    choose(page, "#dataset", "imagen", "imagenet1k")
    expect(page.locator("#class input")).to_have_value("0 · tench", timeout=30_000)  # the class list followed
    choose(page, "#class", "toilet tis", "999 · toilet tissue")  # the last of the 1,000 is reachable
    choose(page, "#class", "golden retr", "207 · golden retriever")
    page.fill("#n input", "2")
    page.click("#generate")
    expect(page.locator("#gallery img")).to_have_count(2, timeout=60_000)
    assert "golden retriever · seed 0 · #1" in page.locator("#gallery").inner_text()
    expect(page.locator("#served-by")).to_contain_text("conditional generator conditional.safetensors")


def test_random_seed_button_shows_the_seed_it_picked(page: Page) -> None:
    page.click("#random-seed")
    expect(page.locator("#seed input")).not_to_have_value("0", timeout=30_000)
    assert page.input_value("#seed input").isdigit()


def test_out_of_range_n_shows_an_error_in_the_page(page: Page) -> None:
    expect(page.locator("#gallery img")).to_have_count(8, timeout=60_000)  # what the page opened with
    page.fill("#n input", "99")
    page.click("#generate")
    expect(page.get_by_text("Value 99 is greater than maximum value 64").first).to_be_visible(timeout=30_000)
    expect(page.locator("#gallery img")).to_have_count(8)  # the refused request replaced nothing
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "demo-error.png"))
