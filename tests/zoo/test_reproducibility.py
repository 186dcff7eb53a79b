"""Same seed, same images, bit for bit: across fresh processes, and on the stacked multi-label path."""
from __future__ import annotations

import hashlib
import subprocess
import sys

import zoo

SCRIPT = """
import hashlib, zoo
one = zoo.sample("fashion-mnist", "Bag", n=8, seed=123)
many = zoo.sample("fashion-mnist", labels=list(range(10)), n=2, seed=123)
print(hashlib.sha256(one.numpy().tobytes()).hexdigest(), hashlib.sha256(many.numpy().tobytes()).hexdigest())
"""


def test_two_fresh_processes_and_this_one_agree_bit_for_bit() -> None:
    one = zoo.sample("fashion-mnist", "Bag", n=8, seed=123)
    many = zoo.sample("fashion-mnist", labels=list(range(10)), n=2, seed=123)
    here = f"{hashlib.sha256(one.numpy().tobytes()).hexdigest()} {hashlib.sha256(many.numpy().tobytes()).hexdigest()}"
    runs = [subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True).stdout.strip()
            for _ in range(2)]
    assert runs == [here, here]
