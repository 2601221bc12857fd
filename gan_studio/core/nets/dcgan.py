"""DCGAN (Radford, Metz & Chintala 2016): transposed convolutions + batch norm, the classic fast baseline.

The paper's architecture: G projects z to a 4×4 map and doubles it with stride-2 transposed convs (BN + ReLU,
tanh at the end); D mirrors it with stride-2 convs (LeakyReLU 0.2, BN except on the first layer), no pooling,
no fully connected hidden layers; weights from N(0, 0.02).

The classic recipes are options of the same nets (dcgan_blocks.py): self-attention at one resolution and
spectral norm on both nets (SAGAN), the critic's normalisation (batch, layer for WGAN-GP, none), and class
conditioning (BigGAN's class-conditional batch norm with one shared embedding in G, Miyato & Koyama's
projection in D). With the defaults the nets and their state-dict keys are the paper's, so older cards load.

For the explorer the generator speaks StyleGen's session interface (``map``, ``synthesize``, ``mapping.w_avg``,
``num_ws``, ``cfg``): its one "w" is z itself, so ψ truncates toward the prior's mean z = 0 (the truncation trick).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import torch
from torch import nn

from .dcgan_blocks import (
    D_NORMS,
    ConditionalBatchNorm2d,
    SelfAttention,
    SharedEmbedding,
    apply_spectral_norm,
    critic_norm,
    raw_weight,
)


@dataclass(frozen=True)
class DCGANConfig:
    resolution: int = 64
    img_channels: int = 4
    z_dim: int = 100
    ngf: int = 64
    ndf: int = 64
    max_mult: int = 8  # channels stop doubling at ngf·8 (the paper's 64 px nets end there)
    attention: int = 0  # SAGAN: a self-attention block on the feature maps of this size in G and D (0: none)
    spectral_norm: bool = False  # SAGAN: spectral norm on every conv of G and D
    d_norm: str = "batch"  # the discriminator's normalisation: batch | layer | none
    classes: tuple[str, ...] = ()  # class-conditional (CGAN) when set: the class names, in label order
    shared_dim: int = 128  # conditional: size of G's shared class embedding (BigGAN's 128)

    def __post_init__(self) -> None:
        if self.resolution < 8 or self.resolution & (self.resolution - 1):
            raise ValueError(f"DCGAN resolution must be a power of two ≥ 8, not {self.resolution}")
        object.__setattr__(self, "classes", tuple(str(c) for c in self.classes))  # a card's JSON list
        if self.attention and self.attention not in [4 * 2 ** i for i in range(self.levels)]:
            sizes = ", ".join(str(4 * 2 ** i) for i in range(self.levels))
            raise ValueError(f"attention at {self.attention} px: a {self.resolution} px DCGAN has feature maps of "
                             f"{sizes} px")
        if self.d_norm not in D_NORMS:
            raise ValueError(f"unknown discriminator norm {self.d_norm!r}; choose one of {', '.join(D_NORMS)}")

    @property
    def num_classes(self) -> int:
        return len(self.classes)

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
            with torch.no_grad():
                raw_weight(m).normal_(0.0, 0.02)
        elif isinstance(m, nn.BatchNorm2d) and m.affine:
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
        self.has_noise = False  # the explorer hides its noise controls
        self.mapping = _Prior(cfg.z_dim)
        self.classes = cfg.classes
        self.class_index = 0  # the class a conditional net draws when none is passed (the explorer's choice)
        ch = cfg.channels(cfg.ngf)
        if cfg.classes:
            self.shared = SharedEmbedding(cfg.num_classes, cfg.shared_dim)

        def norm(c: int) -> nn.Module:
            return ConditionalBatchNorm2d(c, cfg.shared_dim) if cfg.classes else nn.BatchNorm2d(c)

        layers: list[nn.Module] = [nn.ConvTranspose2d(cfg.z_dim, ch[0], 4, 1, 0, bias=False), norm(ch[0]),
                                   nn.ReLU(True)]
        size = 4
        for a, b in zip(ch, ch[1:], strict=False):
            if size == cfg.attention:
                layers.append(SelfAttention(a, cfg.spectral_norm))
            layers += [nn.ConvTranspose2d(a, b, 4, 2, 1, bias=False), norm(b), nn.ReLU(True)]
            size *= 2
        if size == cfg.attention:
            layers.append(SelfAttention(ch[-1], cfg.spectral_norm))
        layers += [nn.ConvTranspose2d(ch[-1], cfg.img_channels, 4, 2, 1, bias=False), nn.Tanh()]
        self.main = nn.Sequential(*layers)
        init_weights(self)
        if cfg.spectral_norm:
            apply_spectral_norm(self.main)

    def forward(self, z: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        """z [N, z_dim] (and, when conditional, class labels y [N]; default: ``class_index``) → image."""
        x = z[:, :, None, None]
        if not self.classes:
            return self.main(x)
        if y is None:
            y = torch.full((len(z),), self.class_index, dtype=torch.long, device=z.device)
        e = self.shared(y)
        for m in self.main:
            x = m(x, e) if isinstance(m, ConditionalBatchNorm2d) else m(x)
        return x

    def set_class(self, cls: int | str) -> int:
        """Choose the class ``synthesize`` draws, by index or name; returns the index."""
        if not self.classes:
            raise ValueError("this DCGAN is not class-conditional")
        idx = self.classes.index(cls) if isinstance(cls, str) and cls in self.classes else cls
        if not isinstance(idx, int) or not 0 <= idx < len(self.classes):
            raise ValueError(f"class {cls!r} is not one of {', '.join(self.classes)}")
        self.class_index = idx
        return idx

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
        self.cfg = cfg
        ch = cfg.channels(cfg.ndf)[::-1]
        layers: list[nn.Module] = [nn.Conv2d(cfg.img_channels, ch[0], 4, 2, 1, bias=False), nn.LeakyReLU(0.2, True)]
        size = cfg.resolution // 2
        for a, b in zip(ch, ch[1:], strict=False):
            if size == cfg.attention:
                layers.append(SelfAttention(a, cfg.spectral_norm))
            layers += [nn.Conv2d(a, b, 4, 2, 1, bias=False), critic_norm(cfg.d_norm, b), nn.LeakyReLU(0.2, True)]
            size //= 2
        if size == cfg.attention:
            layers.append(SelfAttention(ch[-1], cfg.spectral_norm))
        layers += [nn.Conv2d(ch[-1], 1, 4, 1, 0, bias=False)]
        self.main = nn.Sequential(*layers)
        if cfg.classes:  # the projection discriminator's class embedding (Miyato & Koyama 2018)
            self.embed = nn.Embedding(cfg.num_classes, ch[-1])
            nn.init.normal_(self.embed.weight, 0.0, 0.02)
        init_weights(self)
        if cfg.spectral_norm:
            apply_spectral_norm(self.main)
            if cfg.classes:
                self.embed = nn.utils.parametrizations.spectral_norm(self.embed)

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        """Scores [N]: logits for the (non-saturating, hinge) losses, the critic's value for WGAN; a conditional
        net adds the projection ⟨embed(y), φ(x)⟩ of the image's pooled features onto its class."""
        if not self.cfg.classes:
            return self.main(x).flatten()
        if y is None:
            raise ValueError("a class-conditional discriminator needs the labels y")
        h = self.main[:-1](x)
        return self.main[-1](h).flatten() + (self.embed(y) * h.sum((2, 3))).sum(1)
