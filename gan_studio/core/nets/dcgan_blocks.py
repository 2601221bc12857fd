"""The blocks the classic recipes add to DCGAN: self-attention (SAGAN), class-conditional batch norm with a
shared class embedding (BigGAN), the critic's normalisations and spectral norm (Miyato et al. 2018)."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm

D_NORMS = ("batch", "layer", "none")


class SelfAttention(nn.Module):
    """SAGAN's block (Zhang et al. 2019): 1×1 query/key/value convs, softmax over positions, out = x + γ·o(attn).

    γ starts at 0, so the block begins as the identity and the net learns how much non-local evidence to use.
    Query and key have C/8 channels, the value C/2 and a 1×1 output conv back to C (the BigGAN-PyTorch layout).
    """

    def __init__(self, channels: int, sn: bool = False) -> None:
        super().__init__()
        wrap = spectral_norm if sn else (lambda m: m)
        qk, v = max(1, channels // 8), max(1, channels // 2)
        self.query = wrap(nn.Conv2d(channels, qk, 1, bias=False))
        self.key = wrap(nn.Conv2d(channels, qk, 1, bias=False))
        self.value = wrap(nn.Conv2d(channels, v, 1, bias=False))
        self.out = wrap(nn.Conv2d(v, channels, 1, bias=False))
        self.gamma = nn.Parameter(torch.zeros(()))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        q = self.query(x).flatten(2)  # [N, C/8, HW]
        k = self.key(x).flatten(2)
        v = self.value(x).flatten(2)  # [N, C/2, HW]
        attn = torch.softmax(q.transpose(1, 2) @ k, dim=-1)  # [N, HW (query), HW (key)]
        o = (v @ attn.transpose(1, 2)).view(n, -1, h, w)
        return x + self.gamma * self.out(o)


class SharedEmbedding(nn.Module):
    """BigGAN's one class embedding, shared by every conditional batch norm (each has its own projection)."""

    def __init__(self, num_classes: int, dim: int) -> None:
        super().__init__()
        self.embed = nn.Embedding(num_classes, dim)
        nn.init.normal_(self.embed.weight, 0.0, 1.0)

    def forward(self, y: torch.Tensor) -> torch.Tensor:
        return self.embed(y)


class ConditionalBatchNorm2d(nn.Module):
    """Batch norm whose gain and bias are linear in the shared class embedding (BigGAN's ccbn):
    out = BN(x) · (1 + gain(e)) + bias(e); the projections start at 0, so it starts as plain BN."""

    def __init__(self, channels: int, embed_dim: int) -> None:
        super().__init__()
        self.bn = nn.BatchNorm2d(channels, affine=False)
        self.gain = nn.Linear(embed_dim, channels, bias=False)
        self.bias = nn.Linear(embed_dim, channels, bias=False)
        nn.init.zeros_(self.gain.weight)  # no spectral norm here: σ of a zero matrix is 0
        nn.init.zeros_(self.bias.weight)

    def forward(self, x: torch.Tensor, e: torch.Tensor) -> torch.Tensor:
        return self.bn(x) * (1 + self.gain(e)[:, :, None, None]) + self.bias(e)[:, :, None, None]


def critic_norm(kind: str, channels: int) -> nn.Module:
    """The discriminator's normalisation: batch (DCGAN, WGAN), layer (WGAN-GP: the penalty is per sample, so no
    batch statistics; GroupNorm with one group is layer norm with per-channel affine) or none (spectral norm)."""
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "layer":
        return nn.GroupNorm(1, channels)
    if kind == "none":
        return nn.Identity()
    raise ValueError(f"unknown discriminator norm {kind!r}; choose one of {', '.join(D_NORMS)}")


def apply_spectral_norm(layers: nn.Sequential) -> None:
    """Spectral norm on every conv of ``layers`` (after initialisation: it wraps the weights it finds)."""
    for i, m in enumerate(layers):
        if isinstance(m, nn.Conv2d | nn.ConvTranspose2d):
            layers[i] = spectral_norm(m)


def raw_weight(m: nn.Module) -> torch.Tensor:
    """A layer's own weight parameter (under spectral norm: the original it normalises)."""
    par = getattr(m, "parametrizations", None)
    return par.weight.original if par is not None and hasattr(par, "weight") else m.weight
