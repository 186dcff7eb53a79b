"""ImageNet-1k (ILSVRC 2012): its train folder, one folder per synset named by WordNet id, resized to 64 px
by default. Folders map to the standard label index (the sorted order of the 1,000 ids; 281 = n02123045,
tabby) by id: a subset of the synsets trains exactly the labels it holds."""
from __future__ import annotations

from importlib import resources

from . import BuiltinSet, register


def class_names() -> tuple[str, ...]:
    """The 1,000 class names that ship inside torchvision (no download)."""
    from torchvision.models import ResNet50_Weights  # lazy: torchvision's import costs about a second

    return tuple(ResNet50_Weights.IMAGENET1K_V1.meta["categories"])


def wnids() -> tuple[str, ...]:
    """The 1,000 WordNet ids in the standard label order (zoo/facts, from timm's imagenet_synsets.txt)."""
    return tuple(resources.files("zoo").joinpath("facts", "imagenet1k_wnids.txt").read_text(encoding="ascii").split())


def labels_present(data):
    from training.data.imagenet import synset_folders

    return tuple(sorted(synset_folders(data)))


def load(data, label, split, shape, cache):
    from training.data.decoded import decoded_folder
    from training.data.imagenet import synset_folder
    from training.errors import DataNotFound

    if data is None:
        raise DataNotFound("dataset 'imagenet1k' needs --data PATH: expected its train folder of synset folders")
    if split != "train":
        raise DataNotFound("imagenet1k: its folder of synset folders has only a train split")
    return decoded_folder(synset_folder(data, label), resolution=shape[1], channels=shape[0], cache=cache)


register(BuiltinSet("imagenet1k", "ImageNet-1k (ILSVRC 2012), resized to 64 px by default", class_names,
                    (3, 64, 64), load, resizable=True, class_ids=wnids, labels_present=labels_present))
