"""Reading and writing one generator file. Only safetensors bytes are ever parsed."""
from __future__ import annotations

import hashlib
import os
import json
import struct
from dataclasses import dataclass
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load as st_load
from safetensors.torch import save as st_save

from .atomic import atomic_write_bytes
from .errors import ChecksumMismatch, CorruptFile, EntryNotFound, InvalidMeta
from .meta import GeneratorMeta

__all__ = ["GeneratorFile", "encode_generator", "read_header", "read_meta", "read_generator", "read_placed_generator",
           "sha256_bytes", "sha256_file", "write_bytes"]

_MAX_HEADER = 100 * 1024 * 1024  # the safetensors format's own limit


@dataclass(frozen=True)
class GeneratorFile:
    meta: GeneratorMeta
    tensors: dict[str, torch.Tensor]
    sha256: str
    size: int


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def encode_generator(tensors: dict[str, torch.Tensor], meta: GeneratorMeta) -> bytes:
    # safetensors refuses shared or strided storage; contiguous clones make any state_dict acceptable
    plain = {k: v.detach().to("cpu").contiguous().clone() for k, v in tensors.items()}
    return st_save(plain, metadata=meta.to_header())


def write_bytes(path: Path, data: bytes, *, fault: str | None = None) -> None:
    atomic_write_bytes(path, data, fault=fault)


def read_header(data: bytes, *, source: str) -> dict[str, str]:
    """The ``__metadata__`` of a safetensors blob, with truncation and garbage reported as CorruptFile."""
    if len(data) < 8:
        raise CorruptFile(f"{source}: expected a safetensors file, got {len(data)} bytes")
    (n,) = struct.unpack("<Q", data[:8])
    if n > _MAX_HEADER or 8 + n > len(data):
        raise CorruptFile(f"{source}: expected a safetensors header of {n} bytes, the file has {len(data)} "
                          "(truncated or not safetensors)")
    try:
        header = json.loads(data[8 : 8 + n])
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise CorruptFile(f"{source}: safetensors header is not valid JSON") from None
    meta = header.get("__metadata__") if isinstance(header, dict) else None
    if not isinstance(meta, dict):
        raise InvalidMeta(f"{source}: expected __metadata__ in the safetensors header, found none")
    return meta


def encode_extra(tensors: dict[str, torch.Tensor], metadata: dict[str, str]) -> bytes:
    plain = {k: v.detach().to("cpu").contiguous().clone() for k, v in tensors.items()}
    return st_save(plain, metadata=dict(metadata))


def read_extra(path: Path, *, expected_sha256: str | None = None) -> tuple[dict[str, torch.Tensor], dict[str, str], str]:
    """Tensors, metadata and sha256 of a non-generator safetensors file, checked like a generator's."""
    data = Path(path).read_bytes()
    digest = sha256_bytes(data)
    if expected_sha256 is not None and digest != expected_sha256:
        raise ChecksumMismatch(f"{path}: expected sha256 {expected_sha256} (from the index), got {digest}")
    metadata = read_header(data, source=str(path))
    try:
        tensors = st_load(data)
    except (SafetensorError, ValueError, RuntimeError) as e:
        raise CorruptFile(f"{path}: expected a complete safetensors file: {e}") from None
    return tensors, metadata, digest


def read_meta(path: Path) -> GeneratorMeta:
    """Only the header of a file: enough to list it without reading its weights."""
    with open(path, "rb") as f:
        head = f.read(8)
        n = struct.unpack("<Q", head)[0] if len(head) == 8 else 0
        # Never ask for more than the file holds: a hostile length would make read() allocate it first.
        data = head + f.read(min(n, _MAX_HEADER, max(0, os.fstat(f.fileno()).st_size - 8)))
    return GeneratorMeta.from_header(read_header(data, source=str(path)), source=str(path))


def read_generator(path: Path, *, expected_sha256: str | None = None) -> GeneratorFile:
    """Read, check and parse one file. The bytes hashed are the bytes parsed: no window for a swap."""
    path = Path(path)
    data = path.read_bytes()
    digest = sha256_bytes(data)
    if expected_sha256 is not None and digest != expected_sha256:
        raise ChecksumMismatch(
            f"{path}: expected sha256 {expected_sha256} (from the index), got {digest}; the file was changed "
            "after indexing. Restore it, or run `zoo registry reindex` if the change was intended"
        )
    meta = GeneratorMeta.from_header(read_header(data, source=str(path)), source=str(path))
    try:
        tensors = st_load(data)
    except (SafetensorError, ValueError, RuntimeError) as e:
        raise CorruptFile(f"{path}: expected a complete safetensors file: {e}") from None
    return GeneratorFile(meta=meta, tensors=tensors, sha256=digest, size=len(data))


def read_placed_generator(path: Path, dataset: str, label: int | None, *,
                          expected_sha256: str | None = None) -> GeneratorFile:
    """``read_generator``, and the file's meta must name the (dataset, label) its place in the registry says."""
    gf = read_generator(path, expected_sha256=expected_sha256)
    if (gf.meta.dataset, gf.meta.label) != (dataset, label):
        raise EntryNotFound(f"{path}: expected the generator of ({dataset!r}, {label}), "
                            f"the file's meta says ({gf.meta.dataset!r}, {gf.meta.label})")
    return gf
