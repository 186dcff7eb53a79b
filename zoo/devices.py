"""A torch device a request names, checked before any work: a bad name or a device this machine lacks is an
``InvalidRequest`` naming the ones it has, never torch's RuntimeError from deep inside a forward pass."""
from __future__ import annotations

import functools

import torch

from .errors import InvalidRequest

__all__ = ["check_device", "available_devices"]


def available_devices() -> list[str]:
    found = ["cpu"]
    if torch.cuda.is_available():
        found += [f"cuda:{i}" for i in range(torch.cuda.device_count())]
    if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
        found.append("mps")
    return found


def check_device(device: torch.device | str | None) -> torch.device:
    """``device`` as a torch.device (None: the CPU), once it is known to work here."""
    if device is None:
        return torch.device("cpu")
    return _checked(str(device) if isinstance(device, torch.device) else device)


@functools.lru_cache(maxsize=16)
def _checked(name: object) -> torch.device:
    try:
        dev = torch.device(name)  # type: ignore[arg-type]
        torch.empty(1, device=dev)
    except (RuntimeError, AssertionError, TypeError, ValueError) as e:
        why = str(e).splitlines()[0] if str(e) else type(e).__name__
        raise InvalidRequest(f"device {name!r}: not usable here ({why}); available: "
                             f"{', '.join(available_devices())}") from None
    return dev
