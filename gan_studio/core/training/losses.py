"""GAN losses of the translation families (pix2pix's vanilla BCE, CycleGAN's least squares)."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def gan_loss(logits: torch.Tensor, real: bool, kind: str = "vanilla") -> torch.Tensor:
    target = torch.ones_like(logits) if real else torch.zeros_like(logits)
    if kind == "lsgan":
        return F.mse_loss(logits, target)
    return F.binary_cross_entropy_with_logits(logits, target)


def adam(params, lr: float) -> torch.optim.Adam:
    """pix2pix/CycleGAN's optimiser: Adam(β1=0.5, β2=0.999)."""
    return torch.optim.Adam(params, lr=lr, betas=(0.5, 0.999))
