"""GAN losses shared across families: pix2pix's vanilla BCE, CycleGAN's least squares, mode seeking, layout L1."""

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


def mode_seeking(fake: torch.Tensor, z: torch.Tensor, target: float) -> torch.Tensor:
    """Mode seeking (MSGAN, Mao et al. 2019) in DSGAN's bounded form, for a batch whose second half repeats
    the first half's conditions with other z: push each pair apart until mean |G(z1,c) − G(z2,c)| /
    mean |z1 − z2| reaches ``target``, then stop, so a caption with one right answer is not forced to vary
    without end."""
    h = fake.shape[0] // 2
    lz = (fake[:h] - fake[h:2 * h]).abs().mean() / (z[:h] - z[h:2 * h]).abs().mean()
    return F.relu(target - lz)


def layout_l1(fake: torch.Tensor, real: torch.Tensor, cells: int = 8) -> torch.Tensor:
    """L1 between ``cells``×``cells`` averages: a regression signal for colour and placement that leaves all
    detail finer than a cell to the adversarial loss."""
    k = max(1, fake.shape[-1] // cells)
    return (F.avg_pool2d(fake, k) - F.avg_pool2d(real, k)).abs().mean()


def colour_l1(fake: torch.Tensor, real: torch.Tensor, cells: int = 8, eps: float = 0.05) -> torch.Tensor:
    """L1 between the alpha-weighted mean RGB of each of ``cells``×``cells`` cells of two RGBA batches in
    -1…1, weighted by the real image's coverage of the cell: a weak, low-frequency colour signal from a known
    pair that leaves the drawing (its alpha and every detail finer than a cell) to the other losses."""
    k = max(1, fake.shape[-1] // cells)

    def cell_colour(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = (x + 1) * 0.5
        a = x[:, 3:4].clamp(0, 1)
        cover = F.avg_pool2d(a, k)
        return F.avg_pool2d(x[:, :3] * a, k) / (cover + eps), cover

    c_fake, _ = cell_colour(fake)
    c_real, w = cell_colour(real)
    w = w.detach()
    return (w * (c_fake - c_real).abs()).sum() / (3 * w.sum() + 1e-6)
