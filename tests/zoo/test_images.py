import pytest
import torch

import zoo
from zoo.errors import InvalidRequest
from zoo.images import save_each


def test_to_pil_maps_grey_and_colour_and_rounds_to_bytes():
    grey = zoo.to_pil(torch.full((1, 4, 5), 0.5))
    assert grey.mode == "L" and grey.size == (5, 4) and grey.getpixel((0, 0)) == 128
    batch = zoo.to_pil(torch.rand(3, 3, 8, 8))
    assert isinstance(batch, list) and len(batch) == 3 and batch[0].mode == "RGB"
    with pytest.raises(InvalidRequest, match=r"expected images \(N, C, H, W\)"):
        zoo.to_pil(torch.rand(2, 8, 8))


def test_grid_lays_out_rows_with_padding():
    x = torch.zeros(10, 3, 8, 8)
    img = zoo.grid(x, nrow=5, padding=2)
    assert img.size == (5 * 10 + 2, 2 * 10 + 2)
    assert img.getpixel((0, 0)) == (255, 255, 255) and img.getpixel((2, 2)) == (0, 0, 0)
    assert zoo.grid(torch.zeros(9, 1, 4, 4), padding=0).size == (12, 12)  # square by default


def test_save_grid_and_save_each_write_pngs(tmp_path):
    x = torch.rand(4, 1, 8, 8)
    assert zoo.save_grid(x, tmp_path / "sub" / "g.png").read_bytes()[:4] == b"\x89PNG"
    paths = save_each(x, tmp_path / "each", stem="s")
    assert [p.name for p in paths] == [f"s-{i:04d}.png" for i in range(4)]
