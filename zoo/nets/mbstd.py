"""Minibatch standard deviation (Karras et al. 2018, ProGAN): the critic's last features get one more, the
spread of the features across a small group of images. A generator that collapses onto a few modes makes
groups with a low spread, which the critic can then tell from real groups: a push towards diversity (recall) that
keeps the critic's normalisation per image, so WGAN-GP's gradient penalty still applies (ProGAN trained with both).
"""
from __future__ import annotations

import torch

__all__ = ["append_minibatch_std"]


def append_minibatch_std(h: torch.Tensor, group: int) -> torch.Tensor:
    """``h`` (B, C, ...) flattened to (B, F) with one feature more: each image's group spread, averaged over the
    features. The critics' heads are linear, so one feature carries all that a constant map over the last positions
    would, without a copy of channels-last features.

    Groups are consecutive images (``group`` of them; fewer when ``group`` does not divide B), so a batch of reals
    followed by fakes, each a multiple of ``group``, never mixes the two in one group. ``group`` 0: no feature added.
    """
    flat = h.flatten(1)  # (B, F)
    if group <= 0:
        return flat
    B = h.shape[0]
    g = next(k for k in range(min(group, B), 0, -1) if B % k == 0)
    grouped = flat.float().reshape(B // g, g, -1)
    # The variance by hand: torch's var over a short middle dimension is a slow strided reduction on the CPU
    # (5 ms a call here, a third of a training step).
    deviation = grouped - grouped.mean(dim=1, keepdim=True)
    spread = (deviation.square().mean(dim=1) + 1e-8).sqrt().mean(dim=1)  # (B/g,)
    return torch.cat([flat, spread.repeat_interleave(g).to(h.dtype).unsqueeze(1)], dim=1)
