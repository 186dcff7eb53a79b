"""Label conditioning shared by the families: embedding concatenated to z in the generator, projection
in the critic (Miyato & Koyama 2018). With ``num_classes == 0`` both are the identity."""
from __future__ import annotations

import torch
from torch import nn

from ..errors import InvalidRequest

__all__ = ["LatentConditioning", "ProjectionHead", "PROJECTION_INIT"]

# How the critic's label projection starts; benchmarks record it, since runs before 2026-12-04 had torch's N(0, 1).
PROJECTION_INIT = "glorot"


class LatentConditioning(nn.Module):
    def __init__(self, num_classes: int, latent_dim: int) -> None:
        super().__init__()
        self.num_classes = num_classes
        self.embed = nn.Embedding(num_classes, latent_dim) if num_classes else None
        self.out_dim = latent_dim * (2 if num_classes else 1)

    def forward(self, z: torch.Tensor, y: torch.Tensor | None) -> torch.Tensor:  # (B, L) -> (B, L or 2L)
        if self.embed is None:
            return z
        if y is None:
            raise InvalidRequest("a conditional generator needs the labels y (B,) to generate")
        return torch.cat([z, self.embed(y)], dim=1)


class ProjectionHead(nn.Module):
    def __init__(self, num_classes: int, features: int) -> None:
        super().__init__()
        self.linear = nn.Linear(features, 1)
        self.embed = nn.Embedding(num_classes, features) if num_classes else None
        if self.embed is not None:
            # Glorot, as Miyato & Koyama's own code: the embedding's default N(0, 1) makes the projection term
            # sqrt(features) times the linear one at init (350x on the small DC-GAN critic, input gradient norm 56
            # with layer norm), so the penalty starts near 10 x 56^2 and the first steps go to undoing the init.
            nn.init.xavier_uniform_(self.embed.weight)

    def forward(self, h: torch.Tensor, y: torch.Tensor | None) -> torch.Tensor:  # (B, F) -> (B,)
        out = self.linear(h).squeeze(1)
        if self.embed is not None:
            if y is None:
                raise InvalidRequest("a conditional critic needs the labels y (B,)")
            out = out + (self.embed(y) * h).sum(dim=1)
        return out
