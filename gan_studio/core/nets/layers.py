"""Building blocks shared by our GAN families: equalized-lr layers and FIR resampling.

The math follows StyleGAN2-ADA (checkpoint-formats.md §1.4) so community weights map onto these
modules without conversion of values, only of key names.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

SQRT2 = math.sqrt(2.0)


def setup_filter(taps: tuple[float, ...] = (1, 3, 3, 1)) -> torch.Tensor:
    """Separable 2-D FIR filter normalised to sum 1 (StyleGAN2's [1,3,3,1] blur)."""
    f = torch.tensor(taps, dtype=torch.float32)
    f = torch.outer(f, f)
    return f / f.sum()


def fir(x: torch.Tensor, f: torch.Tensor, pad: tuple[int, int, int, int], gain: float = 1.0) -> torch.Tensor:
    """Pad then filter every channel with ``f`` (depthwise); ``pad`` is (left, right, top, bottom)."""
    c = x.shape[1]
    w = (f * gain).to(x.dtype)[None, None].expand(c, 1, *f.shape)
    # f is symmetric, so correlation equals the convolution upfirdn2d performs. Even padding goes to the
    # conv itself, saving a padded copy of the activations.
    if len(set(pad)) == 1:
        return F.conv2d(x, w, padding=pad[0], groups=c)
    return F.conv2d(F.pad(x, pad), w, groups=c)


def upsample2d(x: torch.Tensor, f: torch.Tensor) -> torch.Tensor:
    """Zero-insert ×2, pad (2,1), filter with 4·f: StyleGAN2's skip-branch upsampling."""
    n, c, h, w = x.shape
    up = x.new_zeros(n, c, h * 2, w * 2)
    up[:, :, ::2, ::2] = x
    return fir(up, f, (2, 1, 2, 1), gain=4.0)


def downsample2d(x: torch.Tensor, f: torch.Tensor) -> torch.Tensor:
    """Filter then take every other pixel (anti-aliased ×0.5)."""
    return fir(x, f, (1, 1, 1, 1))[:, :, ::2, ::2]


class EqualLinear(nn.Module):
    """Fully connected layer with equalized learning rate: weights stored unscaled, scaled at run time."""

    def __init__(self, in_features: int, out_features: int, bias_init: float = 0.0,
                 lr_mul: float = 1.0, activation: str = "linear") -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_features, in_features) / lr_mul)
        self.bias = nn.Parameter(torch.full((out_features,), float(bias_init)))
        self.weight_gain = lr_mul / math.sqrt(in_features)
        self.bias_gain = lr_mul
        self.activation = activation

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.linear(x, self.weight * self.weight_gain, self.bias * self.bias_gain)
        if self.activation == "lrelu":
            x = F.leaky_relu(x, 0.2) * SQRT2
        return x


class EqualConv2d(nn.Module):
    """Conv with equalized lr, optional anti-aliased ×0.5 downsampling and lrelu·√2 activation."""

    def __init__(self, in_ch: int, out_ch: int, kernel: int, bias: bool = True, down: bool = False,
                 activation: str = "lrelu") -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(out_ch, in_ch, kernel, kernel))
        self.bias = nn.Parameter(torch.zeros(out_ch)) if bias else None
        self.weight_gain = 1.0 / math.sqrt(in_ch * kernel * kernel)
        self.kernel = kernel
        self.down = down
        self.activation = activation
        self.register_buffer("resample_filter", setup_filter(), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w = self.weight * self.weight_gain
        if self.down:
            # Blur, then a strided conv: the same result as StyleGAN2's conv2d_resample(down=2).
            p = self.kernel // 2 + 1
            x = fir(x, self.resample_filter, (p, p, p, p))
            x = F.conv2d(x, w, stride=2)
        else:
            x = F.conv2d(x, w, padding=self.kernel // 2)
        if self.bias is not None:
            x = x + self.bias.view(1, -1, 1, 1)
        if self.activation == "lrelu":
            x = F.leaky_relu(x, 0.2) * SQRT2
        return x
