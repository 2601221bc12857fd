"""Multi-scale sliced Wasserstein distance (ProGAN): SWD between Laplacian-pyramid patch sets.

Compares the distribution of 7×7 patches at each pyramid level; reported ×1e3 like the paper, with the
average over levels. Works on any channel count (our RGBA images included).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

PATCH = 7
PATCHES_PER_IMAGE = 64
DIRS = 512
REPEATS = 4

_GAUSS = torch.tensor([1.0, 4.0, 6.0, 4.0, 1.0]) / 16.0


def _blur(x: torch.Tensor) -> torch.Tensor:
    c = x.shape[1]
    k = torch.outer(_GAUSS, _GAUSS).to(x)[None, None].expand(c, 1, 5, 5)
    return F.conv2d(F.pad(x, (2, 2, 2, 2), mode="reflect"), k, groups=c)


def laplacian_pyramid(x: torch.Tensor, min_res: int = 16) -> list[torch.Tensor]:
    levels = []
    while x.shape[-1] > min_res:
        down = _blur(x)[:, :, ::2, ::2]
        up = F.interpolate(down, scale_factor=2, mode="nearest")
        levels.append(x - _blur(up))
        x = down
    levels.append(x)
    return levels


def _patches(level: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    n, c, h, w = level.shape
    ys = torch.randint(0, h - PATCH + 1, (n, PATCHES_PER_IMAGE), generator=gen)
    xs = torch.randint(0, w - PATCH + 1, (n, PATCHES_PER_IMAGE), generator=gen)
    offs = torch.arange(PATCH)
    yy = (ys[..., None] + offs)[..., :, None]
    xx = (xs[..., None] + offs)[..., None, :]
    idx_n = torch.arange(n)[:, None, None, None]
    p = level.permute(0, 2, 3, 1)[idx_n, yy, xx]  # n, P, 7, 7, c
    p = p.reshape(-1, PATCH * PATCH * c)
    # Normalise per channel statistics over the whole set, as ProGAN does.
    return (p - p.mean(0)) / (p.std(0) + 1e-8)


def _swd(a: torch.Tensor, b: torch.Tensor, gen: torch.Generator) -> float:
    total = 0.0
    n = min(len(a), len(b))
    a, b = a[:n], b[:n]
    for _ in range(REPEATS):
        d = torch.randn(a.shape[1], DIRS, generator=gen)
        d = d / d.norm(dim=0, keepdim=True)
        pa, _ = torch.sort(a @ d, dim=0)
        pb, _ = torch.sort(b @ d, dim=0)
        total += float((pa - pb).abs().mean())
    return total / REPEATS


def sliced_wasserstein(real: np.ndarray, fake: np.ndarray, seed: int = 0) -> dict[str, float]:
    """SWD×1e3 per pyramid level (finest first) and their average; inputs NHWC uint8, same size."""
    gen = torch.Generator().manual_seed(seed)
    to_t = lambda a: torch.from_numpy(np.ascontiguousarray(a)).permute(0, 3, 1, 2).float() / 127.5 - 1  # noqa: E731
    pa, pb = laplacian_pyramid(to_t(real)), laplacian_pyramid(to_t(fake))
    out: dict[str, float] = {}
    for la, lb in zip(pa, pb, strict=True):
        res = la.shape[-1]
        out[f"swd_{res}"] = round(_swd(_patches(la, gen), _patches(lb, gen), gen) * 1e3, 2)
    out["swd_avg"] = round(float(np.mean(list(out.values()))), 2)
    return out
