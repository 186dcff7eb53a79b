"""The one config of a per-label training run: a frozen dataclass, validated, saved with the run."""
from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass, field
from typing import Any

from zoo.nets import WIDTH_PRESETS, NetConfig
from zoo.nets import get as architecture
from zoo.nets import names as arch_names

from . import losses
from .augment import parse_policy
from .errors import InvalidTrainConfig

__all__ = ["TrainConfig", "parse_duration"]

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
PRECISIONS = ("auto", "fp32", "bf16")
START_KINDS = ("unconditional", "conditional")
TRUNCATIONS = ("none", "auto")
CRITIC_NORMS = ("none", "layer", "batch")
LR_DECAYS = ("none", "linear")
LOSSES = losses.names()  # each loss's recipe defaults live with it (training.losses)
# Fields added after the config's first format, at the value that does what every version before them did: a
# config saved before a field existed is read with this value, whatever the field's default has become since.
ADDED_SINCE: dict[str, Any] = {"truncation": "none", "critic_width": 1.0, "critic_norm": "auto", "lr_decay": "none",
                               "critic_mbstd": 0, "gp_target": 1.0, "drift": 0.0, "warm_start_lr": None,
                               "warm_start_n_critic": None}
# One conditional model has no shared start to fan out from.
MODE_RECIPES: dict[str, dict[str, Any]] = {"conditional": {"warm_start": 0.0}}


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


def _opt(default: Any, flag: str, help: str, **click: Any) -> Any:
    """A field that is also a `zoo train` option: adding a training option is this one line."""
    return field(default=default, metadata={"flag": flag, "help": help, **click})


@dataclass(frozen=True)
class TrainConfig:
    """How one label's generator is trained. ``zoo train`` builds its options from the fields that carry a
    flag (``training.options``); a run saves this with its record (``TrainJob``)."""
    budget_s: float = _opt(300.0, "--budget", "Wall-clock budget per label: 90s, 10m, 2h.", duration=True)
    loss: str = _opt(losses.DEFAULT, "--loss", ". ".join(f"{x}: {losses.get(x).description}" for x in LOSSES) + ".",
                     choices=LOSSES)
    arch: str = _opt("dcgan", "--arch", "Architecture family: dcgan | resnet.")
    preset: str = _opt("small", "--preset", "Width preset: tiny | small | base.")
    latent_dim: int = _opt(128, "--latent-dim", "Size of z.")
    critic_width: float = _opt(1.0, "--critic-width", "The critic's width as a multiple of the generator's (its "
                               "capacity against the generator's): 0.25..4.")
    critic_norm: str | None = _opt(None, "--critic-norm", "The critic's normalisation after every conv but the "
                                   "first: layer (per image, as in Gulrajani et al.'s ResNet critic; WGAN-GP's "
                                   "default), none, or batch (DC-GAN's default; not with WGAN-GP: its gradient "
                                   "penalty is per image). Default: the loss's own.", choices=CRITIC_NORMS)
    critic_mbstd: int = _opt(0, "--critic-mbstd", "Minibatch standard deviation in the critic (Karras et al. 2018): "
                             "its last features get the spread over groups of this many images, a divisor of "
                             "--batch-size (4 in ProGAN); 0: off. A push towards diverse samples that keeps the "
                             "critic's normalisation per image.")
    batch_size: int = _opt(32, "--batch-size", "Images per critic and generator step (64 in Gulrajani et al.).")
    lr: float = _opt(1e-3, "--lr", "Adam learning rate of the generator, and of the critic unless --lr-d "
                     "(1e-4 in Gulrajani et al. 2017; 1e-3 here, measured against 3e-4..2e-3 at equal "
                     "core-seconds: docs/interleaved.md; 2e-4 with --mode conditional, its measured best).")
    lr_d: float | None = _opt(None, "--lr-d", "Critic learning rate (default: --lr); another value gives two "
                              "time-scale updates (Heusel et al. 2017).", type=float)
    lr_decay: str = _opt("none", "--lr-decay", "Learning-rate schedule of both nets: none (constant), or linear "
                         "(down to 0 over each phase's budget, the shared start's and each label's, by seconds "
                         "trained, as Gulrajani et al. decay theirs over iterations).", choices=LR_DECAYS)
    betas: tuple[float, float] = _opt((0.0, 0.9), "--betas", "Adam betas of both nets (Gulrajani et al.).",
                                      type=float, nargs=2)
    n_critic: int = _opt(1, "--n-critic", "Critic steps per generator step (5 in Gulrajani et al.; 1 here: at "
                          "equal core-seconds the generator gets more steps, docs/comparison.md; 2 with --mode "
                          "conditional, its measured best).")
    gp_weight: float = _opt(10.0, "--gp-weight", "Gradient-penalty weight lambda (Gulrajani et al.).")
    gp_target: float = _opt(1.0, "--gp-target", "The gradient norm the penalty pulls the critic's to, on "
                            "interpolates of real and fake images: 1 (Gulrajani et al.), or 0 (zero-centred, "
                            "Thanh-Tung et al. 2019). WGAN-GP only.")
    drift: float = _opt(0.0, "--drift", "Weight of the drift term E[D(real)^2], which keeps the critic's scores "
                        "near 0 (Karras et al. 2018: 0.001). WGAN-GP only; default 0, off.")
    gp_every: int = _opt(4, "--gp-every", "Apply the gradient penalty on every k-th critic step only, weighted "
                         "by k (lazy regularisation, Karras et al. 2020): cheaper critic steps.")
    augment: str = _opt("none", "--augment", "Differentiable augmentation of what the critic sees (Zhao et al. "
                        "2020): none, or a comma list of color, translation, cutout.")
    warm_start: float = _opt(0.2, "--warm-start", "Share of the budget spent first on one shared starting point: "
                             "an unconditional GAN on all the chosen labels' images, from which every label then "
                             "fine-tunes alone (warm start and fan-out). 0: every label starts from scratch.")
    warm_start_kind: str = _opt("unconditional", "--warm-start-kind", "What the shared start is: unconditional "
                                "(one GAN on every chosen label's images) or conditional (one class-conditional GAN "
                                "that each label is specialised from, its batch norms calibrated to the label).",
                                choices=START_KINDS)
    warm_start_lr: float | None = _opt(None, "--warm-start-lr", "Learning rate of both nets in the shared start "
                                       "(default: --lr, and --lr-d for the critic); the labels fine-tune at --lr. "
                                       "A conditional start is one conditional model, whose tuned rate is 2e-4.",
                                       type=float)
    warm_start_n_critic: int | None = _opt(None, "--warm-start-n-critic", "Critic steps per generator step in the "
                                           "shared start (default: --n-critic). A conditional model learns every "
                                           "label from one critic: its tuned n_critic is 2.", type=int)
    ema_decay: float = _opt(0.999, "--ema-decay", "EMA decay of the generator weights; the EMA is published.")
    truncation: str = _opt("none", "--truncation", "The sampling default stored in each label's file: none, or "
                           "auto (chosen after training on the label's own training images: the candidate "
                           "truncation, or none, whose images are closest to them in FID; training/truncation.py).",
                           choices=TRUNCATIONS)
    seed: int = _opt(0, "--seed", "Run seed; each label derives its own from it.")
    max_steps: int | None = _opt(None, "--max-steps", "Stop a label after this many generator steps.", type=int)
    tick_s: float = 5.0  # seconds between stats.jsonl lines and progress updates (`zoo train`: from the budget)
    checkpoint_s: float = _opt(60.0, "--checkpoint-every", "Resume checkpoint interval.", duration=True)
    # Speed options (bench/train.py measures each): results stay within noise of the plain fp32 loop.
    precision: str = _opt("auto", "--precision", "bf16 autocast, fp32, or auto: bf16 only where the device "
                          "computes it natively.", choices=PRECISIONS)
    channels_last: bool = _opt(True, "--channels-last/--no-channels-last", "NHWC memory layout.")
    compile: bool = _opt(False, "--compile", "torch.compile the generator (pays on long budgets).")
    fused_adam: bool = True  # one fused kernel per optimizer step instead of one per parameter

    def __post_init__(self) -> None:
        object.__setattr__(self, "betas", tuple(float(b) for b in self.betas))
        object.__setattr__(self, "critic_norm", self._resolved_critic_norm())  # one spelling of what it trains
        object.__setattr__(self, "augment", ",".join(parse_policy(self.augment)) or "none")  # one spelling
        for name in ("budget_s", "lr", "lr_d", "warm_start_lr", "gp_weight", "gp_target", "drift", "warm_start",
                     "ema_decay", "tick_s", "critic_width", "checkpoint_s"):  # 600 == 600.0
            v = getattr(self, name)
            if isinstance(v, int) and not isinstance(v, bool):
                object.__setattr__(self, name, float(v))
        checks = [
            ("budget_s", self.budget_s > 0, "a duration above 0 seconds"),
            ("loss", self.loss in losses.names(), f"one of {', '.join(losses.names())}"),
            ("arch", self.arch in arch_names(), f"one of {', '.join(arch_names())}"),
            ("preset", self.preset in WIDTH_PRESETS, f"one of {', '.join(WIDTH_PRESETS)}"),
            ("latent_dim", _int(self.latent_dim) and self.latent_dim > 0, "a positive integer"),
            ("critic_width", 0.25 <= self.critic_width <= 4, "a multiple of the generator's width in 0.25..4"),
            ("critic_norm", self.critic_norm in self.critic_norms(),
             f"a critic normalisation loss {self.loss!r} with architecture {self.arch!r} allows: "
             + ", ".join(self.critic_norms())),
            ("batch_size", _int(self.batch_size) and self.batch_size > 0, "a positive integer"),
            ("critic_mbstd", _int(self.critic_mbstd) and (self.critic_mbstd == 0 or (
                0 < self.critic_mbstd <= 256 and _int(self.batch_size) and self.batch_size % self.critic_mbstd == 0)),
             f"0 (off) or a group size in 1..256 that divides batch_size {self.batch_size!r}"),
            ("lr", self.lr > 0, "a positive number"),
            ("lr_d", self.lr_d is None or self.lr_d > 0, "None or a positive number"),
            ("warm_start_lr", self.warm_start_lr is None or self.warm_start_lr > 0, "None or a positive number"),
            ("warm_start_n_critic", self.warm_start_n_critic is None or (
                _int(self.warm_start_n_critic) and self.warm_start_n_critic > 0), "None or a positive integer"),
            ("lr_decay", self.lr_decay in LR_DECAYS, f"one of {', '.join(LR_DECAYS)}"),
            ("betas", len(self.betas) == 2 and all(0 <= b < 1 for b in self.betas), "two numbers in [0, 1)"),
            ("n_critic", _int(self.n_critic) and self.n_critic > 0, "a positive integer"),
            ("gp_weight", self.gp_weight >= 0, "a number >= 0"),
            ("gp_target", 0 <= self.gp_target <= 10,
             "a gradient norm in 0..10 (1: Gulrajani et al.; 0: zero-centred)"),
            ("drift", 0 <= self.drift <= 1, "a weight in 0..1 (0: off; Karras et al. 2018: 0.001)"),
            ("gp_every", _int(self.gp_every) and self.gp_every > 0, "a positive integer"),
            ("warm_start", 0 <= self.warm_start < 1, "a share of the budget in [0, 1)"),
            ("warm_start_kind", self.warm_start_kind in START_KINDS, f"one of {', '.join(START_KINDS)}"),
            ("ema_decay", 0 <= self.ema_decay < 1, "a number in [0, 1)"),
            ("truncation", self.truncation in TRUNCATIONS, f"one of {', '.join(TRUNCATIONS)}"),
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

    @classmethod
    def for_loss(cls, loss: str = "wgan-gp", *, mode: str = "per-label", **fields: Any) -> TrainConfig:
        """The config of ``loss`` trained in ``mode`` with their recipes' defaults (the loss's ``recipe``,
        ``MODE_RECIPES``, the loss's recipe for that mode), then ``fields`` on top."""
        known = losses.get(loss) if loss in losses.names() else None  # an unknown one is refused below
        recipe = {**known.recipe, **MODE_RECIPES.get(mode, {}), **known.mode_recipes.get(mode, {})} if known else {}
        return cls(loss=loss, **{**recipe, **fields})

    def net_config(self, image_shape: tuple[int, int, int]) -> NetConfig:
        cfg = NetConfig.preset(self.arch, self.preset, resolution=image_shape[1], channels=image_shape[0],
                               latent_dim=self.latent_dim)
        cfg = dataclasses.replace(cfg, critic_norm=self.critic_norm, critic_mbstd=self.critic_mbstd)
        if self.critic_width != 1.0:
            cfg = dataclasses.replace(cfg, critic_width=max(4, round(cfg.width * self.critic_width)))
        # A label specialised from a conditional start keeps its embedding's constant as the latent layer's bias.
        return dataclasses.replace(cfg, latent_bias=True) if self.conditional_start else cfg

    def critic_norms(self) -> tuple[str, ...]:
        """The critic normalisations this loss and architecture allow together, the loss's default first (none
        while either is unknown)."""
        if self.loss not in losses.names() or self.arch not in arch_names():
            return ()
        return tuple(n for n in losses.get(self.loss).critic_norms if n in architecture(self.arch).critic_norms)

    def _resolved_critic_norm(self) -> str | None:
        """None: the loss's default that the architecture offers; "auto" (saved by versions before each loss had
        its default): what it trained with then. An invalid value is kept, for the check to name."""
        if self.loss not in losses.names():
            return self.critic_norm
        if self.critic_norm == "auto":
            return self._auto_critic_norm()
        if self.critic_norm is None:
            return next(iter(self.critic_norms()), None)
        return self.critic_norm

    def identity_defaults(self) -> dict[str, Any]:
        """``ADDED_SINCE`` as this config resolves it: the values its identity leaves out, so that jobs saved
        before a field existed keep the identity they had."""
        return {**ADDED_SINCE, "critic_norm": self._auto_critic_norm()}

    def _auto_critic_norm(self) -> str:
        """What critic_norm "auto" trained with for this loss ("auto" while the loss is unknown)."""
        return losses.get(self.loss).auto_critic_norm if self.loss in losses.names() else "auto"

    @property
    def conditional_start(self) -> bool:
        return self.warm_start > 0 and self.warm_start_kind == "conditional"

    def label_seed(self, label: int) -> int:
        return self.seed * 1_000_003 + label

    @property
    def start_seed(self) -> int:
        """The seed of a warm start's shared run (apart from every label's)."""
        return self.seed * 1_000_003 + 999_983

    def start_core_seconds(self, n_labels: int) -> float:
        """What a job's shared warm start costs: its share of the job's core-seconds (0 without one)."""
        return self.warm_start * self.budget_s * n_labels

    def start_config(self) -> TrainConfig:
        """What the shared start trains with: this config at the start's own rate and n_critic, if it has them."""
        own = {**({} if self.warm_start_lr is None else {"lr": self.warm_start_lr, "lr_d": None}),
               **({} if self.warm_start_n_critic is None else {"n_critic": self.warm_start_n_critic})}
        return dataclasses.replace(self, **own) if own else self

    def label_budget_s(self) -> float:
        """What one label fine-tunes for after its share of a warm start (the whole budget without one)."""
        return self.budget_s * (1.0 - self.warm_start)

    def to_json(self) -> dict[str, Any]:
        d = dataclasses.asdict(self)
        d["betas"] = list(self.betas)
        return d

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> TrainConfig:
        return cls(**{**ADDED_SINCE, **obj})  # saved before a field existed: what it trained with then


def _int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)
