import hashlib
import os
import subprocess
import sys
import threading

import torch

import zoo
from conftest import add_generator
from zoo import Router


def test_eight_threads_sample_while_another_adds_and_loads_new_generators(make_registry):
    reg = make_registry({"fashion-mnist": [0, 1, 2, 3]})
    router = Router()
    expected = {lab: router.sample("fashion-mnist", lab, n=4, seed=lab, registry=reg.root) for lab in range(4)}
    router.cache.clear()  # make the threads race on cold loads too
    errors: list[BaseException] = []
    mismatches: list[int] = []
    stop = threading.Event()

    def sampler(worker: int) -> None:
        try:
            for i in range(40):
                lab = (worker + i) % 4
                if not torch.equal(router.sample("fashion-mnist", lab, n=4, seed=lab, registry=reg.root),
                                   expected[lab]):
                    mismatches.append(lab)
        except BaseException as e:  # noqa: BLE001 - reported by the main thread
            errors.append(e)

    new_outputs: dict[int, torch.Tensor] = {}

    def writer() -> None:
        try:
            for lab in range(4, 10):  # as a training rank would: files appear, the index stays as it was
                add_generator(reg, "fashion-mnist", lab, seed=lab)
                new_outputs[lab] = router.sample("fashion-mnist", lab, n=2, seed=0, registry=reg.root)
        except BaseException as e:  # noqa: BLE001
            errors.append(e)
        finally:
            stop.set()

    threads = [threading.Thread(target=sampler, args=(w,)) for w in range(8)] + [threading.Thread(target=writer)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    assert not mismatches
    assert stop.is_set() and sorted(new_outputs) == list(range(4, 10))
    fresh = Router()
    for lab, x in new_outputs.items():
        assert torch.equal(x, fresh.sample("fashion-mnist", lab, n=2, seed=0, registry=reg.root))


def _digest_in_subprocess(root) -> str:
    code = ("import hashlib, sys, zoo; x = zoo.sample('fashion-mnist', 'Sneaker', n=16, seed=2024, "
            "registry=sys.argv[1]); print(hashlib.sha256(x.numpy().tobytes()).hexdigest())")
    env = {**os.environ, "PYTHONHASHSEED": "random"}
    out = subprocess.run([sys.executable, "-c", code, str(root)], capture_output=True, text=True, env=env,
                         check=True, timeout=120)
    return out.stdout.strip()


def test_the_same_seed_gives_bit_identical_images_across_processes(make_registry):
    reg = make_registry({"fashion-mnist": [7]})
    here = hashlib.sha256(zoo.sample("fashion-mnist", 7, n=16, seed=2024, registry=reg.root)
                          .numpy().tobytes()).hexdigest()
    assert _digest_in_subprocess(reg.root) == here == _digest_in_subprocess(reg.root)
