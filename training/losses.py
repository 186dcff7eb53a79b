"""The two adversarial losses a per-label generator can be trained with.

- ``wgan-gp`` (Gulrajani et al. 2017): the critic maximises E[D(real)] - E[D(fake)] under a gradient
  penalty; the generator minimises -E[D(fake)]. The method of the paper this zoo follows.
- ``dcgan`` (Goodfellow et al. 2014, non-saturating form; Radford et al. 2016 nets): the discriminator
  minimises the logistic loss softplus(-D(real)) + softplus(D(fake)); the generator minimises
  softplus(-D(fake)). The paper's baseline (its authors' earlier parallel DC-GAN work).

D returns raw scores (logits for ``dcgan``); every loss is computed in fp32.
"""
from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

__all__ = ["critic_loss", "generator_loss", "gradient_penalty"]


def gradient_penalty(D: Callable[..., torch.Tensor], real: torch.Tensor, fake: torch.Tensor, eps: torch.Tensor,
                     y: torch.Tensor | None = None) -> torch.Tensor:
    """E[(||grad D(x_hat)|| - 1)^2] on random interpolates x_hat of real and fake images (of labels y)."""
    x_hat = torch.lerp(fake, real, eps).requires_grad_(True)  # (B, C, H, W)
    (grad,) = torch.autograd.grad(D(x_hat, y).float().sum(), x_hat, create_graph=True)
    return (grad.float().flatten(1).norm(dim=1) - 1).pow(2).mean()  # in fp32 even under bf16 autocast


def critic_loss(loss: str, D: Callable[..., torch.Tensor], real: torch.Tensor, fake: torch.Tensor, y: torch.Tensor | None,
                eps: torch.Tensor, gp_weight: float) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """The critic's (discriminator's) loss on one batch, and what to log of it."""
    B = real.shape[0]
    if loss == "wgan-gp":
        # One pass over real and fake together: the critic has no batch statistics, so this equals two
        # passes and costs less per image.
        scores = D(torch.cat([real, fake]), None if y is None else torch.cat([y, y])).float()  # (2B,)
        w_dist = scores[:B].mean() - scores[B:].mean()
        if gp_weight == 0:  # a step without the penalty (lazy regularisation): nothing to log for it
            return -w_dist, {"wasserstein": w_dist}
        gp = gradient_penalty(D, real, fake, eps, y)
        return gp_weight * gp - w_dist, {"wasserstein": w_dist, "gp": gp}
    if loss == "dcgan":
        # Separate passes: with batch norm, real and fake batches keep their own statistics (as in DCGAN).
        s_real, s_fake = D(real, y).float(), D(fake, y).float()
        loss_d = F.softplus(-s_real).mean() + F.softplus(s_fake).mean()
        return loss_d, {"loss_d": loss_d, "d_real": torch.sigmoid(s_real).mean(), "d_fake": torch.sigmoid(s_fake).mean()}
    raise ValueError(f"unknown loss {loss!r}")


def generator_loss(loss: str, scores: torch.Tensor) -> torch.Tensor:
    """The generator's loss given the critic's scores (B,) of its fakes."""
    scores = scores.float()
    if loss == "wgan-gp":
        return -scores.mean()
    if loss == "dcgan":
        return F.softplus(-scores).mean()  # non-saturating: -log sigmoid(D(G(z)))
    raise ValueError(f"unknown loss {loss!r}")
