"""DCGAN (Radford, Metz & Chintala 2016): transposed convolutions + batch norm, the classic fast baseline.

The paper's architecture: G projects z to a 4×4 map and doubles it with stride-2 transposed convs (BN + ReLU,
tanh at the end); D mirrors it with stride-2 convs (LeakyReLU 0.2, BN except on the first layer), no pooling,
no fully connected hidden layers; weights from N(0, 0.02).

For the explorer the generator speaks StyleGen's session interface (``map``, ``synthesize``, ``mapping.w_avg``,
``num_ws``, ``cfg``): its one "w" is z itself, so ψ truncates toward the prior's mean z = 0 (the truncation trick).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import torch
from torch import nn


@dataclass(frozen=True)
class DCGANConfig:
    resolution: int = 64
    img_channels: int = 4
    z_dim: int = 100
    ngf: int = 64
    ndf: int = 64
    max_mult: int = 8  # channels stop doubling at ngf·8 (the paper's 64 px nets end there)

    def __post_init__(self) -> None:
        if self.resolution < 8 or self.resolution & (self.resolution - 1):
            raise ValueError(f"DCGAN resolution must be a power of two ≥ 8, not {self.resolution}")

    @property
    def w_dim(self) -> int:
        return self.z_dim

    @property
    def levels(self) -> int:
        """Stride-2 steps between 4×4 and the image."""
        return int(math.log2(self.resolution)) - 2

    def channels(self, base: int) -> list[int]:
        """Channels from the 4×4 map up to the last feature map before the image."""
        return [base * min(self.max_mult, 2 ** (self.levels - 1 - i)) for i in range(self.levels)]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> DCGANConfig:
        return cls(**{k: v for k, v in d.items() if k in cls.__dataclass_fields__})


def init_weights(module: nn.Module) -> nn.Module:
    """The paper's initialisation: conv weights N(0, 0.02), BN γ N(1, 0.02), β 0."""
    for m in module.modules():
        if isinstance(m, nn.Conv2d | nn.ConvTranspose2d):
            nn.init.normal_(m.weight, 0.0, 0.02)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)
    return module


class _Prior(nn.Module):
    """Stands where StyleGen has its mapping: z is the latent, its average is the prior's mean, 0."""

    def __init__(self, z_dim: int) -> None:
        super().__init__()
        self.register_buffer("w_avg", torch.zeros(z_dim))


class DCGANGenerator(nn.Module):
    def __init__(self, cfg: DCGANConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.num_ws = 1
        self.mapping = _Prior(cfg.z_dim)
        ch = cfg.channels(cfg.ngf)
        layers: list[nn.Module] = [nn.ConvTranspose2d(cfg.z_dim, ch[0], 4, 1, 0, bias=False), nn.BatchNorm2d(ch[0]),
                                   nn.ReLU(True)]
        for a, b in zip(ch, ch[1:], strict=False):
            layers += [nn.ConvTranspose2d(a, b, 4, 2, 1, bias=False), nn.BatchNorm2d(b), nn.ReLU(True)]
        layers += [nn.ConvTranspose2d(ch[-1], cfg.img_channels, 4, 2, 1, bias=False), nn.Tanh()]
        self.main = nn.Sequential(*layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.main(z[:, :, None, None])

    def map(self, z: torch.Tensor, psi: float = 1.0) -> torch.Tensor:
        """z [N, z_dim] → "ws" [N, 1, z_dim], truncated toward 0 when ψ < 1."""
        return (z * psi).unsqueeze(1)

    def synthesize(self, ws: torch.Tensor, noise_mode: str = "const", noise_strength: float = 1.0,
                   memory_format: torch.memory_format = torch.contiguous_format) -> torch.Tensor:
        """ws [N, 1, z_dim] → image in [−1, 1]; DCGAN has no noise inputs, so the noise settings do nothing."""
        if ws.shape[1] != 1:
            raise ValueError(f"ws has {ws.shape[1]} layers; a DCGAN has one")
        return self(ws[:, 0])


class DCGANDiscriminator(nn.Module):
    def __init__(self, cfg: DCGANConfig) -> None:
        super().__init__()
        ch = cfg.channels(cfg.ndf)[::-1]
        layers: list[nn.Module] = [nn.Conv2d(cfg.img_channels, ch[0], 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True)]
        for a, b in zip(ch, ch[1:], strict=False):
            layers += [nn.Conv2d(a, b, 4, 2, 1, bias=False), nn.BatchNorm2d(b), nn.LeakyReLU(0.2, True)]
        layers += [nn.Conv2d(ch[-1], 1, 4, 1, 0, bias=False)]
        self.main = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits [N] (the loss applies the sigmoid)."""
        return self.main(x).flatten()
