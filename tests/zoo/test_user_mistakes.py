"""What users get wrong, each one line and exit 2 (InvalidRequest in Python), with nothing written: output paths,
devices, a demo port in use."""
from __future__ import annotations

import socket
import subprocess
import sys

import pytest
import torch
from click.testing import CliRunner

import zoo
from zoo.cli import main
from zoo.errors import InvalidRequest


@pytest.fixture
def reg(make_registry):
    return make_registry({"fashion-mnist": [0, 1]})


def run(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize("make_args, expected", [
    (lambda t: ["sample", "fashion-mnist", "1", "-o", str(t)], "is a folder: expected an image file"),
    (lambda t: ["grid", "fashion-mnist", "-o", str(t)], "is a folder: expected an image file"),
    (lambda t: ["sample", "fashion-mnist", "1", "-o", str(t / "a.xyz")], "unknown image extension '.xyz'; expected "
                                                                         "one of .png, .jpg"),
    (lambda t: ["sample", "fashion-mnist", "1", "-o", "/proc/x.png"], "cannot write /proc/x.png"),
    (lambda t: ["sample", "fashion-mnist", "1", "--each", "-o", str(t / "file.png")], "is a file: --each writes"),
    (lambda t: ["sample", "fashion-mnist", "1", "--device", "cpux"], "device 'cpux': not usable here"),
    (lambda t: ["sample", "fashion-mnist", "1", "--device", "cuda:7"], "available: cpu"),
    (lambda t: ["train", "digits", "--device", "cpux", "--out", str(t / "r")], "device 'cpux': not usable here"),
])
def test_a_user_mistake_is_one_line_and_exit_2(reg, tmp_path, make_args, expected):
    (tmp_path / "file.png").write_bytes(b"not a folder")
    before = sorted(p.name for p in tmp_path.iterdir())
    res = run(*make_args(tmp_path), "-r", str(reg.root)) if make_args(tmp_path)[0] != "train" else \
        run(*make_args(tmp_path))
    assert res.exit_code == 2 and res.stderr.count("\n") == 1 and expected in res.stderr, res.output
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # nothing written


def test_no_extension_writes_a_png_and_says_where(reg, tmp_path):
    for args in (["sample", "fashion-mnist", "1", "-o", str(tmp_path / "myout")],
                 ["grid", "fashion-mnist", "-o", str(tmp_path / "gridout")]):
        res = run(*args, "-r", str(reg.root))
        assert res.exit_code == 0 and ".png" in res.stdout, res.output
    assert (tmp_path / "myout.png").read_bytes()[:4] == (tmp_path / "gridout.png").read_bytes()[:4] == b"\x89PNG"


def test_a_device_this_machine_lacks_is_an_invalid_request_naming_those_it_has(reg):
    missing = "cuda" if not torch.cuda.is_available() else f"cuda:{torch.cuda.device_count()}"
    with pytest.raises(InvalidRequest, match=r"available: cpu"):
        zoo.sample("fashion-mnist", 1, n=1, registry=reg.root, device=missing)
    with pytest.raises(InvalidRequest, match="device 'nosuch'"):
        zoo.load("fashion-mnist", 1, registry=reg.root, device="nosuch")


def test_a_demo_port_in_use_is_one_line_naming_the_port_and_the_option():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        res = subprocess.run([sys.executable, "-m", "zoo", "demo", "--port", str(port)], capture_output=True,
                             text=True, timeout=120)
    assert res.returncode == 2 and res.stderr == f"error: port {port} on 127.0.0.1 is in use (Address already in " \
                                                 "use): pick another with --port\n"
