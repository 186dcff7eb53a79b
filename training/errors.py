"""Typed errors of training (the zoo's errors, where they fit, are reused)."""
from __future__ import annotations

from zoo.errors import ZooError

__all__ = ["TrainingError", "DataNotFound", "EmptyLabel", "InvalidTrainConfig", "LauncherError", "ProvenanceError"]


class TrainingError(ZooError):
    """Base of every error raised by the training package."""


class DataNotFound(TrainingError, FileNotFoundError):
    """A data path that does not exist or holds no images in the expected format."""


class EmptyLabel(TrainingError, ValueError):
    """A label with no images to learn from."""


class InvalidTrainConfig(TrainingError, ValueError):
    pass


class LauncherError(TrainingError, RuntimeError):
    """A launcher environment or submission that cannot work (sbatch missing, ranks inconsistent, ...)."""


class ProvenanceError(TrainingError, AssertionError):
    """An evaluation would score other nets than the ones a run wrote (a routing surprise, a swapped file)."""
