"""``dcgan`` (Goodfellow et al. 2014, non-saturating form; Radford et al. 2016 nets): the discriminator
minimises softplus(-D(real)) + softplus(D(fake)); the generator minimises softplus(-D(fake)). The paper's
baseline (its authors' earlier parallel DC-GAN work). D returns logits; computed in fp32.

Its recipe is that of the paper authors' parallel DC-GAN code (Lupo Pasini, Gabbi, Yin, Perotto, Laanait
2021): Adam 1e-4 with betas (0.5, 0.999), batch 100, one discriminator step per generator step, batch norm in
the discriminator, and no warm start (the paper's baseline trains every label from scratch)."""
from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from . import Loss, Penalty, register


def critic_loss(D: Callable[..., torch.Tensor], real: torch.Tensor, fake: torch.Tensor, y: torch.Tensor | None,
                eps: torch.Tensor, penalty: Penalty) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    # Separate passes: with batch norm, real and fake batches keep their own statistics (as in DCGAN).
    s_real, s_fake = D(real, y).float(), D(fake, y).float()
    loss_d = F.softplus(-s_real).mean() + F.softplus(s_fake).mean()
    return loss_d, {"loss_d": loss_d, "d_real": torch.sigmoid(s_real).mean(), "d_fake": torch.sigmoid(s_fake).mean()}


def generator_loss(scores: torch.Tensor) -> torch.Tensor:
    return F.softplus(-scores.float()).mean()  # non-saturating: -log sigmoid(D(G(z)))


register(Loss("dcgan", "the paper's baseline, non-saturating logistic loss with its own recipe defaults",
              critic_loss, generator_loss,
              stats=(("loss_d", "discriminator loss"), ("loss_g", "generator loss (non-saturating)"),
                     ("d_real", "D(real): mean probability")),
              recipe={"lr": 1e-4, "betas": (0.5, 0.999), "batch_size": 100, "n_critic": 1, "warm_start": 0.0},
              critic_norms=("batch", "none", "layer"), auto_critic_norm="batch", conditional=False))
