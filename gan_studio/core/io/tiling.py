"""Tiled inference for images larger than a net should see at once: overlapping tiles, feathered blend.

Weights fall off linearly across each overlap, so every output pixel is a convex mix of the tiles that
cover it and no seam shows. Nets with instance norm should share whole-image statistics across tiles
(see ``nets.norms.shared_norm_stats``), otherwise each tile is normalised differently.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F


def tile_starts(length: int, tile: int, overlap: int) -> list[int]:
    """Start offsets covering ``length`` with tiles of ``tile`` overlapping by at least ``overlap``."""
    if length <= tile:
        return [0]
    stride = tile - overlap
    if stride <= 0:
        raise ValueError("overlap must be smaller than the tile")
    starts = list(range(0, length - tile, stride)) + [length - tile]
    return sorted(set(starts))


def _ramp(length: int, overlap: int, first: bool, last: bool) -> torch.Tensor:
    """1 inside; on a side shared with a neighbour, 0 over the outer quarter of the overlap (pixels that
    saw the tile's artificial border), then a linear ramp over the middle half, complementary to the
    neighbour's, so the weights of overlapping tiles sum to one."""
    w = torch.ones(length)
    if overlap > 0:
        cut, ramp_len = overlap // 4, overlap - 2 * (overlap // 4)
        ramp = torch.cat([torch.zeros(cut), (torch.arange(ramp_len, dtype=torch.float32) + 0.5) / ramp_len,
                          torch.ones(overlap - cut - ramp_len)])
        if not first:
            w[:overlap] = ramp
        if not last:
            w[-overlap:] = ramp.flip(0)
    return w


def pad_to_multiple(x: torch.Tensor, multiple: int) -> tuple[torch.Tensor, tuple[int, int]]:
    """Reflect-pad H and W up to a multiple (nets with k stride-2 levels need 2^k); returns the crop."""
    h, w = x.shape[-2:]
    ph, pw = (-h) % multiple, (-w) % multiple
    if ph or pw:
        mode = "reflect" if ph < h and pw < w else "replicate"
        x = F.pad(x, (0, pw, 0, ph), mode=mode)
    return x, (h, w)


def tiled_apply(fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, tile: int, overlap: int,
                scale: int = 1) -> torch.Tensor:
    """Apply ``fn`` (N×C×h×w → N×C'×(s·h)×(s·w)) to ``x`` tile by tile and blend the results."""
    n, _, h, w = x.shape
    ys, xs = tile_starts(h, tile, overlap), tile_starts(w, tile, overlap)
    out: torch.Tensor | None = None
    weight = torch.zeros(1, 1, h * scale, w * scale, device=x.device)
    for iy, y0 in enumerate(ys):
        th = min(tile, h)
        wy = _ramp(th * scale, overlap * scale, iy == 0, iy == len(ys) - 1)
        for ix, x0 in enumerate(xs):
            tw = min(tile, w)
            wx = _ramp(tw * scale, overlap * scale, ix == 0, ix == len(xs) - 1)
            y = fn(x[:, :, y0:y0 + th, x0:x0 + tw])
            if out is None:
                out = torch.zeros(n, y.shape[1], h * scale, w * scale, device=x.device, dtype=y.dtype)
            wt = (wy[:, None] * wx[None, :]).to(x.device)[None, None]
            sl = (slice(None), slice(None), slice(y0 * scale, (y0 + th) * scale), slice(x0 * scale, (x0 + tw) * scale))
            out[sl] += y * wt
            weight[sl] += wt
    assert out is not None
    return out / weight
