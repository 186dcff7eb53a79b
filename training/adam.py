"""Adam as torch's fused kernel, without ``torch.optim``'s Optimizer class.

Why: the Optimizer class imports ``torch._dynamo`` on its first call (its methods are wrapped to be skipped by
``torch.compile``): about 4 of the 15 seconds of a one-label ``zoo train --budget 0.3s`` here (docs/benchmarks.md),
paid again by every pool worker and SLURM task, for a compiler a run without ``--compile`` never uses.

The update is the one ``torch.optim.Adam(fused=True)`` makes (the same ``torch._fused_adam_`` kernel, the same
step counting), and the state dict has its format, so a checkpoint written by either loads into the other
(tests/training/test_adam.py).
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch
from torch import nn

__all__ = ["FusedAdam", "fused_adam_supported"]

# The group keys torch.optim.Adam writes, at the values this class implements (no weight decay, no AMSGrad).
_GROUP_DEFAULTS: dict[str, Any] = {"eps": 1e-8, "weight_decay": 0, "amsgrad": False, "maximize": False,
                                   "foreach": None, "capturable": False, "differentiable": False, "fused": True,
                                   "decoupled_weight_decay": False}
_STATE_KEYS = ("step", "exp_avg", "exp_avg_sq")


def fused_adam_supported(params: Iterable[torch.Tensor]) -> bool:
    """Whether this torch has the fused Adam kernel for every one of ``params`` (floating point, on a device it
    was built for)."""
    try:
        from torch.utils._foreach_utils import _get_fused_kernels_supported_devices
    except ImportError:  # a torch before fused optimizers
        return False
    devices = _get_fused_kernels_supported_devices()
    return hasattr(torch, "_fused_adam_") and all(p.is_floating_point() and p.device.type in devices
                                                  for p in params)


class FusedAdam:
    """Adam (Kingma and Ba 2015) over one group of parameters; ``param_groups[0]["lr"]`` may change between
    steps (a schedule)."""

    def __init__(self, params: Iterable[nn.Parameter], *, lr: float, betas: tuple[float, float],
                 eps: float = 1e-8) -> None:
        params = list(params)
        if not fused_adam_supported(params):
            raise RuntimeError("the fused Adam kernel is not available for these parameters' device or dtype")
        self.param_groups: list[dict[str, Any]] = [
            {"lr": float(lr), "betas": tuple(betas), **_GROUP_DEFAULTS, "eps": float(eps), "params": params}]
        self.state: dict[nn.Parameter, dict[str, torch.Tensor]] = {}

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.param_groups[0]["params"]:
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                p.grad.detach_().zero_()

    @torch.no_grad()
    def step(self) -> None:
        group = self.param_groups[0]
        by_device: dict[tuple[torch.device, torch.dtype], list[list[torch.Tensor]]] = {}
        for p in group["params"]:
            if p.grad is None:
                continue
            if p not in self.state:  # as torch.optim.Adam(fused=True): a float32 step on the parameter's device
                self.state[p] = {"step": torch.zeros((), dtype=torch.float32, device=p.device),
                                 "exp_avg": torch.zeros_like(p, memory_format=torch.preserve_format),
                                 "exp_avg_sq": torch.zeros_like(p, memory_format=torch.preserve_format)}
            s = self.state[p]
            lists = by_device.setdefault((p.device, p.dtype), [[], [], [], [], []])
            for bucket, t in zip(lists, (p, p.grad, s["exp_avg"], s["exp_avg_sq"], s["step"])):
                bucket.append(t)
        beta1, beta2 = group["betas"]
        for params, grads, exp_avgs, exp_avg_sqs, steps in by_device.values():
            torch._foreach_add_(steps, 1)
            torch._fused_adam_(params, grads, exp_avgs, exp_avg_sqs, [], steps, amsgrad=False, lr=group["lr"],
                               beta1=beta1, beta2=beta2, weight_decay=0.0, eps=group["eps"], maximize=False,
                               grad_scale=None, found_inf=None)

    def state_dict(self) -> dict[str, Any]:
        """torch.optim's format: state keyed by the parameter's position, the group with positions for params."""
        params = self.param_groups[0]["params"]
        group = {k: v for k, v in self.param_groups[0].items() if k != "params"}
        return {"state": {i: dict(self.state[p]) for i, p in enumerate(params) if p in self.state},
                "param_groups": [{**group, "params": list(range(len(params)))}]}

    def load_state_dict(self, sd: dict[str, Any]) -> None:
        """Load a state dict of this class or of ``torch.optim.Adam`` (fused or not) over the same parameters; the
        saved hyperparameters (a schedule's current lr) come with it, as torch.optim's loader does."""
        params = self.param_groups[0]["params"]
        groups = sd["param_groups"]
        if len(groups) != 1 or len(groups[0]["params"]) != len(params):
            raise ValueError(f"optimizer state for {[len(g['params']) for g in groups]} parameters in "
                             f"{len(groups)} groups: expected one group of {len(params)}")
        if groups[0].get("amsgrad") or groups[0].get("weight_decay") or groups[0].get("maximize"):
            raise ValueError("optimizer state with amsgrad, weight decay or maximize: this Adam has none of them")
        state: dict[nn.Parameter, dict[str, torch.Tensor]] = {}
        for position, saved in sd["state"].items():
            p = params[groups[0]["params"].index(position)]
            if set(saved) != set(_STATE_KEYS) or saved["exp_avg"].shape != p.shape:
                raise ValueError(f"optimizer state of parameter {position}: expected {', '.join(_STATE_KEYS)} "
                                 f"for shape {tuple(p.shape)}")
            dtypes = {"step": torch.float32, "exp_avg": p.dtype, "exp_avg_sq": p.dtype}  # copies: nothing shared
            state[p] = {k: saved[k].to(dtype=dtypes[k], device=p.device, copy=True) for k in _STATE_KEYS}
        saved_group = {k: v for k, v in groups[0].items() if k != "params"}
        self.param_groups = [{**self.param_groups[0], **saved_group, "fused": True, "params": params}]
        self.state = state
