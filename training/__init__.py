"""Training of per-label WGAN-GP generators (arrives with the training issue)."""
__all__: list[str] = []
