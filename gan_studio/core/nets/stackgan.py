"""StackGAN Stage II: a refiner that turns Stage I's 64 px image into 128 px, conditioned on the text again.

Stage I (a conditional StyleGen) settles layout and colour; Stage II sees that image and the sentence,
encodes to features at the low resolution, joins the sentence code spatially, refines with residual
blocks, upsamples and adds detail to a bilinear ×2 of the input (so an untrained refiner is a clean
upsampler, and training only has to learn the residual).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass(frozen=True)
class RefinerConfig:
    img_channels: int = 4
    c_dim: int = 384
    cond_dim: int = 64
    ch: int = 96
    n_res: int = 3

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> RefinerConfig:
        return cls(**{k: v for k, v in d.items() if k in cls.__dataclass_fields__})


class ResBlock(nn.Module):
    def __init__(self, ch: int) -> None:
        super().__init__()
        self.conv0 = nn.Conv2d(ch, ch, 3, padding=1)
        self.conv1 = nn.Conv2d(ch, ch, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv1(F.leaky_relu(self.conv0(F.leaky_relu(x, 0.2)), 0.2)) * 0.5


class Refiner(nn.Module):
    def __init__(self, cfg: RefinerConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.cond = nn.Linear(cfg.c_dim, cfg.cond_dim)
        self.enc = nn.Conv2d(cfg.img_channels, cfg.ch, 3, padding=1)
        self.joint = nn.Conv2d(cfg.ch + cfg.cond_dim, cfg.ch, 3, padding=1)
        self.res = nn.Sequential(*[ResBlock(cfg.ch) for _ in range(cfg.n_res)])
        self.up = nn.Conv2d(cfg.ch, cfg.ch // 2, 3, padding=1)
        self.out = nn.Conv2d(cfg.ch // 2, cfg.img_channels, 3, padding=1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, img: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        """img [N, C, h, w] in [−1, 1] and sentence embeddings [N, c_dim] → [N, C, 2h, 2w]."""
        h = F.leaky_relu(self.enc(img), 0.2)
        code = F.leaky_relu(self.cond(c), 0.2)[:, :, None, None].expand(-1, -1, *h.shape[2:])
        h = F.leaky_relu(self.joint(torch.cat([h, code], dim=1)), 0.2)
        h = self.res(h)
        h = F.interpolate(h, scale_factor=2, mode="nearest")
        h = F.leaky_relu(self.up(h), 0.2)
        base = F.interpolate(img, scale_factor=2, mode="bilinear", align_corners=False)
        return base + self.out(h)
