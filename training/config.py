"""The one config of a per-label training run: a frozen dataclass, validated, saved with the run."""
from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass
from typing import Any

from zoo.nets import WIDTH_PRESETS, NetConfig
from zoo.nets import names as arch_names

from .errors import InvalidTrainConfig

__all__ = ["TrainConfig", "parse_duration"]

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
PRECISIONS = ("auto", "fp32", "bf16")


def parse_duration(text: str | float | int) -> float:
    """'90s', '10m', '2h', '1h30m' or plain seconds -> seconds (> 0)."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        seconds = float(text)
    else:
        s = str(text).strip().lower()
        parts = re.findall(r"(\d+(?:\.\d+)?)\s*([smhd]?)", s)
        if not parts or re.sub(r"(\d+(?:\.\d+)?)\s*([smhd]?)", "", s).strip():
            raise InvalidTrainConfig(f"budget {text!r}: expected a duration such as 90s, 10m, 2h or 1h30m")
        seconds = sum(float(v) * _UNITS[u or "s"] for v, u in parts)
    if not math.isfinite(seconds) or seconds <= 0:
        raise InvalidTrainConfig(f"budget {text!r}: expected a duration above 0 seconds")
    return seconds


@dataclass(frozen=True)
class TrainConfig:
    budget_s: float = 300.0  # wall-clock seconds per label, checked between generator steps
    arch: str = "dcgan"  # generator/critic family (zoo.nets)
    preset: str = "small"  # width preset: tiny | small | base
    latent_dim: int = 128  # size of z
    batch_size: int = 64  # images per critic and generator step
    lr: float = 1e-4  # Adam learning rate of both nets (Gulrajani et al. 2017)
    betas: tuple[float, float] = (0.0, 0.9)  # Adam betas (ibid.)
    n_critic: int = 5  # critic steps per generator step (ibid.)
    gp_weight: float = 10.0  # gradient-penalty weight lambda (ibid.)
    ema_decay: float = 0.999  # EMA of generator weights; the EMA is what gets published
    seed: int = 0  # run seed; each label derives its own from it
    max_steps: int | None = None  # optional cap on generator steps (tests, exact reproductions)
    tick_s: float = 5.0  # seconds between stats.jsonl lines and progress updates
    checkpoint_s: float = 60.0  # seconds between resume checkpoints
    # Speed options (bench/train.py measures each): results stay within noise of the plain fp32 loop.
    precision: str = "auto"  # fp32 | bf16 (autocast) | auto: bf16 only where the device computes it natively
    channels_last: bool = True  # NHWC tensors and weights: 1.16-1.26x here (bench/train.py), same weights
    compile: bool = False  # torch.compile the generator: ~30 s of compiling, for long budgets only
    fused_adam: bool = True  # one fused kernel per optimizer step instead of one per parameter

    def __post_init__(self) -> None:
        object.__setattr__(self, "betas", tuple(self.betas))
        checks = [
            ("budget_s", self.budget_s > 0, "a duration above 0 seconds"),
            ("arch", self.arch in arch_names(), f"one of {', '.join(arch_names())}"),
            ("preset", self.preset in WIDTH_PRESETS, f"one of {', '.join(WIDTH_PRESETS)}"),
            ("latent_dim", _int(self.latent_dim) and self.latent_dim > 0, "a positive integer"),
            ("batch_size", _int(self.batch_size) and self.batch_size > 0, "a positive integer"),
            ("lr", self.lr > 0, "a positive number"),
            ("betas", len(self.betas) == 2 and all(0 <= b < 1 for b in self.betas), "two numbers in [0, 1)"),
            ("n_critic", _int(self.n_critic) and self.n_critic > 0, "a positive integer"),
            ("gp_weight", self.gp_weight >= 0, "a number >= 0"),
            ("ema_decay", 0 <= self.ema_decay < 1, "a number in [0, 1)"),
            ("seed", _int(self.seed) and self.seed >= 0, "an integer >= 0"),
            ("max_steps", self.max_steps is None or (_int(self.max_steps) and self.max_steps > 0),
             "None or a positive integer"),
            ("tick_s", self.tick_s > 0, "a positive number"),
            ("checkpoint_s", self.checkpoint_s > 0, "a positive number"),
            ("precision", self.precision in PRECISIONS, f"one of {', '.join(PRECISIONS)}"),
            ("channels_last", isinstance(self.channels_last, bool), "true or false"),
            ("compile", isinstance(self.compile, bool), "true or false"),
            ("fused_adam", isinstance(self.fused_adam, bool), "true or false"),
        ]
        for name, ok, expected in checks:
            if not ok:
                raise InvalidTrainConfig(f"TrainConfig.{name}: expected {expected}, got {getattr(self, name)!r}")

    def net_config(self, image_shape: tuple[int, int, int]) -> NetConfig:
        return NetConfig.preset(self.arch, self.preset, resolution=image_shape[1], channels=image_shape[0],
                                latent_dim=self.latent_dim)

    def label_seed(self, label: int) -> int:
        return self.seed * 1_000_003 + label

    def to_json(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["betas"] = list(self.betas)
        return d

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> TrainConfig:
        return cls(**obj)  # a config saved before a field existed takes that field's default


def _int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)
