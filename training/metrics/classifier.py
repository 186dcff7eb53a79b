"""The domain classifier: a small CNN trained on a data set's train split. Its penultimate layer gives
the features of the `*_<name>` metrics and its logits the class consistency and Inception Score."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from registry import LocalRegistry
from zoo import builtin
from zoo.version import __version__

from ..errors import DataNotFound

__all__ = ["DomainClassifier", "classifier_name", "fit_classifier", "train_classifier", "load_classifier", "accuracy",
           "predictions"]

log = logging.getLogger(__name__)
BATCH = 128  # images per step of the recipe


def classifier_name(dataset: str) -> str:
    """Names the features in metric names: fid_fmnistnet, recall_cifar10net, ..."""
    known = builtin.find(dataset)
    short = known.short_name if known is not None and known.short_name else None
    return (short or dataset.replace("-", "").replace(".", "").replace("_", "")) + "net"


@dataclass(frozen=True)
class ClassifierConfig:
    channels: int
    num_classes: int
    width: int = 32  # first conv's channels; doubled twice; the features are 4 * width wide


class DomainClassifier(nn.Module):
    def __init__(self, cfg: ClassifierConfig) -> None:
        super().__init__()
        self.config = cfg
        w = cfg.width
        self.body = nn.Sequential(
            nn.Conv2d(cfg.channels, w, 3, 1, 1), nn.BatchNorm2d(w), nn.ReLU(True),
            nn.Conv2d(w, 2 * w, 3, 1, 1), nn.BatchNorm2d(2 * w), nn.ReLU(True), nn.MaxPool2d(2),
            nn.Conv2d(2 * w, 4 * w, 3, 1, 1), nn.BatchNorm2d(4 * w), nn.ReLU(True), nn.AdaptiveAvgPool2d(1),
            nn.Flatten(),
        )
        self.head = nn.Linear(4 * w, cfg.num_classes)
        self.feature_dim = 4 * w
        # NHWC: on a 2-core AMD EPYC (AVX2) inference 30% and training 12% faster than NCHW, the same weights
        # (load_state_dict copies into these tensors and keeps their layout).
        self.to(memory_format=torch.channels_last)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:  # (B, C, H, W) in [0, 1]
        h = self.body((x * 2 - 1).contiguous(memory_format=torch.channels_last))  # (B, F)
        return h, self.head(h)  # features, logits (B, K)


@torch.no_grad()
def predictions(model: DomainClassifier, images: torch.Tensor, batch: int = 512) -> torch.Tensor:
    """The predicted class of each uint8 image."""
    model.eval()
    return torch.cat([model(images[i : i + batch].float() / 255)[1].argmax(1) for i in range(0, len(images), batch)])


@torch.no_grad()
def accuracy(model: DomainClassifier, images: torch.Tensor, labels: torch.Tensor, batch: int = 512) -> float:
    model.eval()
    hits = sum(int((model(images[i : i + batch].float() / 255)[1].argmax(1) == labels[i : i + batch]).sum())
               for i in range(0, len(images), batch))
    return hits / len(images)


def fit_classifier(train: tuple[torch.Tensor, torch.Tensor], *, num_classes: int, epochs: int = 3, seed: int = 0,
                   progress=None) -> DomainClassifier:
    """The domain classifier's recipe on uint8 images (N, C, H, W) with labels: Adam 2e-3, one-cycle, batch 128."""
    images, labels = train
    torch.manual_seed(seed)
    model = DomainClassifier(ClassifierConfig(channels=images.shape[1], num_classes=num_classes))
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    steps_per_epoch = (len(images) + BATCH - 1) // BATCH
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=epochs * steps_per_epoch)
    g = torch.Generator().manual_seed(seed)
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(images), generator=g)
        for i in range(0, len(images), BATCH):
            idx = order[i : i + BATCH]
            x = images[idx].float() / 255
            loss = F.cross_entropy(model(x)[1], labels[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
        if progress is not None:
            progress(epoch + 1, epochs)
    return model.eval()


def train_classifier(registry: LocalRegistry, dataset: str, train: tuple[torch.Tensor, torch.Tensor],
                     test: tuple[torch.Tensor, torch.Tensor], *, num_classes: int, epochs: int = 3,
                     seed: int = 0, progress=None) -> dict[str, float]:
    """Train on uint8 images (N, C, H, W) with labels, measure test accuracy, store it as an extra."""
    start = time.monotonic()
    model = fit_classifier(train, num_classes=num_classes, epochs=epochs, seed=seed, progress=progress)
    seconds = time.monotonic() - start
    acc = accuracy(model, *test)
    cfg = model.config
    meta = {"kind": "classifier", "name": classifier_name(dataset), "dataset": dataset,
            "channels": str(cfg.channels), "num_classes": str(num_classes),
            "width": str(cfg.width), "test_accuracy": f"{acc:.6f}", "test_images": str(len(test[0])),
            "train_images": str(len(train[0])), "epochs": str(epochs), "seconds": f"{seconds:.1f}",
            "seed": str(seed), "package_version": __version__}
    registry.save_extra(dataset, "classifier", model.state_dict(), meta)
    log.info("classifier for %s: test accuracy %.4f after %d epochs (%.0f s)", dataset, acc, epochs, seconds)
    return {"test_accuracy": acc, "seconds": seconds}


def load_classifier(registry: LocalRegistry, dataset: str) -> tuple[DomainClassifier, dict[str, str]]:
    try:
        tensors, meta = registry.read_extra(dataset, "classifier")
    except LookupError:
        raise DataNotFound(f"no domain classifier for {dataset!r} in {registry.root}; "
                           f"train one with `zoo train-classifier {dataset} --out {registry.root}`") from None
    cfg = ClassifierConfig(int(meta["channels"]), int(meta["num_classes"]), int(meta["width"]))
    model = DomainClassifier(cfg)
    model.load_state_dict(tensors, strict=True)
    return model.eval().requires_grad_(False), meta


def load_classifier_or_say_how(registry: LocalRegistry, dataset: str) -> DomainClassifier:
    """The domain classifier the Classification Accuracy Score is read against, or which command trains it."""
    try:
        return load_classifier(registry, dataset)[0]
    except DataNotFound:
        raise DataNotFound(f"--cas compares with {dataset!r}'s domain classifier, which {registry.root} lacks; "
                           f"train it with `zoo train-classifier {dataset} --out {registry.root}`") from None
