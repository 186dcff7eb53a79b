"""The metadata that makes a generator file self-describing (like torchvision's ``Weights.meta``).

Safetensors headers hold ``str -> str`` only, so numbers and structures are stored as JSON text.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import json
from dataclasses import dataclass, field
from typing import Any

from .errors import InvalidMeta
from .names import check_dataset_name, check_label

__all__ = ["GeneratorMeta", "FORMAT_VERSION", "TRUNCATION_RANGE"]

FORMAT_VERSION = 1
TRUNCATION_RANGE = (0.05, 10.0)  # the truncations a file may store and a request may ask for
KINDS = ("generator", "conditional")  # one label's generator, or one generator conditioned on the label


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


@dataclass(frozen=True)
class GeneratorMeta:
    dataset: str  # registry dataset name, e.g. "fashion-mnist"
    label: int | None  # class index within the dataset; None for a conditional generator (every label)
    class_name: str  # human name of the label, e.g. "Sneaker"; "" for a conditional generator
    arch: str  # architecture family, a key of zoo.nets' registry
    arch_config: dict[str, Any]  # everything the family needs to rebuild the generator
    latent_dim: int  # size of z
    image_shape: tuple[int, int, int]  # (C, H, W) of one generated image
    steps: int = 0  # generator optimisation steps taken
    seconds: float = 0.0  # wall-clock training time
    seed: int = 0  # training seed
    created: str = field(default_factory=_now)  # ISO-8601, UTC
    package_version: str = "0"  # wcgan-zoo version that wrote the file
    format_version: int = FORMAT_VERSION
    kind: str = "generator"
    loss: str = "wgan-gp"  # how it was trained: "wgan-gp", or "dcgan" (the paper's baseline); optional in files
    warm_start: dict[str, Any] | None = None  # the shared start it was fine-tuned from: the extra's name and
    #                                           sha256, its labels, steps and seconds; None: trained from scratch
    labels: tuple[int, ...] | None = None  # a conditional generator: the labels it learned and serves (None, in
    #                                        files written before this field: every label of the data set)
    truncation: float | None = None  # the sampling default chosen for this label at training time on its own
    #                                  training images (training/truncation.py); None: no truncation
    truncation_scores: dict[str, float] | None = None  # what chose it: FID on the label's training images per
    #                                                    candidate ("none" for no truncation)

    def covers(self, label: int) -> bool:
        """Whether this file serves ``label``: a per-label file its own, a conditional one those it learned."""
        if self.kind != "conditional":
            return label == self.label
        return self.labels is None or label in self.labels

    def __post_init__(self) -> None:
        check_dataset_name(self.dataset)
        _expect(self.kind in KINDS, "kind", " or ".join(map(repr, KINDS)), self.kind)
        if self.kind == "conditional":
            _expect(self.label is None, "label", "null for a conditional generator", self.label)
        else:
            check_label(self.label)
        _expect(isinstance(self.arch, str) and self.arch, "arch", "a non-empty string", self.arch)
        _expect(isinstance(self.loss, str) and 0 < len(self.loss) <= 32, "loss", "a short name such as 'wgan-gp'",
                self.loss)
        _expect(self.warm_start is None or (isinstance(self.warm_start, dict) and all(
            isinstance(self.warm_start.get(k), str) for k in ("name", "sha256"))), "warm_start",
            "null or an object with the start's name and sha256", self.warm_start)
        if self.labels is not None:
            labels = tuple(self.labels) if isinstance(self.labels, (list, tuple)) else None
            _expect(self.kind == "conditional" and labels is not None and len(labels) > 0
                    and all(_is_int(k) and k >= 0 for k in labels) and len(set(labels)) == len(labels), "labels",
                    "null, or for a conditional generator the distinct class indices it learned", self.labels)
            object.__setattr__(self, "labels", tuple(sorted(labels)))
        _expect(isinstance(self.arch_config, dict), "arch_config", "a JSON object", self.arch_config)
        _expect(_is_int(self.latent_dim) and self.latent_dim > 0, "latent_dim", "a positive integer", self.latent_dim)
        shape = tuple(self.image_shape) if isinstance(self.image_shape, (list, tuple)) else None
        _expect(shape is not None and len(shape) == 3 and all(_is_int(s) and s > 0 for s in shape),
                "image_shape", "three positive integers (C, H, W)", self.image_shape)
        object.__setattr__(self, "image_shape", shape)
        _expect(_is_int(self.steps) and self.steps >= 0, "steps", "an integer >= 0", self.steps)
        _expect(isinstance(self.seconds, (int, float)) and self.seconds >= 0, "seconds", "a number >= 0", self.seconds)
        _expect(_is_int(self.seed), "seed", "an integer", self.seed)
        _expect(self.truncation is None or (isinstance(self.truncation, (int, float))
                                            and not isinstance(self.truncation, bool)
                                            and TRUNCATION_RANGE[0] <= self.truncation <= TRUNCATION_RANGE[1]),
                "truncation", f"null or a number in {TRUNCATION_RANGE[0]:g}..{TRUNCATION_RANGE[1]:g}", self.truncation)
        _expect(self.truncation_scores is None or (isinstance(self.truncation_scores, dict) and all(
            isinstance(k, str) and isinstance(v, (int, float)) for k, v in self.truncation_scores.items())),
                "truncation_scores", "null or an object of candidate -> score", self.truncation_scores)
        _expect(self.format_version == FORMAT_VERSION, "format_version", f"{FORMAT_VERSION}", self.format_version)

    def to_header(self) -> dict[str, str]:
        return {f.name: _encode(getattr(self, f.name)) for f in dataclasses.fields(self)}

    def to_json(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["image_shape"] = list(self.image_shape)
        return d

    @classmethod
    def from_header(cls, header: dict[str, str], *, source: str = "header") -> GeneratorMeta:
        fields = {f.name: f for f in dataclasses.fields(cls)}
        required = [n for n, f in fields.items()
                    if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING]
        required += ["format_version", "kind", "steps", "seconds", "seed", "created", "package_version"]
        missing = sorted(n for n in set(required) if n not in header)
        if missing:
            raise InvalidMeta(f"{source}: metadata is missing {', '.join(missing)}; "
                              f"expected fields: {', '.join(sorted(fields))}")
        values: dict[str, Any] = {}
        for name in fields:
            if name not in header:  # an optional field added after the file was written: its default
                continue
            raw = header[name]
            values[name] = raw if name in _TEXT_FIELDS else _decode(raw, name, source)
        try:
            return cls(**values)
        except (InvalidMeta, ValueError, TypeError) as e:
            raise InvalidMeta(f"{source}: {e}") from None

    @classmethod
    def from_json(cls, obj: dict[str, Any], *, source: str = "index") -> GeneratorMeta:
        return cls.from_header({k: _encode(v) if k not in _TEXT_FIELDS else v for k, v in obj.items()},
                               source=source)


_TEXT_FIELDS = {"dataset", "class_name", "arch", "created", "package_version", "kind", "loss"}


def _is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _expect(ok: bool, name: str, expected: str, got: object) -> None:
    if not ok:
        raise InvalidMeta(f"metadata field {name!r}: expected {expected}, got {got!r}")


def _encode(v: Any) -> str:
    if isinstance(v, str):
        return v
    return json.dumps(list(v) if isinstance(v, tuple) else v, sort_keys=True)


def _decode(raw: str, name: str, source: str) -> Any:
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, TypeError):
        raise InvalidMeta(f"{source}: metadata field {name!r} is not valid JSON: {raw!r}") from None
