"""One GAN on the images of one label, under a wall-clock budget: a WGAN-GP (Gulrajani et al. 2017) by
default, or the DC-GAN baseline (``TrainConfig.loss``; the losses live in ``losses``).

The state is a small dataclass so a checkpoint can hold it and a resumed run continue it exactly.
"""
from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from zoo.nets import NetConfig, build_critic, build_generator

from .config import TrainConfig
from .losses import critic_loss, generator_loss
from .speed import autocast, use_bf16

__all__ = ["GanState", "new_state", "train_steps"]


@dataclass
class GanState:
    G: nn.Module
    D: nn.Module
    G_ema: nn.Module
    opt_g: torch.optim.Optimizer
    opt_d: torch.optim.Optimizer
    rng: torch.Generator  # every random draw of the run: batches, noise, interpolation weights
    step: int = 0  # generator steps done
    seconds: float = 0.0  # training seconds spent, over all resumptions

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
    opt = dict(lr=cfg.lr, betas=cfg.betas, fused=cfg.fused_adam or None)
    rng = torch.Generator(device=device).manual_seed(seed)
    return GanState(G, D, G_ema, torch.optim.Adam(G.parameters(), **opt), torch.optim.Adam(D.parameters(), **opt), rng)


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


def train_steps(state: GanState, images: torch.Tensor, cfg: TrainConfig, *, deadline_s: float,
                labels: torch.Tensor | None = None, on_tick: Callable[[dict[str, float]], None] | None = None,
                on_checkpoint: Callable[[GanState], None] | None = None) -> GanState:
    """Train until ``state.seconds`` reaches ``deadline_s`` (or ``cfg.max_steps``), checked between steps.

    ``images`` is the data as uint8 (N, C, H, W) on the training device, indexed directly; ``labels`` (N,)
    are given for a conditional model (the baseline), None for one label's generator.
    """
    G, D, rng, B = state.G, state.D, state.rng, cfg.batch_size
    device, n = images.device, images.shape[0]
    amp = use_bf16(cfg.precision, device)
    fmt = torch.channels_last if cfg.channels_last else torch.contiguous_format
    G_run = torch.compile(G) if cfg.compile else G  # state.G stays the plain module: checkpoints are unchanged
    # Built once: these lists are walked after every generator step.
    ema_params, g_params = list(state.G_ema.parameters()), list(G.parameters())
    buffer_pairs = list(zip(state.G_ema.buffers(), G.buffers()))
    meters = _Meters()
    start, base = time.monotonic(), state.seconds
    last_tick = last_ckpt = start
    step_at_tick = state.step
    G.train(), D.train()
    while state.seconds < deadline_s and (cfg.max_steps is None or state.step < cfg.max_steps):
        for _ in range(cfg.n_critic):
            idx = torch.randint(n, (B,), device=device, generator=rng)
            real = images[idx].float().div_(255).contiguous(memory_format=fmt)
            y = labels[idx] if labels is not None else None
            z = torch.randn(B, cfg.latent_dim, device=device, generator=rng)
            eps = torch.rand(B, 1, 1, 1, device=device, generator=rng)
            with autocast(device, amp):
                with torch.no_grad():
                    fake = G_run(z, y).float()
                loss_d, logged = critic_loss(cfg.loss, D, real, fake, y, eps, cfg.gp_weight)
            state.opt_d.zero_grad(set_to_none=True)
            loss_d.backward()
            state.opt_d.step()
        z = torch.randn(B, cfg.latent_dim, device=device, generator=rng)
        y = labels[torch.randint(n, (B,), device=device, generator=rng)] if labels is not None else None
        D.requires_grad_(False)
        with autocast(device, amp):
            loss_g = generator_loss(cfg.loss, D(G_run(z, y), y))
        state.opt_g.zero_grad(set_to_none=True)
        loss_g.backward()
        state.opt_g.step()
        D.requires_grad_(True)
        with torch.no_grad():
            # Warm-up (1 + t) / (10 + t): early on the average follows the net instead of its random init.
            decay = min(cfg.ema_decay, (1 + state.step) / (10 + state.step))
            torch._foreach_lerp_(ema_params, g_params, 1.0 - decay)
            for b_ema, b in buffer_pairs:
                b_ema.copy_(b)
        meters.add(**logged, loss_g=loss_g)
        state.step += 1
        now = time.monotonic()
        state.seconds = base + (now - start)
        if on_tick is not None and now - last_tick >= cfg.tick_s:
            rate = (state.step - step_at_tick) * B * (cfg.n_critic + 1) / (now - last_tick)
            on_tick({"step": state.step, "seconds": round(state.seconds, 3), "images_per_s": round(rate, 1),
                     **meters.summary()})
            last_tick, step_at_tick = now, state.step
        if on_checkpoint is not None and now - last_ckpt >= cfg.checkpoint_s:
            on_checkpoint(state)
            last_ckpt = time.monotonic()
    if on_tick is not None and meters.values:
        on_tick({"step": state.step, "seconds": round(state.seconds, 3), **meters.summary()})
    return state
