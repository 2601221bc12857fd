"""CoGAN (Liu & Tuzel 2016): two GANs that share weights draw a pair of images, one per domain, from one latent.

The generators share their first layers (the ones that decide what is drawn) and keep their own last ones (how
it is rendered in each domain); the discriminators share their last layers and keep their own first ones. No
pair of images is ever shown: from two unpaired folders (colour emoji and Symbola line drawings), the shared
weights alone make the two images of one z show the same thing. The layers are DCGAN's (nets/dcgan.py).

For the explorer the pair generator speaks StyleGen's session interface like DCGAN (``map``, ``synthesize``,
``mapping.w_avg``, ``num_ws`` = 1): ``synthesize`` draws the two images side by side with a thin empty gap, so
every panel that shows, walks or exports a seed shows, walks and exports both.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import torch
from torch import nn

from .dcgan import _Prior, init_weights


@dataclass(frozen=True)
class CoGANConfig:
    resolution: int = 64
    img_channels: int = 4
    z_dim: int = 100
    ngf: int = 64
    ndf: int = 64
    max_mult: int = 8
    own_layers: int = 1  # upsampling blocks each generator keeps for itself (and downsampling blocks each D keeps)
    domains: tuple[str, str] = ("A", "B")

    def __post_init__(self) -> None:
        if self.resolution < 16 or self.resolution & (self.resolution - 1):
            raise ValueError(f"CoGAN resolution must be a power of two ≥ 16, not {self.resolution}")
        if not 0 <= self.own_layers < self.levels:
            raise ValueError(f"own_layers must be 0–{self.levels - 1} at {self.resolution} px, not {self.own_layers}")
        domains = tuple(str(d) for d in self.domains)
        if len(domains) != 2 or domains[0] == domains[1]:
            raise ValueError(f"a CoGAN has two differently named domains, not {list(self.domains)}")
        object.__setattr__(self, "domains", domains)

    @property
    def w_dim(self) -> int:
        return self.z_dim

    @property
    def levels(self) -> int:
        return int(math.log2(self.resolution)) - 2

    @property
    def gap(self) -> int:
        """Empty pixels between the two images of a pair."""
        return max(2, self.resolution // 16)

    def channels(self, base: int) -> list[int]:
        return [base * min(self.max_mult, 2 ** (self.levels - 1 - i)) for i in range(self.levels)]

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["domains"] = list(self.domains)
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> CoGANConfig:
        return cls(**{k: v for k, v in d.items() if k in cls.__dataclass_fields__})


def _up(a: int, b: int) -> list[nn.Module]:
    return [nn.ConvTranspose2d(a, b, 4, 2, 1, bias=False), nn.BatchNorm2d(b), nn.ReLU(True)]


class CoGANGenerator(nn.Module):
    def __init__(self, cfg: CoGANConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.num_ws = 1
        self.has_noise = False  # the explorer hides its noise controls
        self.mapping = _Prior(cfg.z_dim)
        self.domains = cfg.domains
        ch = cfg.channels(cfg.ngf)
        cut = len(ch) - cfg.own_layers  # blocks before ``cut`` are shared
        shared: list[nn.Module] = [nn.ConvTranspose2d(cfg.z_dim, ch[0], 4, 1, 0, bias=False), nn.BatchNorm2d(ch[0]),
                                   nn.ReLU(True)]
        for a, b in zip(ch[:cut - 1], ch[1:cut], strict=True):
            shared += _up(a, b)
        self.shared = nn.Sequential(*shared)

        def head() -> nn.Sequential:
            own: list[nn.Module] = []
            for a, b in zip(ch[cut - 1:-1], ch[cut:], strict=True):
                own += _up(a, b)
            return nn.Sequential(*own, nn.ConvTranspose2d(ch[-1], cfg.img_channels, 4, 2, 1, bias=False), nn.Tanh())

        self.heads = nn.ModuleList([head(), head()])
        init_weights(self)

    def forward(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """z [N, z_dim] → the pair (domain A images, domain B images), each [N, C, res, res] in [−1, 1]."""
        h = self.shared(z[:, :, None, None])
        return self.heads[0](h), self.heads[1](h)

    def map(self, z: torch.Tensor, psi: float = 1.0) -> torch.Tensor:
        """z → "ws" [N, 1, z_dim], truncated toward the prior's mean 0 when ψ < 1 (as DCGAN)."""
        return (z * psi).unsqueeze(1)

    def side_by_side(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        """The pair as one image [N, C, res, 2·res + gap]: transparent (RGBA) or white between them."""
        fill = -1.0 if self.cfg.img_channels == 4 else 1.0
        gap = torch.full((*a.shape[:3], self.cfg.gap), fill, dtype=a.dtype, device=a.device)
        return torch.cat([a, gap, b], dim=3)

    def synthesize(self, ws: torch.Tensor, noise_mode: str = "const", noise_strength: float = 1.0,
                   memory_format: torch.memory_format = torch.contiguous_format) -> torch.Tensor:
        """ws [N, 1, z_dim] → both images side by side; CoGAN has no noise inputs."""
        if ws.shape[1] != 1:
            raise ValueError(f"ws has {ws.shape[1]} layers; a CoGAN has one")
        return self.side_by_side(*self(ws[:, 0]))


def _down(a: int, b: int) -> list[nn.Module]:
    return [nn.Conv2d(a, b, 4, 2, 1, bias=False), nn.BatchNorm2d(b), nn.LeakyReLU(0.2, True)]


class CoGANDiscriminator(nn.Module):
    """Two critics that keep their first ``own_layers + 1`` blocks and share the rest (the mirror of G)."""

    def __init__(self, cfg: CoGANConfig) -> None:
        super().__init__()
        self.cfg = cfg
        ch = cfg.channels(cfg.ndf)[::-1]
        own_n = cfg.own_layers + 1  # the first conv (no batch norm, as DCGAN) plus own_layers blocks

        def head() -> nn.Sequential:
            own: list[nn.Module] = [nn.Conv2d(cfg.img_channels, ch[0], 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True)]
            for a, b in zip(ch[:own_n - 1], ch[1:own_n], strict=True):
                own += _down(a, b)
            return nn.Sequential(*own)

        self.heads = nn.ModuleList([head(), head()])
        shared: list[nn.Module] = []
        for a, b in zip(ch[own_n - 1:-1], ch[own_n:], strict=True):
            shared += _down(a, b)
        self.shared = nn.Sequential(*shared, nn.Conv2d(ch[-1], 1, 4, 1, 0, bias=False))
        init_weights(self)

    def forward(self, x: torch.Tensor, domain: int) -> torch.Tensor:
        """Logits [N] that ``x`` is a real image of domain 0 or 1."""
        return self.shared(self.heads[domain](x)).flatten()
