"""Turning sampled tensors into pictures: PIL images and grids."""
from __future__ import annotations

import math
import os
from collections.abc import Sequence
from pathlib import Path

import torch
from PIL import Image, ImageDraw, ImageFont

from .errors import InvalidRequest

__all__ = ["to_pil", "grid", "auto_scale", "image_path", "save_grid", "save_each", "IMAGE_SUFFIXES"]

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff")  # what PIL writes here
MIN_WIDTH = 256  # the CLI's grids are scaled up to at least this: an 8 px digit grid is readable
MAX_SCALE = 32


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


def grid(x: torch.Tensor, *, nrow: int | None = None, padding: int = 2, pad_value: float = 1.0, scale: int = 1,
         row_labels: Sequence[str] | None = None) -> Image.Image:
    """A batch (N, C, H, W) laid out as a grid of ``nrow`` images per row (default: close to square), each pixel
    ``scale`` x ``scale`` (nearest neighbour: small images stay sharp), with ``row_labels`` written left of the
    rows (class names, say)."""
    x = _check_images(x, (4,))
    n, c, h, w = x.shape
    nrow = nrow or math.ceil(math.sqrt(n))
    if nrow < 1:
        raise InvalidRequest(f"nrow: expected a positive integer, got {nrow}")
    if isinstance(scale, bool) or not isinstance(scale, int) or not 1 <= scale <= MAX_SCALE:
        raise InvalidRequest(f"scale: expected an integer in 1..{MAX_SCALE}, got {scale!r}")
    rows = math.ceil(n / nrow)
    canvas = torch.full((c, rows * (h + padding) + padding, nrow * (w + padding) + padding), pad_value)
    for i in range(n):
        r, col = divmod(i, nrow)
        top, left = padding + r * (h + padding), padding + col * (w + padding)
        canvas[:, top : top + h, left : left + w] = x[i]
    img: Image.Image = to_pil(canvas)  # type: ignore[assignment]
    if scale > 1:
        img = img.resize((img.width * scale, img.height * scale), Image.NEAREST)
    if row_labels:
        img = _label_rows(img, [str(t) for t in row_labels][:rows], (h + padding) * scale, padding * scale)
    return img


def auto_scale(width: int, nrow: int, padding: int = 2, *, target: int = MIN_WIDTH) -> int:
    """The smallest integer scale that makes a grid of ``nrow`` images ``width`` px wide at least ``target`` px."""
    return max(1, min(MAX_SCALE, math.ceil(target / (nrow * (width + padding) + padding))))


def _label_rows(img: Image.Image, labels: list[str], row_h: int, top: int) -> Image.Image:
    font = ImageFont.load_default()
    margin = 8 + max(ImageDraw.Draw(img).textlength(t, font=font) for t in labels) if labels else 0
    out = Image.new(img.mode, (img.width + int(margin), img.height), 255 if img.mode == "L" else (255, 255, 255))
    out.paste(img, (int(margin), 0))
    draw = ImageDraw.Draw(out)
    for r, text in enumerate(labels):
        draw.text((4, top + r * row_h + max(0, (row_h - 11) // 2)), text, fill=0 if img.mode == "L" else (0, 0, 0),
                  font=font)
    return out


def image_path(path: str | os.PathLike[str]) -> Path:
    """Where an image is written: a file with an image extension (none: .png is added), not a folder."""
    path = Path(path)
    if path.is_dir():
        raise InvalidRequest(f"{path} is a folder: expected an image file such as {path / 'grid.png'} "
                             "(zoo sample --each writes one PNG per image into a folder)")
    if not path.suffix:
        return path.with_suffix(".png")
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        raise InvalidRequest(f"{path}: unknown image extension {path.suffix!r}; expected one of "
                             f"{', '.join(IMAGE_SUFFIXES)} (or none: .png)")
    return path


def save_grid(x: torch.Tensor, path: str | os.PathLike[str], *, nrow: int | None = None, scale: int = 1,
              row_labels: Sequence[str] | None = None) -> Path:
    """Write ``grid(x, ...)`` to ``path`` (an image file; without an extension, .png is added); return where."""
    path = image_path(path)
    _write(grid(x, nrow=nrow, scale=scale, row_labels=row_labels), path)
    return path


def save_each(x: torch.Tensor, folder: str | os.PathLike[str], *, stem: str) -> list[Path]:
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise InvalidRequest(f"{folder} is a file: --each writes one PNG per image into a folder")
    paths = []
    for i, img in enumerate(to_pil(_check_images(x, (4,)))):  # type: ignore[arg-type]
        paths.append(folder / f"{stem}-{i:04d}.png")
        _write(img, paths[-1])
    return paths


def _write(img: Image.Image, path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        img.save(path)
    except OSError as e:
        raise InvalidRequest(f"cannot write {path}: {e.strerror or e}") from None
