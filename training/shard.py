"""Which labels this process trains, from the launcher's own environment; no process group needed.

torchrun sets RANK/WORLD_SIZE/LOCAL_RANK; SLURM sets SLURM_ARRAY_TASK_* for job arrays and
SLURM_PROCID/SLURM_NTASKS/SLURM_LOCALID for tasks; Open MPI sets OMPI_COMM_WORLD_*.
"""
from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import torch

from .errors import LauncherError

__all__ = ["Rank", "detect_rank", "shard", "device_for"]


@dataclass(frozen=True)
class Rank:
    rank: int
    world: int
    local_rank: int = 0
    launcher: str = "local"


def _int(env: Mapping[str, str], name: str) -> int | None:
    v = env.get(name)
    if v is None or v == "":
        return None
    try:
        return int(v)
    except ValueError:
        raise LauncherError(f"${name}={v!r}: expected an integer") from None


def detect_rank(env: Mapping[str, str] | None = None) -> Rank:
    env = os.environ if env is None else env
    rank, world = _int(env, "RANK"), _int(env, "WORLD_SIZE")
    if rank is not None and world is not None:
        return _checked(Rank(rank, world, _int(env, "LOCAL_RANK") or 0, "torchrun"))
    task = _int(env, "SLURM_ARRAY_TASK_ID")
    procid, ntasks = _int(env, "SLURM_PROCID") or 0, _int(env, "SLURM_NTASKS") or 1
    local = _int(env, "SLURM_LOCALID") or 0
    if task is not None:
        lo = _int(env, "SLURM_ARRAY_TASK_MIN") or 0
        count = _int(env, "SLURM_ARRAY_TASK_COUNT")
        if count is None:
            hi = _int(env, "SLURM_ARRAY_TASK_MAX")
            count = (hi - lo + 1) if hi is not None else 1
        return _checked(Rank((task - lo) * ntasks + procid, count * ntasks, local, "slurm-array"))
    if _int(env, "SLURM_NTASKS") is not None and _int(env, "SLURM_PROCID") is not None:
        return _checked(Rank(procid, ntasks, local, "slurm"))
    orank, osize = _int(env, "OMPI_COMM_WORLD_RANK"), _int(env, "OMPI_COMM_WORLD_SIZE")
    if orank is not None and osize is not None:
        return _checked(Rank(orank, osize, _int(env, "OMPI_COMM_WORLD_LOCAL_RANK") or 0, "mpi"))
    return Rank(0, 1)


def _checked(r: Rank) -> Rank:
    if r.world < 1 or not 0 <= r.rank < r.world:
        raise LauncherError(f"{r.launcher}: rank {r.rank} of world size {r.world}; expected 0 <= rank < world")
    return r


def shard(labels: Sequence[int], rank: Rank) -> list[int]:
    """Round-robin: every label goes to exactly one rank, and neighbouring labels spread over ranks."""
    return sorted(labels)[rank.rank :: rank.world]


def device_for(rank: Rank, requested: str | None = None) -> torch.device:
    if requested:
        return torch.device(requested)
    if torch.cuda.is_available():
        return torch.device("cuda", rank.local_rank % torch.cuda.device_count())
    return torch.device("cpu")
