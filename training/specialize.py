"""A conditional start specialised to one label: the weights of a per-label generator and critic that compute,
for every z and image, exactly what the conditional pair computes for that label ("shared start, per-label
finish").

- Generator: the label enters as an embedding concatenated to z before the first (latent) layer, so
  ``W [z; e_y] + b = W_z z + (W_e e_y + b)``: the per-label net keeps ``W_z`` and takes ``W_e e_y + b`` as that
  layer's bias (``NetConfig.latent_bias``). Everything after it is shared as it is.
- Critic (projection discriminator, Miyato & Koyama 2018): ``w.h + b + e_y.h = (w + e_y).h + b``: the label's
  projection is folded into the head's weight.

Batch norm: the conditional start is trained on one-label batches (``train_steps(..., one_label_batches=True)``),
so a specialised generator fine-tuning in training mode on its own label's batches sees the statistics the
start learned with; the per-label constant before the first batch norm is not normalised away into another
distribution.
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
