"""CIFAR-10 and CIFAR-100 (fine labels): 60,000 32x32 colour images each, the python version of the data set
(pickled batches, read by a restricted unpickler that admits only dicts and numpy arrays)."""
from __future__ import annotations

from . import BuiltinSet, register

CIFAR10 = ("airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck")
# The fine labels of CIFAR-100 in index order (meta file 'fine_label_names').
CIFAR100 = (
    "apple", "aquarium_fish", "baby", "bear", "beaver", "bed", "bee", "beetle", "bicycle", "bottle",
    "bowl", "boy", "bridge", "bus", "butterfly", "camel", "can", "castle", "caterpillar", "cattle",
    "chair", "chimpanzee", "clock", "cloud", "cockroach", "couch", "crab", "crocodile", "cup", "dinosaur",
    "dolphin", "elephant", "flatfish", "forest", "fox", "girl", "hamster", "house", "kangaroo", "keyboard",
    "lamp", "lawn_mower", "leopard", "lion", "lizard", "lobster", "man", "maple_tree", "motorcycle", "mountain",
    "mouse", "mushroom", "oak_tree", "orange", "orchid", "otter", "palm_tree", "pear", "pickup_truck", "pine_tree",
    "plain", "plate", "poppy", "porcupine", "possum", "rabbit", "raccoon", "ray", "road", "rocket",
    "rose", "sea", "seal", "shark", "shrew", "skunk", "skyscraper", "snail", "snake", "spider",
    "squirrel", "streetcar", "sunflower", "sweet_pepper", "table", "tank", "telephone", "television", "tiger",
    "tractor", "train", "trout", "tulip", "turtle", "wardrobe", "whale", "willow_tree", "wolf", "woman", "worm",
)
# name -> (folder, train files, test files, label key)
LAYOUT = {"cifar10": ("cifar-10-batches-py", [f"data_batch_{i}" for i in range(1, 6)], ["test_batch"], b"labels"),
          "cifar100": ("cifar-100-python", ["train"], ["test"], b"fine_labels")}


def _loader(name: str):
    def load(data, label, split, shape, cache):
        from training.data.cifar import load_cifar
        from training.errors import DataNotFound

        if data is None:
            raise DataNotFound(f"dataset {name!r} needs --data PATH: expected the folder that holds "
                               f"{LAYOUT[name][0]}")
        return load_cifar(name, LAYOUT[name], data, label, split)
    return load


register(BuiltinSet("cifar10", "CIFAR-10, 32x32 colour", lambda: CIFAR10, (3, 32, 32), _loader("cifar10")))
register(BuiltinSet("cifar100", "CIFAR-100 fine labels, 32x32 colour", lambda: CIFAR100, (3, 32, 32),
                    _loader("cifar100")))
