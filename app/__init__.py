"""The browser demo of wcgan-zoo: a Gradio app over the public ``zoo`` API (`zoo demo`)."""
from __future__ import annotations

__all__ = ["build_demo", "launch"]


def __getattr__(name: str):  # gradio is imported only when the demo is used
    if name in __all__:
        from . import demo

        return getattr(demo, name)
    raise AttributeError(name)
