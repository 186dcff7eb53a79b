"""A conditional start specialised to one label: the weights of a per-label generator and critic that compute,
for every z and image, exactly what the conditional pair computes for that label ("shared start, per-label
finish").

- Generator: the label enters as an embedding concatenated to z before the first (latent) layer, so
  ``W [z; e_y] + b = W_z z + (W_e e_y + b)``: the per-label net keeps ``W_z`` and takes ``W_e e_y + b`` as that
  layer's bias (``NetConfig.latent_bias``). Everything after it is shared as it is.
- Critic (projection discriminator, Miyato & Koyama 2018): ``w.h + b + e_y.h = (w + e_y).h + b``: the label's
  projection is folded into the head's weight.

Batch norm: the label's constant enters before the first batch norm, and a batch of one label has other
statistics than the mixed batches the conditional model learned from. In training mode (as a label fine-tunes)
batch norm subtracts that batch's mean, so the label's constant is normalised away (bench/conditional_start.py:
class consistency 0.81 in eval mode, 0.68 in training mode on one-label batches, at 120 core-seconds; training
the start on one-label batches instead kept 0.67). ``calibrate_batch_norm`` moves each batch norm's view of its
label into its affine parameters, as class-conditional batch norm (BigGAN) holds a per-label gain and bias:
with the label's own statistics ``m, v`` at a layer, ``gamma (x - mu) / s + beta`` becomes
``gamma' (x - m) / sqrt(v + eps) + beta'`` with ``gamma' = gamma sqrt(v + eps) / s`` and
``beta' = beta + gamma (m - mu) / s``. A batch of the label normalised by its own statistics then gives what the
conditional model gives in eval mode, and the label fine-tunes in plain training mode.
"""
from __future__ import annotations

import torch
from torch import nn

__all__ = ["specialize_generator", "specialize_critic", "calibrate_batch_norm"]

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


@torch.no_grad()
def calibrate_batch_norm(net: nn.Module, inputs: torch.Tensor) -> int:
    """Re-express every batch norm of ``net`` for the statistics its input has when ``net`` (in eval mode) runs on
    ``inputs`` (a label's latents, or its real images for a critic): afterwards ``net`` computes what it computed
    in eval mode, both in eval mode and in training mode on a batch with those statistics. Returns how many
    layers changed (0: no batch norm)."""
    norms = {name: m for name, m in net.named_modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)}
    seen: dict[str, tuple[torch.Tensor, torch.Tensor]] = {}

    def recorder(name: str):
        def record(_module: nn.Module, args: tuple[torch.Tensor, ...]) -> None:
            x = args[0].float()
            dims = [d for d in range(x.dim()) if d != 1]
            seen[name] = (x.mean(dims), x.var(dims, unbiased=False))  # what training mode normalises with
        return record

    handles = [m.register_forward_pre_hook(recorder(name)) for name, m in norms.items()]
    was_training = net.training
    try:
        net.eval()
        net(inputs)  # every layer's statistics from one pass of the unchanged net
    finally:
        for h in handles:
            h.remove()
        net.train(was_training)
    for name, m in norms.items():
        mean, var = seen[name]
        scale = m.weight * torch.rsqrt(m.running_var + m.eps)
        m.bias.add_(scale * (mean - m.running_mean))
        m.weight.copy_(scale * torch.sqrt(var + m.eps))
        m.running_mean.copy_(mean)
        m.running_var.copy_(var)
    return len(norms)
