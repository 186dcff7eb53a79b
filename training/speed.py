"""The trainer's speed options, resolved for the hardware at hand.

bf16 autocast pays only where the hardware computes in bf16 natively (CUDA from Ampere on, CPUs with
AVX512-BF16 or AMX); elsewhere PyTorch emulates it and it is many times *slower* (measured here: about
10x on an AVX2 CPU). So ``precision="auto"`` asks the hardware rather than assuming.
"""
from __future__ import annotations

import contextlib
import functools
from pathlib import Path

import torch

__all__ = ["native_bf16", "use_bf16", "autocast", "cpu_name"]

_CPU_BF16_FLAGS = {"avx512_bf16", "amx_bf16"}


@functools.cache
def _cpuinfo(*keys: str) -> str:
    """The first /proc/cpuinfo line starting with one of ``keys``, after its colon ("" if none)."""
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return ""
    return next((ln for ln in text.splitlines() if ln.startswith(keys)), "").partition(":")[2].strip()


def _cpu_flags() -> frozenset[str]:
    return frozenset(_cpuinfo("flags", "Features").split())


def cpu_name() -> str:
    """The CPU model, for figures that say which machine measured them."""
    import platform

    return _cpuinfo("model name") or platform.processor() or platform.machine()


def native_bf16(device: torch.device) -> bool:
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    if device.type == "cpu":
        return bool(_CPU_BF16_FLAGS & _cpu_flags())
    return False


def use_bf16(precision: str, device: torch.device) -> bool:
    """``precision`` is "fp32", "bf16" or "auto" (bf16 where the device computes it natively)."""
    return precision == "bf16" or (precision == "auto" and native_bf16(device))


def autocast(device: torch.device, enabled: bool) -> contextlib.AbstractContextManager:
    if not enabled:
        return contextlib.nullcontext()
    return torch.autocast(device.type, dtype=torch.bfloat16)
