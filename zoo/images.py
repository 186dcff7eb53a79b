"""Turning sampled tensors into pictures: PIL images and grids."""
from __future__ import annotations

import math
import os
from pathlib import Path

import torch
from PIL import Image

from .errors import InvalidRequest

__all__ = ["to_pil", "grid", "save_grid", "save_each"]


def _to_uint8(x: torch.Tensor) -> torch.Tensor:
    return x.detach().float().cpu().mul(255).add_(0.5).clamp_(0, 255).to(torch.uint8)


def _check_images(x: object, dims: tuple[int, ...]) -> torch.Tensor:
    if not isinstance(x, torch.Tensor) or x.dim() not in dims or x.shape[-3] not in (1, 3):
        got = tuple(x.shape) if isinstance(x, torch.Tensor) else type(x).__name__
        raise InvalidRequest(f"expected images (N, C, H, W) or (C, H, W) with C in (1, 3) and values in [0, 1], "
                             f"got {got}")
    return x


def to_pil(x: torch.Tensor) -> Image.Image | list[Image.Image]:
    """One image (C, H, W) -> a PIL image; a batch (N, C, H, W) -> a list of them."""
    x = _check_images(x, (3, 4))
    if x.dim() == 4:
        return [to_pil(img) for img in x]  # type: ignore[misc]
    arr = _to_uint8(x).permute(1, 2, 0).numpy()  # (H, W, C)
    return Image.fromarray(arr[:, :, 0], "L") if arr.shape[2] == 1 else Image.fromarray(arr, "RGB")


def grid(x: torch.Tensor, *, nrow: int | None = None, padding: int = 2, pad_value: float = 1.0) -> Image.Image:
    """A batch (N, C, H, W) laid out as a grid of ``nrow`` images per row (default: close to square)."""
    x = _check_images(x, (4,))
    n, c, h, w = x.shape
    nrow = nrow or math.ceil(math.sqrt(n))
    if nrow < 1:
        raise InvalidRequest(f"nrow: expected a positive integer, got {nrow}")
    rows = math.ceil(n / nrow)
    canvas = torch.full((c, rows * (h + padding) + padding, nrow * (w + padding) + padding), pad_value)
    for i in range(n):
        r, col = divmod(i, nrow)
        top, left = padding + r * (h + padding), padding + col * (w + padding)
        canvas[:, top : top + h, left : left + w] = x[i]
    return to_pil(canvas)  # type: ignore[return-value]


def save_grid(x: torch.Tensor, path: str | os.PathLike[str], *, nrow: int | None = None) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    grid(x, nrow=nrow).save(path)
    return path


def save_each(x: torch.Tensor, folder: str | os.PathLike[str], *, stem: str) -> list[Path]:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, img in enumerate(to_pil(_check_images(x, (4,)))):  # type: ignore[arg-type]
        paths.append(folder / f"{stem}-{i:04d}.png")
        img.save(paths[-1])
    return paths
