"""The Gradio demo over the public `zoo` API (arrives with the demo issue)."""
__all__: list[str] = []
