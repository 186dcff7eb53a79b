"""One GAN on the images of one label, under a wall-clock budget: a WGAN-GP (Gulrajani et al. 2017) by
default, or the DC-GAN baseline (``TrainConfig.loss``; the losses live in ``losses``).

The state is a small dataclass so a checkpoint can hold it and a resumed run continue it exactly.
"""
from __future__ import annotations

import copy
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from registry import faults
from zoo.nets import NetConfig, build_critic, build_generator

from . import losses, preempt
from .adam import FusedAdam, fused_adam_supported
from .augment import augment, parse_policy
from .config import TrainConfig
from .preempt import Preempted
from .speed import autocast, use_bf16

log = logging.getLogger(__name__)

__all__ = ["GanState", "new_state", "train_steps"]


@dataclass
class GanState:
    G: nn.Module
    D: nn.Module
    G_ema: nn.Module
    opt_g: FusedAdam | torch.optim.Optimizer
    opt_d: FusedAdam | torch.optim.Optimizer
    rng: torch.Generator  # every random draw of the run: batches, noise, interpolation weights
    step: int = 0  # generator steps done
    seconds: float = 0.0  # training seconds spent, over all resumptions
    first_step_s: float = 0.0  # the first step of this process's run (allocation and kernel set-up included)

    def state_dict(self) -> dict[str, Any]:
        return {"G": self.G.state_dict(), "D": self.D.state_dict(), "G_ema": self.G_ema.state_dict(),
                "opt_g": self.opt_g.state_dict(), "opt_d": self.opt_d.state_dict(),
                "rng": self.rng.get_state(), "step": self.step, "seconds": self.seconds}

    def load_state_dict(self, sd: dict[str, Any]) -> None:
        for name in ("G", "D", "G_ema", "opt_g", "opt_d"):
            getattr(self, name).load_state_dict(sd[name])
        self.rng.set_state(sd["rng"])
        self.step, self.seconds = int(sd["step"]), float(sd["seconds"])


def new_state(cfg: TrainConfig, net_cfg: NetConfig, *, seed: int, device: torch.device) -> GanState:
    torch.manual_seed(seed)  # weight init
    G, D = build_generator(net_cfg).to(device), build_critic(net_cfg).to(device)
    if cfg.channels_last:
        G, D = G.to(memory_format=torch.channels_last), D.to(memory_format=torch.channels_last)
    G_ema = copy.deepcopy(G).eval().requires_grad_(False)
    rng = torch.Generator(device=device).manual_seed(seed)
    return GanState(G, D, G_ema, adam(G.parameters(), lr=cfg.lr, cfg=cfg),
                    adam(D.parameters(), lr=cfg.lr_d or cfg.lr, cfg=cfg), rng)


def adam(params: Iterable[nn.Parameter], *, lr: float, cfg: TrainConfig) -> FusedAdam | torch.optim.Adam:
    """Adam, fused into one kernel per step where this torch has it for the device (CPU: torch 2.4 on), and then
    without torch.optim's Optimizer class and the compiler it imports (training/adam.py)."""
    params = list(params)
    if cfg.fused_adam:
        if fused_adam_supported(params):
            return FusedAdam(params, lr=lr, betas=cfg.betas)
        if not _FUSED_REFUSED:
            log.warning("fused Adam is not available for %s here; using the default Adam", params[0].device)
        _FUSED_REFUSED.append(str(params[0].device))
    return torch.optim.Adam(params, lr=lr, betas=cfg.betas)


_FUSED_REFUSED: list[str] = []  # warned once per process


@dataclass
class _Meters:
    """Per-step values (tensors, so logging never syncs a step) averaged over one tick."""
    values: dict[str, list[torch.Tensor]] = field(default_factory=dict)

    def add(self, **named: torch.Tensor) -> None:
        for k, v in named.items():
            self.values.setdefault(k, []).append(v.detach())

    def summary(self) -> dict[str, float]:
        out = {k: float(torch.stack(v).mean()) for k, v in self.values.items() if v}
        self.values.clear()
        return out


class _Step:
    """One generator step and its critic steps, with what stays fixed over a run built once: after a forward
    pass has flushed the CPU caches, every Python lookup in the loop costs."""

    def __init__(self, state: GanState, images: torch.Tensor, labels: torch.Tensor | None, cfg: TrainConfig,
                 one_label_batches: bool = False) -> None:
        self.state, self.images, self.labels, self.cfg = state, images, labels, cfg
        self.device, self.n = images.device, images.shape[0]
        # One-label batches: each batch is drawn from one label, chosen at random per batch. Measured as a way to
        # train conditional starts (bench/conditional_start.py) and not used by them: it did not keep the label.
        self.groups = [torch.nonzero(labels == k).flatten() for k in labels.unique()] \
            if one_label_batches and labels is not None else None
        self.amp = use_bf16(cfg.precision, self.device)
        self.fmt = torch.channels_last if cfg.channels_last else torch.contiguous_format
        G = state.G
        self.G_run = torch.compile(G) if cfg.compile else G  # state.G stays the plain module for checkpoints
        policy = parse_policy(cfg.augment)
        # The critic as training calls it: D itself, or D of differentiably augmented images (DiffAugment).
        self.critic = state.D if not policy else (lambda x, y=None: state.D(augment(x, policy, state.rng), y))
        self.loss = losses.get(cfg.loss)
        self.ema_params, self.g_params = list(state.G_ema.parameters()), list(G.parameters())
        self.buffer_pairs = list(zip(state.G_ema.buffers(), G.buffers()))
        self.base_lrs = [(state.opt_g, cfg.lr), (state.opt_d, cfg.lr_d or cfg.lr)]
        # Lazy regularisation: the gradient penalty weighted by gp_every on the steps that have it; the drift term,
        # cheap, on every step.
        self.penalty = losses.Penalty(cfg.gp_weight * cfg.gp_every, cfg.gp_target, cfg.drift)
        self.no_penalty = losses.Penalty(0.0, cfg.gp_target, cfg.drift)

    def schedule(self, progress: float) -> None:
        """Both nets' learning rates at ``progress`` (0..1) of the phase, decayed linearly to 0 (--lr-decay)."""
        for opt, lr in self.base_lrs:
            for group in opt.param_groups:
                group["lr"] = lr * max(0.0, 1.0 - progress)

    def critic_step(self, i: int) -> dict[str, torch.Tensor]:
        cfg, state, B = self.cfg, self.state, self.cfg.batch_size
        idx = self._indices(B)
        z = torch.randn(B, cfg.latent_dim, device=self.device, generator=state.rng)
        real = self.images[idx].float().div_(255).contiguous(memory_format=self.fmt)
        y = self.labels[idx] if self.labels is not None else None
        eps = torch.rand(B, 1, 1, 1, device=self.device, generator=state.rng)
        # Lazy regularisation: the penalty on every gp_every-th critic step, weighted to the same mean.
        lazy = (state.step * cfg.n_critic + i) % cfg.gp_every == 0
        with autocast(self.device, self.amp):
            with torch.no_grad():
                fake = self.G_run(z, y).float()
            loss_d, logged = self.loss.critic_loss(self.critic, real, fake, y, eps,
                                                   self.penalty if lazy else self.no_penalty)
        state.opt_d.zero_grad(set_to_none=True)
        loss_d.backward()
        state.opt_d.step()
        return logged

    def _indices(self, B: int) -> torch.Tensor:
        """B image indices: from all images, or (one-label batches) from one label's."""
        rng = self.state.rng
        if self.groups is None:
            return torch.randint(self.n, (B,), device=self.device, generator=rng)
        members = self.groups[int(torch.randint(len(self.groups), (1,), device=self.device, generator=rng))]
        return members[torch.randint(len(members), (B,), device=self.device, generator=rng)]

    def generator_step(self) -> torch.Tensor:
        cfg, state = self.cfg, self.state
        z = torch.randn(cfg.batch_size, cfg.latent_dim, device=self.device, generator=state.rng)
        y = self.labels[self._indices(cfg.batch_size)] if self.labels is not None else None
        state.D.requires_grad_(False)
        with autocast(self.device, self.amp):
            loss_g = self.loss.generator_loss(self.critic(self.G_run(z, y), y))
        state.opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        state.opt_g.step()
        state.D.requires_grad_(True)
        with torch.no_grad():
            # Warm-up (1 + t) / (10 + t): early on the average follows the net instead of its random init.
            decay = min(cfg.ema_decay, (1 + state.step) / (10 + state.step))
            torch._foreach_lerp_(self.ema_params, self.g_params, 1.0 - decay)
            for b_ema, b in self.buffer_pairs:
                b_ema.copy_(b)
        return loss_g


def _preempted(state: GanState, *, checkpointed: bool) -> Preempted:
    kept = "with its checkpoint saved: run the same command again (a requeued SLURM task does) to resume" \
        if checkpointed else "(no checkpoint: it starts again)"
    return Preempted(f"stopped by {preempt.reason()} at step {state.step} ({state.seconds:.0f} s) {kept}",
                     step=state.step, seconds=state.seconds)


def train_steps(state: GanState, images: torch.Tensor, cfg: TrainConfig, *, deadline_s: float,
                labels: torch.Tensor | None = None, on_tick: Callable[[dict[str, float]], None] | None = None,
                on_checkpoint: Callable[[GanState], None] | None = None, one_label_batches: bool = False) -> GanState:
    """Train until ``state.seconds`` reaches ``deadline_s`` (or ``cfg.max_steps``), checked between steps.

    ``images`` is the data as uint8 (N, C, H, W) on the training device, indexed directly; ``labels`` (N,)
    are given for a conditional model (the baseline), None for one label's generator. ``one_label_batches``: each
    batch of one label (measured for conditional starts, bench/conditional_start.py).
    """
    step, meters = _Step(state, images, labels, cfg, one_label_batches), _Meters()
    decaying = cfg.lr_decay == "linear"  # constant rates (the default) cost the loop nothing
    start, base = time.monotonic(), state.seconds
    last_tick = last_ckpt = start
    step_at_tick = state.step
    state.G.train(), state.D.train()
    with preempt.training():
        while state.seconds < deadline_s and (cfg.max_steps is None or state.step < cfg.max_steps):
            if decaying:  # progress by seconds trained (a checkpoint saves them: a resumed run keeps the schedule)
                step.schedule(max(state.seconds / deadline_s, state.step / cfg.max_steps if cfg.max_steps else 0.0))
            for i in range(cfg.n_critic):  # every critic step's values: with a lazy penalty only some carry "gp"
                meters.add(**step.critic_step(i))
            meters.add(loss_g=step.generator_step())
            state.step += 1
            faults.reached("train-step")
            now = time.monotonic()
            if state.step == step_at_tick + 1 and last_tick == start:
                state.first_step_s = round(now - start, 4)
            state.seconds = base + (now - start)
            if on_tick is not None and now - last_tick >= cfg.tick_s:
                rate = (state.step - step_at_tick) * cfg.batch_size * (cfg.n_critic + 1) / (now - last_tick)
                on_tick({"step": state.step, "seconds": round(state.seconds, 3), "images_per_s": round(rate, 1),
                         **meters.summary()})
                last_tick, step_at_tick = now, state.step
            if on_checkpoint is not None and (now - last_ckpt >= cfg.checkpoint_s or preempt.requested()):
                on_checkpoint(state)
                last_ckpt = time.monotonic()
            if preempt.requested():
                raise _preempted(state, checkpointed=on_checkpoint is not None)
    if on_tick is not None and meters.values:
        on_tick({"step": state.step, "seconds": round(state.seconds, 3), **meters.summary()})
    return state
