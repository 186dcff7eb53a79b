"""Class names of the built-in data sets, as their own distributions name them."""
from __future__ import annotations

from importlib import resources

__all__ = ["FASHION_MNIST", "MNIST", "DIGITS", "CIFAR10", "CIFAR100", "imagenet1k_names", "imagenet1k_wnids"]

FASHION_MNIST = ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                 "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot")

# torchvision's MNIST.classes
MNIST = ("0 - zero", "1 - one", "2 - two", "3 - three", "4 - four",
         "5 - five", "6 - six", "7 - seven", "8 - eight", "9 - nine")

DIGITS = tuple(str(i) for i in range(10))  # scikit-learn's load_digits().target_names

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


def imagenet1k_names() -> tuple[str, ...]:
    """The 1,000 ImageNet class names that ship inside torchvision (no download)."""
    from torchvision.models import ResNet50_Weights  # lazy: torchvision import costs ~1 s

    return tuple(ResNet50_Weights.IMAGENET1K_V1.meta["categories"])


def imagenet1k_wnids() -> tuple[str, ...]:
    """The 1,000 WordNet ids of ImageNet-1k in the standard label order (sorted; 281 = n02123045, tabby)."""
    text = resources.files("zoo").joinpath("facts", "imagenet1k_wnids.txt").read_text(encoding="ascii")
    return tuple(text.split())
