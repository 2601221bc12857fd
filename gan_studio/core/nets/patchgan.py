"""PatchGAN discriminator (pix2pix/CycleGAN ``NLayerDiscriminator``, same layer layout and keys)."""

from __future__ import annotations

import torch
from torch import nn

from .norms import make_norm


class PatchDiscriminator(nn.Module):
    """Classifies overlapping patches (70×70 receptive field with 3 layers) as real or fake."""

    def __init__(self, in_channels: int, ndf: int = 64, n_layers: int = 3, norm: str = "batch") -> None:
        super().__init__()
        bias = norm != "batch"
        layers: list[nn.Module] = [nn.Conv2d(in_channels, ndf, 4, 2, 1), nn.LeakyReLU(0.2, True)]
        mult = 1
        for n in range(1, n_layers + 1):
            prev, mult = mult, min(2**n, 8)
            stride = 2 if n < n_layers else 1
            layers += [nn.Conv2d(ndf * prev, ndf * mult, 4, stride, 1, bias=bias), make_norm(norm, ndf * mult),
                       nn.LeakyReLU(0.2, True)]
        layers += [nn.Conv2d(ndf * mult, 1, 4, 1, 1)]
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)


def patch_layers(side: int, most: int = 3) -> int:
    """The deepest PatchGAN (up to ``most`` layers) whose last normalised layer still sees 2×2 or more on a
    ``side``-px image: 3 from 24 px up, so a small run (16 px) trains instead of failing in instance norm."""
    n = most
    while n > 1 and side < 3 * 2**n:
        n -= 1
    return n


def init_weights(net: nn.Module, gain: float = 0.02) -> nn.Module:
    """pix2pix/CycleGAN's ``normal`` init: N(0, 0.02) convs, N(1, 0.02) norm scales, zero biases."""
    for m in net.modules():
        if isinstance(m, nn.Conv2d | nn.ConvTranspose2d):
            nn.init.normal_(m.weight, 0.0, gain)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, gain)
            nn.init.zeros_(m.bias)
    return net
