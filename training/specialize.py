"""A conditional start specialised to one label: the weights of a per-label generator and critic that compute,
for every z and image, exactly what the conditional pair computes for that label ("shared start, per-label
finish").

- Generator: the label enters as an embedding concatenated to z before the first (latent) layer, so
  ``W [z; e_y] + b = W_z z + (W_e e_y + b)``: the per-label net keeps ``W_z`` and takes ``W_e e_y + b`` as that
  layer's bias (``NetConfig.latent_bias``). Everything after it is shared as it is.
- Critic (projection discriminator, Miyato & Koyama 2018): ``w.h + b + e_y.h = (w + e_y).h + b``: the label's
  projection is folded into the head's weight.

Batch norm: the label's constant enters before the first batch norm. In training mode a batch of one label is
normalised with that label's statistics, which the conditional model (trained on mixed batches) never saw:
its label signal is partly normalised away (bench/conditional_start.py: class consistency 0.81 in eval mode,
0.68 in training mode on one-label batches, at 120 core-seconds; training the start on one-label batches
instead kept 0.67). So a specialised generator fine-tunes with its batch-norm statistics frozen at the
start's (``train_steps(..., freeze_bn=True)``): at step 0 it computes exactly what the conditional model
computes for its label in eval mode, and its affine parameters still train.
"""
from __future__ import annotations

import torch

__all__ = ["specialize_generator", "specialize_critic"]

G_EMBED, G_LATENT_W, G_LATENT_B = "condition.embed.weight", "project.0.weight", "project.0.bias"
D_EMBED, D_HEAD_W = "head.embed.weight", "head.linear.weight"


def specialize_generator(sd: dict[str, torch.Tensor], label: int, latent_dim: int) -> dict[str, torch.Tensor]:
    """The state dict of label ``label``'s unconditional generator (with a latent bias) from a conditional one."""
    out = {k: v for k, v in sd.items() if k != G_EMBED}
    embed, weight = sd[G_EMBED][label], sd[G_LATENT_W]  # (latent,), (out, 2 x latent)
    out[G_LATENT_W] = weight[:, :latent_dim].clone()
    out[G_LATENT_B] = weight[:, latent_dim:] @ embed + sd.get(G_LATENT_B, torch.zeros(weight.shape[0]))
    return out


def specialize_critic(sd: dict[str, torch.Tensor], label: int) -> dict[str, torch.Tensor]:
    """The state dict of label ``label``'s unconditional critic from a projection critic."""
    out = {k: v for k, v in sd.items() if k != D_EMBED}
    out[D_HEAD_W] = sd[D_HEAD_W] + sd[D_EMBED][label].unsqueeze(0)
    return out
