"""Lucid: the generator of lucidrains/stylegan2-pytorch (v1.x, checkpoint-formats.md §4), for imported models.

Its math is not NVIDIA's StyleGAN2, so it is a family of its own: z is L2-normalised, the mapping is
``Linear(W·lr_mul, b·lr_mul)`` + leaky-ReLU(0.2) with no √2 gain and no 1/√fan_in, modulation multiplies the
weights by (style + 1), noise is one uniform [0, 1] image per sample turned into per-channel maps by
``Linear(1, C)``, the RGB skip path is bilinear ×2 then a [1,2,1]² blur with reflect padding, and the
output is nominally [0, 1]. Parameter names are lucidrains' own with ``SE.`` → ``mapping.`` and ``GE.`` →
``synthesis.``; ``mapping.w_avg`` (estimated at import, their code keeps none) is ours.

The session interface matches StyleGen's (``map``, ``synthesize``, ``mapping.w_avg``, ``num_ws``, ``cfg``):
one w per block (``num_ws = log2(resolution) − 1``), and the image comes back in [−1, 1] (x·2 − 1).
Noise modes: 'random' draws a new uniform image, 'const' uses a fixed seeded one, 'none' uses its mean
0.5; strength s blends u' = 0.5 + s·(u − 0.5), so s = 1 is exactly lucidrains' sampling.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .stylegen import NOISE_MODES, truncate

EPS = 1e-8
CONST_NOISE_SEED = 0


@dataclass(frozen=True)
class LucidConfig:
    """Architecture of a lucidrains generator, read from the checkpoint's keys; stored in the model card."""

    resolution: int = 128
    img_channels: int = 3
    latent_dim: int = 512
    style_depth: int = 8
    network_capacity: int = 16
    fmap_max: int = 512
    lr_mul: float = 0.1
    no_const: bool = False

    @property
    def z_dim(self) -> int:
        return self.latent_dim

    @property
    def w_dim(self) -> int:
        return self.latent_dim

    @property
    def num_layers(self) -> int:
        return int(math.log2(self.resolution)) - 1

    def filters(self) -> list[int]:
        """Channels before the first block, then after each block (their ``Generator.__init__``)."""
        f = [min(self.network_capacity * 2 ** (i + 1), self.fmap_max) for i in range(self.num_layers)][::-1]
        return [f[0], *f]

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> LucidConfig:
        return cls(**{k: v for k, v in d.items() if k in cls.__dataclass_fields__})


class EqualLinear(nn.Module):
    """Their mapping layer: weight and bias both scaled by ``lr_mul`` at run time (no 1/√fan_in)."""

    def __init__(self, dim: int, lr_mul: float) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(dim, dim))
        self.bias = nn.Parameter(torch.zeros(dim))
        self.lr_mul = lr_mul

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight * self.lr_mul, self.bias * self.lr_mul)


class StyleVectorizer(nn.Module):
    """z → w: L2-normalise, then ``depth`` × (EqualLinear, leaky-ReLU 0.2); keys ``net.{2i}``."""

    def __init__(self, cfg: LucidConfig) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        for _ in range(cfg.style_depth):
            layers += [EqualLinear(cfg.latent_dim, cfg.lr_mul), nn.LeakyReLU(0.2)]
        self.net = nn.Sequential(*layers)
        self.register_buffer("w_avg", torch.zeros(cfg.latent_dim))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(F.normalize(z, dim=1))


def modulated_conv(x: torch.Tensor, weight: torch.Tensor, style: torch.Tensor, demod: bool) -> torch.Tensor:
    """Their Conv2DMod: weights W·(style + 1), optionally demodulated, 'same' padding.

    Computed as x·(style+1) → shared conv → ·demod instead of a grouped conv: the same sums, and fast on CPU.
    """
    s = (style + 1).to(x.dtype)
    weight = weight.to(x.dtype)
    y = F.conv2d(x * s[:, :, None, None], weight, padding=weight.shape[-1] // 2)
    if demod:
        d = (s.square() @ weight.square().sum(dim=(2, 3)).t() + EPS).rsqrt()  # [N, out]
        y = y * d[:, :, None, None]
    return y


class Blur(nn.Module):
    """[1,2,1]² normalised, reflect-padded (kornia ``filter2d(normalized=True)``); ``f`` is their buffer."""

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer("f", torch.tensor([1.0, 2.0, 1.0]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        k = torch.outer(self.f, self.f).to(x.dtype)
        k = (k / k.abs().sum())[None, None].expand(x.shape[1], 1, 3, 3)
        return F.conv2d(F.pad(x, (1, 1, 1, 1), mode="reflect"), k, groups=x.shape[1])


class Conv2DMod(nn.Module):
    def __init__(self, in_ch: int, out_ch: int, kernel: int, demod: bool = True) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_ch, in_ch, kernel, kernel))
        self.demod = demod

    def forward(self, x: torch.Tensor, style: torch.Tensor) -> torch.Tensor:
        return modulated_conv(x, self.weight, style, self.demod)


class RGBBlock(nn.Module):
    """1×1 modulated conv (no demodulation) added to the running image, then bilinear ×2 and blur."""

    def __init__(self, latent_dim: int, in_ch: int, upsample: bool, img_channels: int) -> None:
        super().__init__()
        self.to_style = nn.Linear(latent_dim, in_ch)
        self.conv = Conv2DMod(in_ch, img_channels, 1, demod=False)
        self.upsample = nn.Sequential(nn.Upsample(scale_factor=2, mode="bilinear", align_corners=False),
                                      Blur()) if upsample else None

    def forward(self, x: torch.Tensor, prev_rgb: torch.Tensor | None, w: torch.Tensor) -> torch.Tensor:
        rgb = self.conv(x, self.to_style(w).to(x.dtype))
        if prev_rgb is not None:
            rgb = rgb + prev_rgb
        return self.upsample(rgb) if self.upsample is not None else rgb


class GeneratorBlock(nn.Module):
    """(bilinear ×2) → modconv 3×3 + noise → lrelu → modconv 3×3 + noise → lrelu → RGB; one w for all three."""

    def __init__(self, cfg: LucidConfig, in_ch: int, out_ch: int, upsample: bool, upsample_rgb: bool) -> None:
        super().__init__()
        self.upsample = upsample
        self.to_style1 = nn.Linear(cfg.latent_dim, in_ch)
        self.to_noise1 = nn.Linear(1, out_ch)
        self.conv1 = Conv2DMod(in_ch, out_ch, 3)
        self.to_style2 = nn.Linear(cfg.latent_dim, out_ch)
        self.to_noise2 = nn.Linear(1, out_ch)
        self.conv2 = Conv2DMod(out_ch, out_ch, 3)
        self.to_rgb = RGBBlock(cfg.latent_dim, out_ch, upsample_rgb, cfg.img_channels)

    @staticmethod
    def _noise(lin: nn.Linear, u: torch.Tensor) -> torch.Tensor:
        # Linear(1, C) on [N, H, W, 1] then permute(0, 3, 2, 1): note the spatial transpose (theirs, kept).
        return u.transpose(1, 2).unsqueeze(1) * lin.weight.view(1, -1, 1, 1) + lin.bias.view(1, -1, 1, 1)

    def forward(self, x: torch.Tensor, rgb: torch.Tensor | None, w: torch.Tensor, u: torch.Tensor
                ) -> tuple[torch.Tensor, torch.Tensor]:
        if self.upsample:
            x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
        u = u[:, : x.shape[2], : x.shape[3]].to(x.dtype)  # their crop of the full-size noise image
        x = modulated_conv(x, self.conv1.weight, self.to_style1(w), True)
        x = F.leaky_relu(x + self._noise(self.to_noise1, u).to(x.dtype), 0.2)
        x = modulated_conv(x, self.conv2.weight, self.to_style2(w), True)
        x = F.leaky_relu(x + self._noise(self.to_noise2, u).to(x.dtype), 0.2)
        return x, self.to_rgb(x, rgb, w)


class LucidSynthesis(nn.Module):
    """Their ``Generator`` (keys ``initial_block`` or ``to_initial_block``, ``initial_conv``, ``blocks.{i}``)."""

    def __init__(self, cfg: LucidConfig) -> None:
        super().__init__()
        f = cfg.filters()
        if cfg.no_const:
            self.to_initial_block = nn.ConvTranspose2d(cfg.latent_dim, f[0], 4, 1, 0, bias=False)
        else:
            self.initial_block = nn.Parameter(torch.randn(1, f[0], 4, 4))
        self.initial_conv = nn.Conv2d(f[0], f[0], 3, padding=1)
        self.blocks = nn.ModuleList(
            GeneratorBlock(cfg, cin, cout, upsample=i != 0, upsample_rgb=i != cfg.num_layers - 1)
            for i, (cin, cout) in enumerate(zip(f[:-1], f[1:], strict=True)))
        self.no_const = cfg.no_const
        # The fixed uniform noise image for noise_mode 'const' (not in their files; rebuilt from the seed).
        gen = torch.Generator().manual_seed(CONST_NOISE_SEED)
        self.register_buffer("noise_const", torch.rand(1, cfg.resolution, cfg.resolution, generator=gen),
                             persistent=False)

    def forward(self, ws: torch.Tensor, u: torch.Tensor, dtype: torch.dtype,
                memory_format: torch.memory_format) -> torch.Tensor:
        n = ws.shape[0]
        if self.no_const:
            x = self.to_initial_block(ws.mean(dim=1)[:, :, None, None])
        else:
            x = self.initial_block.expand(n, -1, -1, -1)
        x = self.initial_conv(x.to(dtype).contiguous(memory_format=memory_format))
        rgb = None
        for i, block in enumerate(self.blocks):
            x, rgb = block(x, rgb, ws[:, i], u)
        return rgb


class LucidGenerator(nn.Module):
    """z → w → image in [−1, 1] (NCHW float32), with StyleGen's session interface."""

    def __init__(self, cfg: LucidConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.mapping = StyleVectorizer(cfg)
        self.synthesis = LucidSynthesis(cfg)
        self.num_ws = cfg.num_layers

    def map(self, z: torch.Tensor, psi: float = 1.0, cutoff: int | None = None) -> torch.Tensor:
        """z [N, latent_dim] → ws [N, num_ws, latent_dim], truncated toward ``mapping.w_avg``."""
        ws = self.mapping(z).unsqueeze(1).repeat(1, self.num_ws, 1)
        return truncate(ws, self.mapping.w_avg, psi, cutoff) if psi != 1.0 else ws

    def noise_image(self, n: int, noise_mode: str, noise_scale: float, device: torch.device) -> torch.Tensor:
        """The uniform noise image u' = 0.5 + s·(u − 0.5), [N, H, W] ('none': all 0.5)."""
        res = self.cfg.resolution
        if noise_mode == "none" or noise_scale == 0.0:
            return torch.full((n, res, res), 0.5, device=device)
        u = torch.rand(n, res, res, device=device) if noise_mode == "random" else \
            self.synthesis.noise_const.expand(n, -1, -1)
        return 0.5 + noise_scale * (u - 0.5) if noise_scale != 1.0 else u

    def synthesize(self, ws: torch.Tensor, noise_mode: str = "const", noise_scale: float = 1.0,
                   dtype: torch.dtype = torch.float32,
                   memory_format: torch.memory_format = torch.contiguous_format) -> torch.Tensor:
        if noise_mode not in NOISE_MODES:
            raise ValueError(f"noise_mode must be one of {NOISE_MODES}, not {noise_mode!r}")
        if ws.shape[1] != self.num_ws:
            raise ValueError(f"ws has {ws.shape[1]} layers; this model needs {self.num_ws}")
        u = self.noise_image(ws.shape[0], noise_mode, noise_scale, ws.device)
        rgb = self.synthesis(ws, u, dtype, memory_format)
        return rgb.float() * 2 - 1  # their [0, 1] → our nominal [−1, 1]

    def forward(self, z: torch.Tensor, psi: float = 1.0, noise_mode: str = "random") -> torch.Tensor:
        return self.synthesize(self.map(z, psi), noise_mode)
