"""Differentiable augmentation (DiffAugment: colour, translation, cutout) with an adaptive probability.

Each op is applied per sample with probability ``p``; ``AdaptiveP`` tunes ``p`` from the sign of
D(real) the way StyleGAN2-ADA does, so small folders do not let the discriminator overfit.
Images are in [−1, 1]; channel 3, when present, is alpha, and areas uncovered by translation or
cutout become transparent white (the training data's background).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F


def _mask(n: int, p: float, device: torch.device, gen: torch.Generator | None) -> torch.Tensor:
    return (torch.rand(n, 1, 1, 1, generator=gen).to(device) < p).float()


def _fill_like(x: torch.Tensor) -> torch.Tensor:
    fill = torch.ones_like(x[:1, :, :1, :1])
    if x.shape[1] == 4:
        fill[:, 3] = -1.0
    return fill


def augment(x: torch.Tensor, p: float, gen: torch.Generator | None = None) -> torch.Tensor:
    """Apply colour, translation and cutout, each with probability ``p`` per sample."""
    if p <= 0:
        return x
    n, c, h, w = x.shape
    dev = x.device
    rgb, alpha = x[:, :3], x[:, 3:]
    # Colour: brightness, saturation, contrast (DiffAugment's ranges).
    m = _mask(n, p, dev, gen)
    rgb = rgb + m * (torch.rand(n, 1, 1, 1, generator=gen).to(dev) - 0.5)
    mean = rgb.mean(dim=1, keepdim=True)
    m = _mask(n, p, dev, gen)
    rgb = mean + (rgb - mean) * (1 + m * (torch.rand(n, 1, 1, 1, generator=gen).to(dev) * 2 - 1))
    mean = rgb.mean(dim=(1, 2, 3), keepdim=True)
    m = _mask(n, p, dev, gen)
    rgb = mean + (rgb - mean) * (1 + m * (torch.rand(n, 1, 1, 1, generator=gen).to(dev) - 0.5))
    x = torch.cat([rgb, alpha], dim=1)
    fill = _fill_like(x)
    # Translation by up to 1/8 of the side, uncovered pixels filled with the background.
    m = _mask(n, p, dev, gen).view(n)
    shift = (torch.rand(n, 2, generator=gen).to(dev) * 2 - 1) * 0.125
    shift = (shift * torch.tensor([h, w], device=dev)).round().long() * m.long()[:, None]
    ys = torch.arange(h, device=dev)[None, :] - shift[:, :1]
    xs = torch.arange(w, device=dev)[None, :] - shift[:, 1:]
    valid = ((ys >= 0) & (ys < h))[:, :, None] & ((xs >= 0) & (xs < w))[:, None, :]
    gathered = x[torch.arange(n, device=dev)[:, None, None], :, ys.clamp(0, h - 1)[:, :, None],
                 xs.clamp(0, w - 1)[:, None, :]].permute(0, 3, 1, 2)
    x = torch.where(valid[:, None], gathered, fill)
    # Cutout: one square of half the side per sample.
    m = _mask(n, p, dev, gen).view(n)
    ch, cw = h // 2, w // 2
    cy = (torch.rand(n, 1, generator=gen).to(dev) * (h + 1 - ch % 2)).long()
    cx = (torch.rand(n, 1, generator=gen).to(dev) * (w + 1 - cw % 2)).long()
    yy = torch.arange(h, device=dev)[None, :]
    xx = torch.arange(w, device=dev)[None, :]
    iny = ((yy - cy).abs() < ch // 2 + 0)[:, :, None]
    inx = ((xx - cx).abs() < cw // 2 + 0)[:, None, :]
    cut = (iny & inx) & (m > 0)[:, None, None]
    return torch.where(cut[:, None], fill, x)


@dataclass
class AdaptiveP:
    """ADA's heuristic: raise p while E[sign(D(real))] exceeds the target, lower it otherwise."""

    p: float = 0.0
    target: float = 0.6
    speed_kimg: float = 100.0  # p can move 0 → 1 in this many kimg
    max_p: float = 0.8
    _acc: float = 0.0
    _count: int = 0

    def observe(self, d_real: torch.Tensor) -> None:
        self._acc += float(torch.sign(d_real.detach()).sum())
        self._count += int(d_real.numel())

    def update(self, images_seen: int) -> float:
        if self._count == 0:
            return self.p
        rt = self._acc / self._count
        step = images_seen / (self.speed_kimg * 1000)
        self.p = float(min(self.max_p, max(0.0, self.p + step * (1 if rt > self.target else -1))))
        self._acc, self._count = 0.0, 0
        return self.p


def degrade(hr: torch.Tensor, scale: int, gen: torch.Generator | None = None) -> torch.Tensor:
    """HR (N×C×H×W in [−1, 1]) → LR: optional mild blur, area downsampling, optional faint noise."""
    n = hr.shape[0]
    x = hr
    if gen is not None:
        blur = (torch.rand(n, 1, 1, 1, generator=gen) < 0.3).float().to(hr.device)
        x = blur * F.avg_pool2d(F.pad(x, (1, 1, 1, 1), mode="replicate"), 3, 1) + (1 - blur) * x
    x = F.avg_pool2d(x, scale)
    if gen is not None:
        sigma = 0.02 * torch.rand(n, 1, 1, 1, generator=gen).to(hr.device)
        x = x + sigma * torch.randn(x.shape, generator=gen).to(hr.device)
    return x
