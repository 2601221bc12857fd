"""CycleGAN ResNet generator, with the flat ``model.N`` layout of pytorch-CycleGAN-and-pix2pix (§3)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
from torch import nn

from .norms import make_norm


@dataclass(frozen=True)
class ResnetConfig:
    in_channels: int = 3
    out_channels: int = 3
    ngf: int = 64
    n_blocks: int = 9
    norm: str = "instance"
    dropout: bool = False
    conv_bias: bool | None = None  # None: the reference rule, a bias unless the norm is batch norm

    @property
    def bias(self) -> bool:
        return self.norm != "batch" if self.conv_bias is None else self.conv_bias

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> ResnetConfig:
        return cls(**{k: v for k, v in d.items() if k in cls.__dataclass_fields__})


class ResnetBlock(nn.Module):
    def __init__(self, ch: int, norm: str, dropout: bool, bias: bool) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.ReflectionPad2d(1), nn.Conv2d(ch, ch, 3, bias=bias), make_norm(norm, ch),
                                   nn.ReLU(True)]
        if dropout:
            layers.append(nn.Dropout(0.5))
        layers += [nn.ReflectionPad2d(1), nn.Conv2d(ch, ch, 3, bias=bias), make_norm(norm, ch)]
        self.conv_block = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv_block(x)


class ResnetGenerator(nn.Module):
    def __init__(self, cfg: ResnetConfig) -> None:
        super().__init__()
        self.cfg = cfg
        g, bias = cfg.ngf, cfg.bias
        layers: list[nn.Module] = [nn.ReflectionPad2d(3), nn.Conv2d(cfg.in_channels, g, 7, bias=bias),
                                   make_norm(cfg.norm, g), nn.ReLU(True)]
        for i in range(2):
            m = 2**i
            layers += [nn.Conv2d(g * m, g * m * 2, 3, 2, 1, bias=bias), make_norm(cfg.norm, g * m * 2),
                       nn.ReLU(True)]
        layers += [ResnetBlock(g * 4, cfg.norm, cfg.dropout, bias) for _ in range(cfg.n_blocks)]
        for i in range(2):
            m = 2 ** (2 - i)
            layers += [nn.ConvTranspose2d(g * m, g * m // 2, 3, 2, 1, output_padding=1, bias=bias),
                       make_norm(cfg.norm, g * m // 2), nn.ReLU(True)]
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(g, cfg.out_channels, 7), nn.Tanh()]
        self.model = nn.Sequential(*layers)

    @property
    def multiple(self) -> int:
        return 4

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model(x)
