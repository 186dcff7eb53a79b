"""The Gradio Blocks app: Sample, All classes, Interpolate, Model card."""
from __future__ import annotations

import os
from typing import Any

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # before gradio is imported: no calls home

import gradio as gr  # noqa: E402

from zoo.errors import EntryNotFound  # noqa: E402

from .handlers import Handlers, Limits  # noqa: E402

__all__ = ["build_demo", "launch", "THEME"]

# System fonts only: the default theme would make every browser fetch fonts from Google.
THEME = gr.themes.Soft(font=["ui-sans-serif", "system-ui", "sans-serif"], font_mono=["ui-monospace", "monospace"])
CSS = "#gallery img { image-rendering: pixelated; } .pixelated img { image-rendering: pixelated; }"
INTRO = ("## wcgan-zoo\nOne Wasserstein GAN generator per class label. Pick a data set and a class (type to "
         "search), choose a seed, and generate. The same seed always gives the same images.")


def build_demo(registry: Any = None, *, max_queue: int = 64) -> gr.Blocks:
    h = Handlers(registry)
    names = h.datasets()
    if not names:
        raise EntryNotFound("the configured registries hold no generators; train some, or pass --registry")
    first = "fashion-mnist" if "fashion-mnist" in names else names[0]
    classes = h.class_choices(first)
    with gr.Blocks(title="wcgan-zoo demo", delete_cache=(600, 3600)) as demo:
        gr.Markdown(INTRO)
        dataset = gr.Dropdown(names, value=first, label="Data set", elem_id="dataset")
        with gr.Tab("Sample"):
            with gr.Row():
                label = gr.Dropdown(classes, value=classes[0][1], label="Class (type to search)", filterable=True,
                                    allow_custom_value=True, elem_id="class")
                n = gr.Number(8, precision=0, minimum=1, maximum=Limits.images, label=f"Images (1-{Limits.images})",
                              elem_id="n")
                seed = gr.Number(0, precision=0, minimum=0, label="Seed", elem_id="seed")
                dice = gr.Button("Random seed", elem_id="random-seed", scale=0)
            generate = gr.Button("Generate", variant="primary", elem_id="generate")
            gallery = gr.Gallery(label="Samples", columns=8, height="auto", format="png", elem_id="gallery")
            served_by = gr.Markdown(elem_id="served-by")
            grid_file = gr.File(label="PNG grid", elem_id="grid-file")
        with gr.Tab("All classes") as all_tab:
            with gr.Row():
                per_class = gr.Slider(1, Limits.per_class, value=4, step=1, label="Images per class")
                all_seed = gr.Number(0, precision=0, minimum=0, label="Seed")
            show_all = gr.Button("Show every class", variant="primary")
            all_grid = gr.Image(label="One row per class", type="pil", format="png", elem_classes="pixelated",
                                elem_id="all-grid")
        with gr.Tab("Interpolate"):
            with gr.Row():
                walk_label = gr.Dropdown(classes, value=classes[0][1], label="Class", filterable=True,
                                         allow_custom_value=True)
                seed_a = gr.Number(0, precision=0, minimum=0, label="From seed")
                seed_b = gr.Number(1, precision=0, minimum=0, label="To seed")
                steps = gr.Slider(2, Limits.steps, value=8, step=1, label="Steps")
            walk = gr.Button("Interpolate", variant="primary")
            strip = gr.Image(label="Latent walk", type="pil", format="png", elem_classes="pixelated")
        with gr.Tab("Model card"):
            card = gr.Markdown(h.card(first), elem_id="card")
            refresh = gr.Button("Reload from the registry", size="sm")

        dataset.change(h.on_dataset, dataset, [label, walk_label, card], api_name="classes")
        dice.click(h.random_seed, None, seed, api_name="random_seed")
        generate.click(h.sample, [dataset, label, n, seed], [gallery, grid_file, served_by], api_name="sample")
        show_all.click(h.all_classes, [dataset, per_class, all_seed], all_grid, api_name="all_classes")
        walk.click(h.interpolate, [dataset, walk_label, seed_a, seed_b, steps], strip, api_name="interpolate")
        refresh.click(h.card, dataset, card, api_name="card")
        # Something to look at at once: the first class on page load, every class when that tab first opens
        # (deterministic, so opening it again shows the same grid).
        demo.load(h.sample, [dataset, label, n, seed], [gallery, grid_file, served_by], api_visibility="private")
        all_tab.select(h.all_classes, [dataset, per_class, all_seed], all_grid, api_visibility="private")
    # Two cores: two requests compute at once, the rest wait in a bounded queue instead of piling up.
    demo.queue(default_concurrency_limit=2, max_size=max_queue)
    return demo


def launch(registry: Any = None, *, host: str = "127.0.0.1", port: int = 7860, share: bool = False,
           block: bool = True) -> gr.Blocks:
    demo = build_demo(registry)
    demo.launch(server_name=host, server_port=port, share=share, theme=THEME, css=CSS, show_error=True,
                prevent_thread_lock=not block, quiet=not block)
    return demo
