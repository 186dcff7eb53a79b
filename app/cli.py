"""`zoo demo`: the browser demo, on this machine only unless told otherwise."""
from __future__ import annotations

import socket

import click

from zoo.errors import InvalidRequest


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
    _check_port(host, port)  # before the demo is built: a port in use is one line, not gradio's traceback
    from .demo import launch

    click.echo(f"wcgan-zoo demo on http://{host}:{port} (Ctrl+C stops it)", err=True)
    try:
        launch(list(registries) or None, host=host, port=port, share=share)
    except OSError as e:  # taken between the check and the launch
        raise InvalidRequest(f"cannot serve the demo on {host}:{port} ({e}): pick another port with --port") from None


def _check_port(host: str, port: int) -> None:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as e:
        raise InvalidRequest(f"--host {host}: cannot resolve it ({e.strerror})") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        try:
            probe.bind(address)
        except OSError as e:
            raise InvalidRequest(f"port {port} on {host} is in use ({e.strerror}): pick another with --port") from None
