"""training/adam.py against torch.optim.Adam(fused=True): the same update bit for bit, state dicts that load
either way (checkpoints of earlier versions resume), and a training process that never imports the compiler."""
from __future__ import annotations

import copy
import subprocess
import sys

import pytest
import torch

from training.adam import FusedAdam
from training.config import TrainConfig
from zoo.nets import build_critic

CFG = TrainConfig(preset="tiny", latent_dim=16)


def critic_and_batches(seed: int = 0) -> tuple[torch.nn.Module, list[torch.Tensor]]:
    torch.manual_seed(seed)
    net = build_critic(CFG.net_config((1, 28, 28)))
    return net, [torch.rand(8, 1, 28, 28, generator=torch.Generator().manual_seed(i)) for i in range(6)]


def steps(net: torch.nn.Module, opt, batches: list[torch.Tensor], lrs: list[float]) -> None:
    for x, lr in zip(batches, lrs):
        opt.param_groups[0]["lr"] = lr  # a schedule changes it between steps
        opt.zero_grad(set_to_none=True)
        net(x).square().mean().backward()
        opt.step()


def test_the_update_is_torchs_fused_adam_bit_for_bit() -> None:
    ours, batches = critic_and_batches()
    theirs, _ = critic_and_batches()
    lrs = [3e-4, 3e-4, 2e-4, 1e-4, 1e-4, 5e-5]
    steps(ours, FusedAdam(ours.parameters(), lr=3e-4, betas=(0.0, 0.9)), batches, lrs)
    steps(theirs, torch.optim.Adam(theirs.parameters(), lr=3e-4, betas=(0.0, 0.9), fused=True), batches, lrs)
    for (name, a), b in zip(ours.named_parameters(), theirs.parameters()):
        assert torch.equal(a, b), name
    assert any(not torch.equal(a, b) for a, b in zip(ours.parameters(), critic_and_batches()[0].parameters()))


@pytest.mark.parametrize("writer", ["ours", "torch fused", "torch for-loop"])
def test_a_state_dict_loads_either_way_and_the_run_continues_the_same(writer) -> None:
    """A checkpoint of an earlier version (torch.optim.Adam) resumes in this one, and this one's in torch's."""
    lrs = [3e-4] * 6
    first, batches = critic_and_batches()
    make = {"ours": lambda p: FusedAdam(p, lr=3e-4, betas=(0.0, 0.9)),
            "torch fused": lambda p: torch.optim.Adam(p, lr=3e-4, betas=(0.0, 0.9), fused=True),
            "torch for-loop": lambda p: torch.optim.Adam(p, lr=3e-4, betas=(0.0, 0.9))}[writer]
    opt = make(first.parameters())
    steps(first, opt, batches[:3], lrs)
    # what a checkpoint holds: copies (a state dict, torch's too, shares the tensors the next step updates)
    saved = copy.deepcopy({"net": first.state_dict(), "opt": opt.state_dict()})
    steps(first, opt, batches[3:], lrs)  # the run that was never stopped

    for reader in (lambda p: FusedAdam(p, lr=1.0, betas=(0.0, 0.9)),
                   lambda p: torch.optim.Adam(p, lr=1.0, betas=(0.0, 0.9), fused=True)):
        resumed, _ = critic_and_batches(seed=1)
        resumed.load_state_dict(saved["net"])
        opt2 = reader(resumed.parameters())
        opt2.load_state_dict(saved["opt"])
        assert opt2.param_groups[0]["lr"] == 3e-4  # the saved hyperparameters come with the state
        steps(resumed, opt2, batches[3:], lrs)
        for a, b in zip(first.parameters(), resumed.parameters()):
            # the for-loop kernel rounds differently from the fused one in the last bits; fused to fused is exact
            assert torch.allclose(a, b, atol=1e-6) if writer == "torch for-loop" else torch.equal(a, b)


def test_a_state_dict_of_other_parameters_is_refused_and_nothing_changes() -> None:
    net, batches = critic_and_batches()
    opt = FusedAdam(net.parameters(), lr=3e-4, betas=(0.0, 0.9))
    steps(net, opt, batches[:1], [3e-4])
    before = opt.state_dict()
    other = torch.optim.Adam([torch.nn.Parameter(torch.zeros(3))], lr=1e-3, fused=True)
    with pytest.raises(ValueError, match=f"expected one group of {len(list(net.parameters()))}"):
        opt.load_state_dict(other.state_dict())
    assert opt.state_dict()["param_groups"] == before["param_groups"]
    assert all(torch.equal(opt.state_dict()["state"][i]["exp_avg"], s["exp_avg"]) for i, s in before["state"].items())


def test_training_never_imports_the_compiler() -> None:
    """torch.optim's Optimizer imports torch._dynamo: about 4 of the 15 s of a one-label 0.3 s `zoo train` here."""
    code = ("import sys, torch\n"
            "from training.config import TrainConfig\n"
            "from training.wgan_gp import new_state, train_steps\n"
            "cfg = TrainConfig(preset='tiny', latent_dim=16, batch_size=8, max_steps=3)\n"
            "state = new_state(cfg, cfg.net_config((1, 28, 28)), seed=0, device=torch.device('cpu'))\n"
            "images = (torch.rand(64, 1, 28, 28) * 255).to(torch.uint8)\n"
            "train_steps(state, images, cfg, deadline_s=60)\n"
            "assert state.step == 3, state.step\n"
            "print('torch._dynamo' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "False"
