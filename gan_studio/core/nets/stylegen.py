"""StyleGen: a StyleGAN2 generator (config-F math, skip ToRGB) and a residual discriminator.

Parameter and buffer names follow NVIDIA's layout (``mapping.fc0``, ``synthesis.b8.conv0`` ...), so
community StyleGAN2 weights load by name. Modulation scales activations (x·s → shared conv → ·demod)
instead of a grouped conv: the same math, 3–7× faster per image on CPU at batch 16 and friendly to
weight prepacking.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .layers import SQRT2, EqualConv2d, EqualLinear, fir, setup_filter, upsample2d

NOISE_MODES = ("const", "random", "none")


@dataclass(frozen=True)
class StyleGenConfig:
    """Architecture of one StyleGen model; stored in its model card."""

    resolution: int = 64
    img_channels: int = 4
    z_dim: int = 256
    w_dim: int = 256
    mapping_layers: int = 4
    channel_base: int = 2048
    channel_max: int = 128
    mapping_lr_mul: float = 0.01
    conv_clamp: float | None = None
    d_channel_base: int = 2048
    d_channel_max: int = 128
    mbstd_group: int = 4
    extra: dict = field(default_factory=dict)

    def channels(self, res: int) -> int:
        return min(self.channel_base // res, self.channel_max)

    def d_channels(self, res: int) -> int:
        return min(self.d_channel_base // res, self.d_channel_max)

    @property
    def block_resolutions(self) -> list[int]:
        return [2**i for i in range(2, int(math.log2(self.resolution)) + 1)]

    @property
    def num_ws(self) -> int:
        return 2 * int(math.log2(self.resolution)) - 2

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> StyleGenConfig:
        known = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        return cls(**known)


def normalize_2nd_moment(x: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    return x * (x.square().mean(dim=1, keepdim=True) + eps).rsqrt()


class MappingNetwork(nn.Module):
    """z → w through an MLP with equalized lr (lr_mul 0.01), tracking the average w for truncation."""

    def __init__(self, cfg: StyleGenConfig) -> None:
        super().__init__()
        self.num_layers = cfg.mapping_layers
        dims = [cfg.z_dim] + [cfg.w_dim] * cfg.mapping_layers
        for i in range(cfg.mapping_layers):
            layer = EqualLinear(dims[i], dims[i + 1], lr_mul=cfg.mapping_lr_mul, activation="lrelu")
            setattr(self, f"fc{i}", layer)
        self.register_buffer("w_avg", torch.zeros(cfg.w_dim))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        x = normalize_2nd_moment(z)
        for i in range(self.num_layers):
            x = getattr(self, f"fc{i}")(x)
        return x


class ModulatedConv(nn.Module):
    """Modulated/demodulated 3×3 conv with optional ×2 upsampling, noise, bias and lrelu·√2."""

    def __init__(self, in_ch: int, out_ch: int, w_dim: int, resolution: int, up: bool,
                 conv_clamp: float | None) -> None:
        super().__init__()
        self.affine = EqualLinear(w_dim, in_ch, bias_init=1.0)
        self.weight = nn.Parameter(torch.randn(out_ch, in_ch, 3, 3))
        self.bias = nn.Parameter(torch.zeros(out_ch))
        self.noise_strength = nn.Parameter(torch.zeros([]))
        self.register_buffer("noise_const", torch.randn(resolution, resolution))
        self.register_buffer("resample_filter", setup_filter())
        self.up = up
        self.resolution = resolution
        self.conv_clamp = conv_clamp
        self.weight_gain = 1.0  # demodulation makes the equalized-lr gain irrelevant
        self._frozen: tuple[tuple[int, int, torch.dtype, bool], torch.Tensor, torch.Tensor] | None = None
        self._const_add: tuple[tuple, torch.Tensor] | None = None

    def _weights(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(Σ weight² per in/out pair, the conv's weight in x's dtype and layout).

        Both depend on the weights only: without autograd (every frame the explorer draws) they are kept
        until the weights change (an optimizer or EMA step bumps the version). Measured: a quarter of a
        64 px frame went to recomputing them and to re-laying-out weights for the conv.
        """
        weight = self.weight
        if torch.is_grad_enabled():
            conv_w = weight.transpose(0, 1) if self.up else weight
            return weight.square().sum(dim=(2, 3)).t(), conv_w.to(x.dtype)
        cl = x.is_contiguous(memory_format=torch.channels_last) and not x.is_contiguous()
        key = (weight._version, weight.data_ptr(), x.dtype, cl)
        if self._frozen is None or self._frozen[0] != key:
            with torch.no_grad():
                conv_w = (weight.transpose(0, 1) if self.up else weight).to(x.dtype)
                conv_w = conv_w.contiguous(memory_format=torch.channels_last if cl else torch.contiguous_format)
                self._frozen = (key, weight.square().sum(dim=(2, 3)).t().contiguous(), conv_w)
        return self._frozen[1], self._frozen[2]

    def _noise_and_bias(self, x: torch.Tensor, noise_mode: str, noise_scale: float) -> torch.Tensor:
        """√2·(bias + noise·strength) shaped to add to the conv output; the const-noise sum is kept until a
        weight, the scale, the dtype or the layout changes."""
        gain = (self.noise_strength * noise_scale * SQRT2).to(x.dtype)
        bias = (self.bias * SQRT2).to(x.dtype).view(1, -1, 1, 1)
        if noise_mode == "none" or noise_scale == 0.0:
            return bias
        if noise_mode == "random":
            return bias + torch.randn(x.shape[0], 1, self.resolution, self.resolution, device=x.device,
                                      dtype=x.dtype) * gain
        cl = x.is_contiguous(memory_format=torch.channels_last) and not x.is_contiguous()
        key = (self.bias._version, self.noise_strength._version, self.noise_const._version, self.bias.data_ptr(),
               noise_scale, x.dtype, cl)
        if self._const_add is None or self._const_add[0] != key:
            add = bias + self.noise_const.to(x.dtype) * gain
            self._const_add = (key, add.contiguous(memory_format=torch.channels_last if cl else
                                                   torch.contiguous_format))
        return self._const_add[1]

    def forward(self, x: torch.Tensor, w: torch.Tensor, noise_mode: str = "random",
                noise_scale: float = 1.0) -> torch.Tensor:
        s = self.affine(w)  # [N, in]
        wsq, conv_w = self._weights(x)
        dcoef = (s.square() @ wsq + 1e-8).rsqrt()  # [N, out]
        x = x * s.to(x.dtype)[:, :, None, None]
        if self.up:
            # conv_transpose (stride 2) then pad 1 and filter with 4·f: conv2d_resample(up=2).
            x = F.conv_transpose2d(x, conv_w, stride=2)
            x = fir(x, self.resample_filter, (1, 1, 1, 1), gain=4.0)
        else:
            x = F.conv2d(x, conv_w, padding=1)
        if not torch.is_grad_enabled():
            # Inference: demodulation, noise, bias and the √2 gain in one addcmul, then lrelu in place
            # (lrelu(a)·√2 = lrelu(√2·a)): two passes over the activations instead of five.
            add = self._noise_and_bias(x, noise_mode, noise_scale)
            x = F.leaky_relu_(torch.addcmul(add, x, (dcoef * SQRT2).to(x.dtype)[:, :, None, None]), 0.2)
            return x.clamp_(-self.conv_clamp, self.conv_clamp) if self.conv_clamp is not None else x
        x = x * dcoef.to(x.dtype)[:, :, None, None]
        if noise_mode != "none" and noise_scale != 0.0:
            if noise_mode == "random":
                noise = torch.randn(x.shape[0], 1, self.resolution, self.resolution, device=x.device,
                                    dtype=x.dtype)
            else:
                noise = self.noise_const.to(x.dtype)
            x = x + noise * (self.noise_strength * noise_scale).to(x.dtype)
        x = F.leaky_relu(x + self.bias.to(x.dtype).view(1, -1, 1, 1), 0.2) * SQRT2
        if self.conv_clamp is not None:
            x = x.clamp(-self.conv_clamp, self.conv_clamp)
        return x


class ToRGB(nn.Module):
    """1×1 modulated conv without demodulation (styles scaled by 1/√C)."""

    def __init__(self, in_ch: int, out_ch: int, w_dim: int, conv_clamp: float | None) -> None:
        super().__init__()
        self.affine = EqualLinear(w_dim, in_ch, bias_init=1.0)
        self.weight = nn.Parameter(torch.randn(out_ch, in_ch, 1, 1))
        self.bias = nn.Parameter(torch.zeros(out_ch))
        self.weight_gain = 1.0 / math.sqrt(in_ch)
        self.conv_clamp = conv_clamp

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        s = self.affine(w) * self.weight_gain
        x = x * s.to(x.dtype)[:, :, None, None]
        x = F.conv2d(x, self.weight.to(x.dtype)) + self.bias.to(x.dtype).view(1, -1, 1, 1)
        if self.conv_clamp is not None:
            x = x.clamp(-self.conv_clamp, self.conv_clamp)
        return x


class SynthesisBlock(nn.Module):
    def __init__(self, cfg: StyleGenConfig, res: int) -> None:
        super().__init__()
        out_ch = cfg.channels(res)
        self.res = res
        if res == 4:
            self.const = nn.Parameter(torch.randn(out_ch, 4, 4))
            self.num_conv = 1
        else:
            self.conv0 = ModulatedConv(cfg.channels(res // 2), out_ch, cfg.w_dim, res, True, cfg.conv_clamp)
            self.num_conv = 2
        self.conv1 = ModulatedConv(out_ch, out_ch, cfg.w_dim, res, False, cfg.conv_clamp)
        self.torgb = ToRGB(out_ch, cfg.img_channels, cfg.w_dim, cfg.conv_clamp)
        self.register_buffer("resample_filter", setup_filter())

    def forward(self, x: torch.Tensor | None, img: torch.Tensor | None, ws: torch.Tensor,
                noise_mode: str, noise_scale: float, dtype: torch.dtype,
                memory_format: torch.memory_format) -> tuple[torch.Tensor, torch.Tensor]:
        if self.res == 4:
            n = ws.shape[0]
            x = self.const.to(dtype).unsqueeze(0).expand(n, -1, -1, -1)
            x = x.contiguous(memory_format=memory_format)
            x = self.conv1(x, ws[:, 0], noise_mode, noise_scale)
            y = self.torgb(x, ws[:, 1])
        else:
            x = self.conv0(x, ws[:, 0], noise_mode, noise_scale)
            x = self.conv1(x, ws[:, 1], noise_mode, noise_scale)
            y = self.torgb(x, ws[:, 2])
        y = y.float()
        img = y if img is None else upsample2d(img, self.resample_filter) + y
        return x, img


class SynthesisNetwork(nn.Module):
    def __init__(self, cfg: StyleGenConfig) -> None:
        super().__init__()
        self.block_resolutions = cfg.block_resolutions
        for res in self.block_resolutions:
            setattr(self, f"b{res}", SynthesisBlock(cfg, res))
        self.num_ws = cfg.num_ws

    def forward(self, ws: torch.Tensor, noise_mode: str = "random", noise_scale: float = 1.0,
                dtype: torch.dtype = torch.float32,
                memory_format: torch.memory_format = torch.contiguous_format) -> torch.Tensor:
        x = img = None
        w_idx = 0
        for res in self.block_resolutions:
            block: SynthesisBlock = getattr(self, f"b{res}")
            n = block.num_conv + 1
            x, img = block(x, img, ws[:, w_idx:w_idx + n], noise_mode, noise_scale, dtype, memory_format)
            w_idx += block.num_conv
        return img


class Generator(nn.Module):
    """z → w → image in [−1, 1] (nominal), NCHW float32, ``img_channels`` channels (RGB or RGBA)."""

    def __init__(self, cfg: StyleGenConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.mapping = MappingNetwork(cfg)
        self.synthesis = SynthesisNetwork(cfg)
        self.num_ws = cfg.num_ws

    def map(self, z: torch.Tensor, psi: float = 1.0, cutoff: int | None = None) -> torch.Tensor:
        """z [N, z_dim] → ws [N, num_ws, w_dim] with truncation ψ toward the tracked w average."""
        w = self.mapping(z)
        ws = w.unsqueeze(1).repeat(1, self.num_ws, 1)
        if psi != 1.0:
            ws = truncate(ws, self.mapping.w_avg, psi, cutoff)
        return ws

    def synthesize(self, ws: torch.Tensor, noise_mode: str = "const", noise_scale: float = 1.0,
                   dtype: torch.dtype = torch.float32,
                   memory_format: torch.memory_format = torch.contiguous_format) -> torch.Tensor:
        if noise_mode not in NOISE_MODES:
            raise ValueError(f"noise_mode must be one of {NOISE_MODES}, not {noise_mode!r}")
        return self.synthesis(ws, noise_mode, noise_scale, dtype, memory_format)

    def forward(self, z: torch.Tensor, psi: float = 1.0, noise_mode: str = "random") -> torch.Tensor:
        return self.synthesize(self.map(z, psi), noise_mode)


def truncate(ws: torch.Tensor, w_avg: torch.Tensor, psi: float, cutoff: int | None = None) -> torch.Tensor:
    """w' = w_avg + ψ (w − w_avg) on the first ``cutoff`` layers (all when None)."""
    out = ws.clone()
    sl = slice(None, cutoff)
    out[:, sl] = w_avg.lerp(ws[:, sl], psi)
    return out


def z_from_seed(seed: int, z_dim: int) -> torch.Tensor:
    """The latent for a seed: identical on every platform and device (NumPy's RandomState)."""
    return torch.from_numpy(np.random.RandomState(seed).randn(1, z_dim)).float()


class MinibatchStd(nn.Module):
    """Append the std-dev across a group of samples as an extra feature map (ProGAN)."""

    def __init__(self, group: int) -> None:
        super().__init__()
        self.group = group

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        g = min(self.group, n) if n % min(self.group, n) == 0 else 1
        y = x.float().reshape(g, -1, c, h, w)
        y = (y - y.mean(dim=0)).square().mean(dim=0).add(1e-8).sqrt()
        y = y.mean(dim=(1, 2, 3)).reshape(-1, 1, 1, 1).repeat(g, 1, h, w)
        return torch.cat([x, y.to(x.dtype)], dim=1)


class DiscriminatorBlock(nn.Module):
    def __init__(self, in_ch: int, out_ch: int) -> None:
        super().__init__()
        self.conv0 = EqualConv2d(in_ch, in_ch, 3)
        self.conv1 = EqualConv2d(in_ch, out_ch, 3, down=True)
        self.skip = EqualConv2d(in_ch, out_ch, 1, bias=False, down=True, activation="linear")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.skip(x)
        x = self.conv1(self.conv0(x))
        return (x + y) * math.sqrt(0.5)


class Discriminator(nn.Module):
    """Residual discriminator with minibatch standard deviation (StyleGAN2 'resnet')."""

    def __init__(self, cfg: StyleGenConfig) -> None:
        super().__init__()
        top = cfg.resolution
        self.fromrgb = EqualConv2d(cfg.img_channels, cfg.d_channels(top), 1)
        blocks = []
        res = top
        while res > 4:
            blocks.append(DiscriminatorBlock(cfg.d_channels(res), cfg.d_channels(res // 2)))
            res //= 2
        self.blocks = nn.Sequential(*blocks)
        c4 = cfg.d_channels(4)
        self.mbstd = MinibatchStd(cfg.mbstd_group)
        self.conv = EqualConv2d(c4 + 1, c4, 3)
        self.fc = EqualLinear(c4 * 16, c4, activation="lrelu")
        self.out = EqualLinear(c4, 1)

    def forward(self, img: torch.Tensor, memory_format: torch.memory_format = torch.contiguous_format
                ) -> torch.Tensor:
        x = self.fromrgb(img.contiguous(memory_format=memory_format))
        x = self.blocks(x)
        x = self.conv(self.mbstd(x))
        x = self.fc(x.float().flatten(1))
        return self.out(x)


def generator_flops(cfg: StyleGenConfig) -> int:
    """Multiply-accumulates ×2 of one generator forward (convs and ToRGB; the mapping MLP included)."""
    flops = 2 * (cfg.z_dim * cfg.w_dim + (cfg.mapping_layers - 1) * cfg.w_dim * cfg.w_dim)
    for res in cfg.block_resolutions:
        c = cfg.channels(res)
        if res > 4:
            cin = cfg.channels(res // 2)
            flops += 2 * 9 * cin * c * (res // 2) ** 2  # transposed conv runs at input resolution
        flops += 2 * 9 * c * c * res * res
        flops += 2 * c * cfg.img_channels * res * res
    return flops
