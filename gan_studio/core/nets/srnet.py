"""×4 super-resolution generator (ESRGAN-style: residual blocks without norm, pixel-shuffle upsampling,
a global bicubic skip so the net only learns the missing detail)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass(frozen=True)
class SRConfig:
    channels: int = 4
    width: int = 48
    n_blocks: int = 8
    scale: int = 4

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> SRConfig:
        return cls(**{k: v for k, v in d.items() if k in cls.__dataclass_fields__})


class ResBlock(nn.Module):
    def __init__(self, ch: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(ch, ch, 3, 1, 1)
        self.conv2 = nn.Conv2d(ch, ch, 3, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + 0.2 * self.conv2(F.leaky_relu(self.conv1(x), 0.2))


class SRNet(nn.Module):
    def __init__(self, cfg: SRConfig) -> None:
        super().__init__()
        if cfg.scale not in (2, 4):
            raise ValueError("scale must be 2 or 4")
        self.cfg = cfg
        w = cfg.width
        self.head = nn.Conv2d(cfg.channels, w, 3, 1, 1)
        self.body = nn.Sequential(*[ResBlock(w) for _ in range(cfg.n_blocks)])
        self.body_out = nn.Conv2d(w, w, 3, 1, 1)
        self.ups = nn.ModuleList([nn.Conv2d(w, w * 4, 3, 1, 1) for _ in range(cfg.scale // 2)])
        self.tail = nn.Sequential(nn.Conv2d(w, w, 3, 1, 1), nn.LeakyReLU(0.2, True),
                                  nn.Conv2d(w, cfg.channels, 3, 1, 1))

    @property
    def multiple(self) -> int:
        return 1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        base = F.interpolate(x, scale_factor=self.cfg.scale, mode="bicubic", align_corners=False)
        h = self.head(x)
        h = h + self.body_out(self.body(h))
        for up in self.ups:
            h = F.leaky_relu(F.pixel_shuffle(up(h), 2), 0.2)
        return base + self.tail(h)
