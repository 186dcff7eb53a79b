"""Faults injected for real: a full disk (a small tmpfs mounted by the test), writers racing on one label
while a reader reads it. Nothing stored is lost; readers see the old file or the new one, never a mix."""
from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from conftest import add_generator, requires

from registry import LocalRegistry, StorageFull, read_generator, verify
from registry.meta import GeneratorMeta


@pytest.fixture
def small_disk(tmp_path: Path):
    """A 1 MiB tmpfs: mounting needs root, which this project's test machines run as."""
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], check=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


@requires(None if os.geteuid() == 0 else "mounting a tmpfs needs root")
def test_a_full_disk_is_a_clear_error_and_the_old_file_survives(small_disk: Path) -> None:
    reg = LocalRegistry.create(small_disk / "reg")
    add_generator(reg, "fashion-mnist", 0)
    reg.reindex()
    path = reg.path_of("fashion-mnist", 0)
    before = path.read_bytes()
    meta = reg.read_generator("fashion-mnist", 0).meta
    with pytest.raises(StorageFull, match="no space left.*previous file is as it was"):
        reg.save_generator({"w": torch.zeros(512, 1024)}, meta)  # 2 MiB into a 1 MiB disk
    assert path.read_bytes() == before
    assert not list(reg.root.rglob(".tmp-*")) and verify(reg).ok


def weights_digest(tensors: dict[str, torch.Tensor]) -> str:
    h = hashlib.sha256()
    for key in sorted(tensors):
        h.update(key.encode() + tensors[key].contiguous().numpy().tobytes())
    return h.hexdigest()


WRITER = """
import sys, torch
sys.path.insert(0, sys.argv[4])
from conftest import add_generator, requires
from registry import LocalRegistry
reg = LocalRegistry(sys.argv[1])
for _ in range(int(sys.argv[3])):
    add_generator(reg, "fashion-mnist", 0, seed=int(sys.argv[2]))
"""


def test_racing_writers_and_a_reader_never_see_a_mix(make_registry) -> None:
    reg = make_registry({"fashion-mnist": [0]})
    digests = set()
    for seed in (1, 2):  # the two weights the writers race to put in place (each write has its own timestamp)
        add_generator(reg, "fashion-mnist", 0, seed=seed)
        digests.add(weights_digest(read_generator(reg.path_of("fashion-mnist", 0)).tensors))
    tests_dir = str(Path(__file__).resolve().parents[1])
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(reg.root), str(seed), "40", tests_dir])
               for seed in (1, 2)]
    reads = 0
    while any(w.poll() is None for w in writers):
        gf = read_generator(reg.path_of("fashion-mnist", 0))  # parses: complete
        assert weights_digest(gf.tensors) in digests  # and holds one writer's weights or the other's, whole
        reads += 1
    assert all(w.returncode == 0 for w in writers) and reads > 10
    assert not list(reg.root.rglob(".tmp-*"))
    reg.reindex()
    assert isinstance(reg.read_generator("fashion-mnist", 0).meta, GeneratorMeta) and verify(reg).ok
