"""What the demo's buttons do, through the public ``zoo`` API only. Every input is checked here, since the
HTTP API takes values the widgets would never send; a bad one becomes a ``gr.Error`` (a message in the
page, never a traceback)."""
from __future__ import annotations

import atexit
import functools
import logging
import secrets
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import gradio as gr
from PIL import Image

import zoo

__all__ = ["Limits", "Handlers"]

log = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])
DISPLAY_PX = 112  # small images are enlarged (nearest neighbour, whole multiples) to at least this


class Limits:
    images = 64  # per Sample request
    per_class = 8  # per class on the All classes tab
    steps = 16  # interpolation frames
    seed = 2**63 - 1
    grid_files = 256  # PNG grids kept on disk for download at once


def user_errors(fn: F) -> F:
    """Library errors become messages; anything else is logged and reported without its internals."""
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except gr.Error:
            raise
        except (zoo.ZooError, zoo.RegistryError) as e:
            raise gr.Error(str(e), print_exception=False) from None
        except Exception:
            log.exception("demo request failed")
            raise gr.Error("internal error while generating; the server log has the details",
                           print_exception=False) from None
    return wrapper  # type: ignore[return-value]


def whole(value: Any, name: str, low: int, high: int) -> int:
    """A whole number in low..high from a widget or an API call (which may send floats or strings)."""
    try:
        number = float(value)
        if number != int(number):
            raise ValueError
    except (TypeError, ValueError, OverflowError):
        raise gr.Error(f"{name}: expected a whole number in {low}..{high}, got {value!r}",
                       print_exception=False) from None
    if not low <= int(number) <= high:
        raise gr.Error(f"{name}: expected {low}..{high}, got {int(number)}", print_exception=False)
    return int(number)


def enlarge(img: Image.Image) -> Image.Image:
    scale = max(1, -(-DISPLAY_PX // max(img.size)))
    return img if scale == 1 else img.resize((img.width * scale, img.height * scale), Image.NEAREST)


def class_label(value: Any) -> int | str:
    """A class from the dropdown (its index) or typed by an API caller (index or name)."""
    if value is None or value == "":
        raise gr.Error("class: choose a class", print_exception=False)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        return int(value)
    if isinstance(value, str) and " · " in value:  # the dropdown's own text for a class
        return int(value.split(" · ", 1)[0])
    return value


class Handlers:
    """Bound to the registries the demo serves (``registry=None``: the zoo's usual search order)."""

    def __init__(self, registry: Any = None) -> None:
        self.registry = registry
        self._files = Path(tempfile.mkdtemp(prefix="wcgan-zoo-demo-"))
        atexit.register(shutil.rmtree, self._files, ignore_errors=True)

    # -- choices ------------------------------------------------------------------------------
    def datasets(self) -> list[str]:
        return [name for name, info in zoo.datasets(registry=self.registry).items() if info.labels]

    def class_choices(self, dataset: str) -> list[tuple[str, int]]:
        info = zoo.datasets(registry=self.registry).get(dataset)
        if info is None:
            raise gr.Error(f"data set: expected one of {', '.join(self.datasets())}, got {dataset!r}",
                           print_exception=False)
        names = info.spec.class_names
        return [(f"{i} · {names[i]}", i) for i in info.labels]

    @user_errors
    def on_dataset(self, dataset: str) -> tuple[Any, Any, str]:
        choices = self.class_choices(dataset)
        first = choices[0][1] if choices else None
        return (gr.Dropdown(choices=choices, value=first), gr.Dropdown(choices=choices, value=first),
                self.card(dataset))

    @staticmethod
    def random_seed() -> int:
        return secrets.randbelow(2**31)  # short enough to read out and type back

    # -- the tabs -----------------------------------------------------------------------------
    @user_errors
    def sample(self, dataset: str, label: Any, n: Any, seed: Any
               ) -> tuple[list[tuple[Image.Image, str]], str, str]:
        """The gallery, the PNG grid's path, and which generator served it (provenance, in Markdown)."""
        n = whole(n, "number of images", 1, Limits.images)
        seed = whole(seed, "seed", 0, Limits.seed)
        served = zoo.which(dataset, class_label(label), registry=self.registry)
        x = zoo.sample(dataset, served.label, n=n, seed=seed, registry=self.registry)
        name = served.class_name
        images = zoo.to_pil(x)
        gallery = [(enlarge(img), f"{name} · seed {seed} · #{i}") for i, img in enumerate(images)]
        path = self._files / f"{dataset}-{name.replace('/', '_')}-seed{seed}-n{n}.png"
        zoo.grid(x).save(path)
        self._keep_newest(Limits.grid_files)
        return gallery, str(path), provenance_text(served)

    def _keep_newest(self, count: int) -> None:
        """A long-running demo keeps only its newest grid files (gradio serves its own copies)."""
        files = sorted(self._files.glob("*.png"), key=lambda p: p.stat().st_mtime_ns)
        for old in files[:-count]:
            old.unlink(missing_ok=True)

    @user_errors
    def all_classes(self, dataset: str, per_class: Any, seed: Any) -> Image.Image:
        per_class = whole(per_class, "images per class", 1, Limits.per_class)
        seed = whole(seed, "seed", 0, Limits.seed)
        labels = [index for _, index in self.class_choices(dataset)]
        x = zoo.sample(dataset, labels=labels, n=per_class, seed=seed, registry=self.registry)
        return enlarge_grid(zoo.grid(x, nrow=per_class))

    @user_errors
    def interpolate(self, dataset: str, label: Any, seed_a: Any, seed_b: Any, steps: Any) -> Image.Image:
        steps = whole(steps, "steps", 2, Limits.steps)
        seeds = (whole(seed_a, "start seed", 0, Limits.seed), whole(seed_b, "end seed", 0, Limits.seed))
        x = zoo.interpolate(dataset, class_label(label), seeds=seeds, steps=steps,
                            registry=self.registry)
        return enlarge_grid(zoo.grid(x, nrow=steps))

    @user_errors
    def card(self, dataset: str) -> str:
        return zoo.model_card(dataset, registry=self.registry)


def provenance_text(served: zoo.Provenance) -> str:
    m = served.meta
    return (f"Served by the **{served.kind}** generator `{served.file.name}` of `{served.registry}` "
            f"({m.arch}, {m.steps} steps, {m.seconds:.0f} s of training).")


def enlarge_grid(img: Image.Image) -> Image.Image:
    """Grids of tiny images are enlarged 3x (at most to ~1,000 px): crisp pixels, readable in a browser."""
    scale = max(1, min(3, 1000 // max(img.size)))
    return img if scale == 1 else img.resize((img.width * scale, img.height * scale), Image.NEAREST)
