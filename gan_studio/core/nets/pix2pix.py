"""pix2pix U-Net generator, with the nested layout and key names of pytorch-CycleGAN-and-pix2pix.

(checkpoint-formats.md §3: ``model.model.1.model.3…``; 4×4 stride-2 convs; skip concatenation.)
Dropout in the three innermost-but-one blocks is pix2pix's only noise source, so a seeded dropout mask
gives the sketch pad its "variation" control.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn

from .norms import make_norm


@dataclass(frozen=True)
class UnetConfig:
    in_channels: int = 1
    out_channels: int = 4
    num_downs: int = 7  # unet_128; 8 = unet_256
    ngf: int = 64
    max_mult: int = 8
    norm: str = "batch"
    dropout: bool = True
    conv_bias: bool | None = None  # None: the reference rule, a bias unless the norm is batch norm

    @property
    def bias(self) -> bool:
        return self.norm != "batch" if self.conv_bias is None else self.conv_bias

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> UnetConfig:
        return cls(**{k: v for k, v in d.items() if k in cls.__dataclass_fields__})


class UnetBlock(nn.Module):
    """One level of the U: down, the inner levels, up, then concatenate the skip (except outermost)."""

    def __init__(self, outer: int, inner: int, in_ch: int | None = None, sub: nn.Module | None = None,
                 outermost: bool = False, innermost: bool = False, norm: str = "batch",
                 dropout: bool = False, bias: bool | None = None) -> None:
        super().__init__()
        self.outermost = outermost
        bias = norm != "batch" if bias is None else bias
        in_ch = outer if in_ch is None else in_ch
        down = nn.Conv2d(in_ch, inner, 4, 2, 1, bias=bias)
        if outermost:
            up = nn.ConvTranspose2d(inner * 2, outer, 4, 2, 1)
            layers = [down, sub, nn.ReLU(True), up, nn.Tanh()]
        elif innermost:
            up = nn.ConvTranspose2d(inner, outer, 4, 2, 1, bias=bias)
            layers = [nn.LeakyReLU(0.2, True), down, nn.ReLU(True), up, make_norm(norm, outer)]
        else:
            up = nn.ConvTranspose2d(inner * 2, outer, 4, 2, 1, bias=bias)
            layers = [nn.LeakyReLU(0.2, True), down, make_norm(norm, inner), sub, nn.ReLU(True), up,
                      make_norm(norm, outer)]
            if dropout:
                layers.append(nn.Dropout(0.5))
        self.model = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.outermost:
            return self.model(x)
        return torch.cat([x, self.model(x)], 1)


class UnetGenerator(nn.Module):
    def __init__(self, cfg: UnetConfig) -> None:
        super().__init__()
        self.cfg = cfg
        g, m = cfg.ngf, cfg.max_mult
        bias = cfg.bias
        block = UnetBlock(g * m, g * m, innermost=True, norm=cfg.norm, bias=bias)
        for _ in range(cfg.num_downs - 5):
            block = UnetBlock(g * m, g * m, sub=block, norm=cfg.norm, dropout=cfg.dropout, bias=bias)
        for a, b in ((4, 8), (2, 4), (1, 2)):
            block = UnetBlock(g * min(a, m), g * min(b, m), sub=block, norm=cfg.norm, bias=bias)
        self.model = UnetBlock(cfg.out_channels, g, in_ch=cfg.in_channels, sub=block, outermost=True,
                               norm=cfg.norm, bias=bias)

    @property
    def multiple(self) -> int:
        """Input sides must be a multiple of this."""
        return 2**self.cfg.num_downs

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)
