"""Conditional StyleGen: a condition vector enters the mapping network and the discriminator's projection.

The generator is StyleGAN2-ADA's conditional design: w = MLP(norm(z) ‖ norm(embed(c))), so a condition
(an age embedding, labels, or a sentence embedding after conditioning augmentation) moves w while z keeps
what it always kept — for the age slider, the identity. The discriminator is projection-conditioned
(score = ⟨features, cmap(c)⟩ / √d), which also lets a matching-aware loss count a real image paired with
the wrong condition as fake. Synthesis is StyleGen's unchanged, so sessions, mixing and projection reuse it.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
from torch import nn

from .layers import EqualLinear
from .stylegen import Discriminator, Generator, StyleGenConfig, normalize_2nd_moment, truncate


@dataclass(frozen=True)
class ConditionConfig:
    """How a raw condition vector (``c_dim`` values) enters the nets; stored in the card."""

    c_dim: int
    embed_dim: int = 256
    ca_dim: int = 0  # > 0: StackGAN conditioning augmentation (μ, σ) to this many dims before the embed
    cmap_dim: int = 128
    # Scale c to unit mean square first. Sentence embeddings have norm 1 (entries ≈ 0.05): through
    # equalized-lr layers the text signal started 20× below CA's unit noise and D's projection near zero,
    # so no prompt changed anything. Labels (age) are already O(1) and keep False.
    normalize_c: bool = False
    # Scale of CA's noise (σ·ε), in training and at variation 1. With StackGAN's full σ the samples of two
    # prompts lay further apart than their means (≈ 14 against 10 in 128 dims at kl weight 0.02), so Stage I
    # learned the category of a prompt but not which one; 0.5 keeps the spread and lets the prompt through.
    ca_noise: float = 1.0

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> ConditionConfig:
        return cls(**{k: v for k, v in d.items() if k in cls.__dataclass_fields__})


class ConditioningAugmentation(nn.Module):
    """StackGAN's CA: c → (μ, log σ²); samples μ + σ·ε so nearby sentences cover a smooth region."""

    def __init__(self, c_dim: int, ca_dim: int, noise: float = 1.0) -> None:
        super().__init__()
        self.fc = EqualLinear(c_dim, ca_dim * 2)
        self.ca_dim = ca_dim
        self.noise = noise  # ConditionConfig.ca_noise

    def forward(self, c: torch.Tensor, eps: torch.Tensor | None = None, variation: float = 1.0
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        h = self.fc(c)
        mu, logvar = h[:, : self.ca_dim], h[:, self.ca_dim:].clamp(-10, 10)
        if eps is None:
            eps = torch.randn_like(mu)
        return mu + (0.5 * logvar).exp() * eps * (variation * self.noise), mu, logvar


def kl_loss(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(μ, σ²) ‖ N(0, I)), the CA regulariser."""
    return 0.5 * (mu.square() + logvar.exp() - 1 - logvar).sum(1).mean()


class ConditionInput(nn.Module):
    """Raw condition → (optional unit-mean-square scaling) → CA → embedding; shared by both Stage I designs."""

    def __init__(self, cond: ConditionConfig) -> None:
        super().__init__()
        self.ca = ConditioningAugmentation(cond.c_dim, cond.ca_dim, cond.ca_noise) if cond.ca_dim else None
        self.embed = EqualLinear(cond.ca_dim or cond.c_dim, cond.embed_dim)
        self.normalize_c = cond.normalize_c

    def condition(self, c: torch.Tensor, eps: torch.Tensor | None = None, variation: float = 1.0
                  ) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None]:
        """Raw condition → embedded condition (and CA's μ, log σ² when CA is on)."""
        if self.normalize_c:
            c = normalize_2nd_moment(c)
        if self.ca is None:
            return self.embed(c), None, None
        c_hat, mu, logvar = self.ca(c, eps, variation)
        return self.embed(c_hat), mu, logvar


class ConditionalMapping(ConditionInput):
    def __init__(self, cfg: StyleGenConfig, cond: ConditionConfig) -> None:
        super().__init__(cond)
        self.num_layers = cfg.mapping_layers
        dims = [cfg.z_dim + cond.embed_dim] + [cfg.w_dim] * cfg.mapping_layers
        for i in range(cfg.mapping_layers):
            setattr(self, f"fc{i}", EqualLinear(dims[i], dims[i + 1], lr_mul=cfg.mapping_lr_mul,
                                                activation="lrelu"))
        self.register_buffer("w_avg", torch.zeros(cfg.w_dim))

    def forward(self, z: torch.Tensor, c_embed: torch.Tensor) -> torch.Tensor:
        x = torch.cat([normalize_2nd_moment(z), normalize_2nd_moment(c_embed)], dim=1)
        for i in range(self.num_layers):
            x = getattr(self, f"fc{i}")(x)
        return x


class ConditionalSampling:
    """(z, c) → ws and the per-condition truncation centre, for any generator with ``mapping``
    (a ConditionInput that maps (z, embedded c) → w), ``num_ws``, ``cfg`` and ``cond``."""

    mapping: ConditionalMapping
    num_ws: int
    cfg: StyleGenConfig
    cond: ConditionConfig

    def map_c(self, z: torch.Tensor, c: torch.Tensor, psi: float = 1.0, cutoff: int | None = None,
              eps: torch.Tensor | None = None, variation: float = 1.0,
              w_avg: torch.Tensor | None = None) -> torch.Tensor:
        """ws [N, num_ws, w_dim]; truncation pulls toward ``w_avg`` (default: the tracked average)."""
        emb, _, _ = self.mapping.condition(c, eps, variation)
        ws = self.mapping(z, emb).unsqueeze(1).repeat(1, self.num_ws, 1)
        if psi != 1.0:
            ws = truncate(ws, self.mapping.w_avg if w_avg is None else w_avg, psi, cutoff)
        return ws

    @torch.no_grad()
    def w_mean(self, c: torch.Tensor, n: int = 512, seed: int = 0) -> torch.Tensor:
        """The average w for one condition [1, c_dim] → [w_dim]: truncation's centre for that condition."""
        gen = torch.Generator().manual_seed(seed)
        z = torch.randn(n, self.cfg.z_dim, generator=gen).to(c.device)
        eps = torch.zeros(n, self.cond.ca_dim, device=c.device) if self.cond.ca_dim else None
        emb, _, _ = self.mapping.condition(c.expand(n, -1), eps)
        return self.mapping(z, emb).mean(0)


class ConditionalGenerator(ConditionalSampling, Generator):
    """(z, c) → w → image; ``map`` takes the condition, ``synthesize`` is StyleGen's."""

    def __init__(self, cfg: StyleGenConfig, cond: ConditionConfig) -> None:
        super().__init__(cfg)
        self.cond = cond
        self.mapping = ConditionalMapping(cfg, cond)

    def map(self, z: torch.Tensor, psi: float = 1.0, cutoff: int | None = None) -> torch.Tensor:
        raise TypeError("a conditional generator needs a condition: use map_c(z, c)")


class ConditionalDiscriminator(Discriminator):
    """StyleGen's residual D whose last layer projects onto an embedding of the condition."""

    def __init__(self, cfg: StyleGenConfig, cond: ConditionConfig) -> None:
        super().__init__(cfg)
        c4 = cfg.d_channels(4)
        self.out = EqualLinear(c4, cond.cmap_dim)
        self.cmap = nn.Sequential(EqualLinear(cond.c_dim, cond.cmap_dim, activation="lrelu"),
                                  EqualLinear(cond.cmap_dim, cond.cmap_dim))
        self.cmap_dim = cond.cmap_dim
        self.normalize_c = cond.normalize_c

    def forward(self, img: torch.Tensor, c: torch.Tensor,  # type: ignore[override]
                memory_format: torch.memory_format = torch.contiguous_format) -> torch.Tensor:
        x = self.fromrgb(img.contiguous(memory_format=memory_format))
        x = self.blocks(x)
        x = self.conv(self.mbstd(x))
        x = self.out(self.fc(x.float().flatten(1)))
        if self.normalize_c:
            c = normalize_2nd_moment(c)
        return (x * self.cmap(c)).sum(dim=1, keepdim=True) / math.sqrt(self.cmap_dim)
