"""The one config of a generator/critic pair: a frozen dataclass, validated, serialised to JSON."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from ..errors import InvalidConfig
from .architectures import get

__all__ = ["NetConfig", "WIDTH_PRESETS"]

# Base widths per family; presets scale them. `tiny` is for tests, `base` is the papers' GPU scale.
WIDTH_PRESETS: dict[str, float] = {"tiny": 1 / 8, "small": 1 / 2, "base": 1.0}


@dataclass(frozen=True)
class NetConfig:
    arch: str  # family name, a key of the architecture registry ("dcgan", "resnet")
    resolution: int  # output height = width in pixels
    channels: int  # 1 (grey) or 3 (RGB)
    latent_dim: int = 128  # size of z ~ N(0, I)
    width: int = 64  # channels of the widest-resolution feature map; deeper layers scale from it
    num_classes: int = 0  # > 0: one conditional net for every label (label embedding in G, projection in D)
    critic_norm: str = "none"  # "batch": batch norm in the critic too (the DC-GAN loss); "layer": per image
    latent_bias: bool = False  # a bias on the generator's first (latent) layer: where a label specialised from a
    #                            conditional start keeps its embedding's constant (the ResNet family always has one)
    critic_width: int | None = None  # the critic's own width (its capacity against the generator's); None: width
    critic_mbstd: int = 0  # > 0: the critic's last features get the minibatch spread over groups of this many images

    def __post_init__(self) -> None:
        for name, lo, hi in (("resolution", 4, 1024), ("latent_dim", 1, 4096), ("width", 1, 4096),
                             ("critic_channels", 1, 4096), ("critic_mbstd", 0, 256)):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int) or not lo <= v <= hi:
                raise InvalidConfig(f"NetConfig.{name}: expected an integer in {lo}..{hi}, got {v!r}")
        if isinstance(self.num_classes, bool) or not isinstance(self.num_classes, int) or not 0 <= self.num_classes <= 100_000:
            raise InvalidConfig(f"NetConfig.num_classes: expected an integer in 0..100000, got {self.num_classes!r}")
        if self.channels not in (1, 3):
            raise InvalidConfig(f"NetConfig.channels: expected 1 or 3, got {self.channels!r}")
        if not isinstance(self.latent_bias, bool):
            raise InvalidConfig(f"NetConfig.latent_bias: expected true or false, got {self.latent_bias!r}")
        fam = get(self.arch)
        if self.resolution not in fam.resolutions:
            raise InvalidConfig(f"architecture {self.arch!r} has no {self.resolution} px variant; "
                                f"expected one of {', '.join(map(str, fam.resolutions))}")
        if self.critic_norm not in fam.critic_norms:
            raise InvalidConfig(f"NetConfig.critic_norm: architecture {self.arch!r} offers "
                                f"{', '.join(map(repr, fam.critic_norms))}, got {self.critic_norm!r}")

    @classmethod
    def preset(cls, arch: str, preset: str, *, resolution: int, channels: int, latent_dim: int = 128,
               num_classes: int = 0) -> NetConfig:
        if preset not in WIDTH_PRESETS:
            raise InvalidConfig(f"unknown width preset {preset!r}; expected one of {', '.join(WIDTH_PRESETS)}")
        width = max(4, round(get(arch).base_width * WIDTH_PRESETS[preset]))
        return cls(arch=arch, resolution=resolution, channels=channels, latent_dim=latent_dim, width=width,
                   num_classes=num_classes)

    @property
    def image_shape(self) -> tuple[int, int, int]:
        return (self.channels, self.resolution, self.resolution)

    @property
    def critic_channels(self) -> int:
        return self.width if self.critic_width is None else self.critic_width

    def to_json(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        for name, unset in (("critic_width", None), ("critic_mbstd", 0)):
            if d[name] == unset:  # files of configs from before the field stay as they were
                del d[name]
        return d

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> NetConfig:
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(obj) - names)
        if unknown:
            raise InvalidConfig(f"NetConfig: unexpected fields {', '.join(unknown)}; expected {', '.join(sorted(names))}")
        try:
            return cls(**obj)
        except TypeError as e:
            raise InvalidConfig(f"NetConfig: {e}") from None
