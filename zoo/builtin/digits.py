"""scikit-learn's 1,797 8x8 handwritten digits (values 0..16), read from the file scikit-learn ships: no
download, and no import of scikit-learn (about 0.7 s) to read it. They have no split: the first 80 % train."""
from __future__ import annotations

from . import BuiltinSet, register

TRAIN = 1437  # the first 80 % train, the rest test
CLASSES = tuple(str(i) for i in range(10))  # load_digits().target_names


def load(data, label, split, shape, cache):
    import gzip
    from importlib.util import find_spec
    from pathlib import Path

    import numpy as np

    from training.errors import DataNotFound

    spec = find_spec("sklearn")
    path = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "data" / "digits.csv.gz" if spec else None
    if path is None or not path.is_file():
        raise DataNotFound("dataset 'digits' ships with scikit-learn: pip install 'wcgan-zoo[train]'")
    with gzip.open(path, "rt") as f:
        table = np.loadtxt(f, delimiter=",")  # 1,797 rows: 64 pixels, then the label (load_digits reads the same)
    part = table[:TRAIN] if split == "train" else table[TRAIN:]
    images = part[part[:, -1] == label, :-1].reshape(-1, 1, 8, 8)
    return (images * (255 / 16)).round().astype(np.uint8)  # 0..16 -> 0..255


register(BuiltinSet("digits", "scikit-learn's 8x8 handwritten digits", lambda: CLASSES, (1, 8, 8), load))
