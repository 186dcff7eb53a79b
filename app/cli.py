"""`zoo demo`: the browser demo, on this machine only unless told otherwise."""
from __future__ import annotations

import click


@click.command("demo")
@click.option("--registry", "-r", "registries", multiple=True, metavar="PATH|hf://ORG/NAME",
              help="Registry to serve (repeatable): the whole search path, in order. "
                   "Default: $ZOO_REGISTRY, the bundled registry, the user cache.")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to listen on; 0.0.0.0 exposes the demo to the network.")
@click.option("--port", type=click.IntRange(1, 65535), default=7860, show_default=True)
@click.option("--share", is_flag=True, help="Also open a public gradio.live link (off unless asked).")
def demo_cmd(registries: tuple[str, ...], host: str, port: int, share: bool) -> None:
    """Serve the Gradio demo: sample, every class at a glance, latent walks, model cards."""
    from .demo import launch

    click.echo(f"wcgan-zoo demo on http://{host}:{port} (Ctrl+C stops it)", err=True)
    launch(list(registries) or None, host=host, port=port, share=share)
