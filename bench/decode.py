"""ImageNet-sized data paths: decoding and resizing one synset folder (1,300 JPEGs of ImageNet's typical size,
about 400x350, quality 90), the way a label's run reads it, and the cached decode a rerun reads instead.

- PIL in `load_folder` with 1 and 2 threads (decoding releases the GIL; it uses torch's thread count);
- torchvision.io.decode_jpeg (libjpeg-turbo) with the same centre crop and a bicubic resize;
- the per-label decode cache (`training/data/decoded.py`): the first run writes it, a rerun reads it;
- memory of one label's images in RAM at 64 and 128 px.

Synthetic pictures (smooth gradients with noise, so JPEG sizes are realistic) stand in for ImageNet, which
is not on this machine. Figures are ratios measured in one run.

    python bench/decode.py [--images 1300 --repeats 2]
"""
from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from training.data.decoded import decoded_folder
from training.data.folders import image_paths, load_folder
from training.speed import cpu_name

ROOT = Path(__file__).resolve().parents[1]


def make_synset(folder: Path, n: int, seed: int = 0) -> int:
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True)
    total = 0
    for i in range(n):
        w, h = int(rng.integers(300, 500)), int(rng.integers(260, 400))
        yy, xx = np.mgrid[0:h, 0:w]
        base = np.stack([(xx * rng.uniform(0.2, 1) + yy * rng.uniform(0, .5)) % 256 for _ in range(3)], -1)
        img = (base + rng.normal(0, 12, base.shape)).clip(0, 255).astype(np.uint8)
        Image.fromarray(img).save(folder / f"{i:05d}.JPEG", quality=90)
        total += (folder / f"{i:05d}.JPEG").stat().st_size
    return total


def torchvision_io(folder: Path, resolution: int) -> np.ndarray:
    from torchvision.io import ImageReadMode, decode_jpeg, read_file
    from torchvision.transforms.v2.functional import center_crop, resize

    out = []
    for path in image_paths(folder):
        x = decode_jpeg(read_file(str(path)), mode=ImageReadMode.RGB)
        s = min(x.shape[1:])
        out.append(resize(center_crop(x, [s, s]), [resolution, resolution], antialias=True))
    return torch.stack(out).numpy()


def timed(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--images", type=int, default=1300)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "decode.json")
    args = ap.parse_args()
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory(prefix="decode-bench-") as tmp:
        folder, cache = Path(tmp) / "n02123045", Path(tmp) / "cache"
        jpeg_bytes = make_synset(folder, args.images)
        result = {"cpu": cpu_name(), "images": args.images, "jpeg_mib": round(jpeg_bytes / 2**20, 1), "seconds": {}}
        for res in (64, 128):
            s = result["seconds"][f"{res}px"] = {
                "pil_1_thread": timed(lambda: load_folder(folder, resolution=res, channels=3, threads=1),
                                      args.repeats),
                "pil_2_threads": timed(lambda: load_folder(folder, resolution=res, channels=3, threads=2),
                                       args.repeats),
                "torchvision_io_1_thread": timed(lambda: torchvision_io(folder, res), args.repeats),
                "cache_first_run": timed(lambda: decoded_folder(folder, resolution=res, channels=3,
                                                                cache=Path(tempfile.mkdtemp(dir=tmp))), 1),
            }
            decoded_folder(folder, resolution=res, channels=3, cache=cache)
            s["cache_rerun"] = timed(lambda: decoded_folder(folder, resolution=res, channels=3, cache=cache),
                                     args.repeats)
            result[f"memory_mib_{res}px"] = round(args.images * 3 * res * res / 2**20, 1)
            print(f"{res:>3} px: " + ", ".join(f"{k} {v:.2f} s" for k, v in s.items())
                  + f"; {result[f'memory_mib_{res}px']} MiB per label in RAM")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1))
    print(f"wrote {args.out} ({args.images} JPEGs, {result['jpeg_mib']} MiB)")


if __name__ == "__main__":
    main()
