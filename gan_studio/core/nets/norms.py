"""Normalisation layers for the translation families.

``TileInstanceNorm`` is ``InstanceNorm2d(affine=False)`` (no state-dict keys, so community checkpoints
load) that can record its statistics on a whole image and reuse them on tiles: with shared statistics,
tiled inference of a large image matches whole-image inference instead of drifting tile by tile.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch
from torch import nn


class TileInstanceNorm(nn.InstanceNorm2d):
    def __init__(self, num_features: int, affine: bool = False) -> None:
        super().__init__(num_features, affine=affine, track_running_stats=False)
        self.mode = "normal"  # normal | record | replay
        self.stats: tuple[torch.Tensor, torch.Tensor] | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.mode == "normal":
            return super().forward(x)
        if self.mode == "record":
            var, mean = torch.var_mean(x, dim=(2, 3), keepdim=True, unbiased=False)
            self.stats = (mean, var)
        assert self.stats is not None, "replay needs statistics recorded on the whole image first"
        mean, var = self.stats
        y = (x - mean) * torch.rsqrt(var + self.eps)
        return y * self.weight.view(1, -1, 1, 1) + self.bias.view(1, -1, 1, 1) if self.affine else y


def tile_norms(net: nn.Module) -> list[TileInstanceNorm]:
    return [m for m in net.modules() if isinstance(m, TileInstanceNorm)]


@contextmanager
def shared_norm_stats(net: nn.Module, whole: torch.Tensor) -> Iterator[None]:
    """Run ``net`` once on ``whole`` (a small version of the image) to record its instance statistics,
    then make every forward inside the block reuse them."""
    norms = tile_norms(net)
    try:
        for m in norms:
            m.mode = "record"
        net(whole)
        for m in norms:
            m.mode = "replay"
        yield
    finally:
        for m in norms:
            m.mode, m.stats = "normal", None


def make_norm(kind: str, channels: int) -> nn.Module:
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "instance":
        return TileInstanceNorm(channels)
    if kind == "instance-affine":  # re-implementations that learn a scale and shift per channel
        return TileInstanceNorm(channels, affine=True)
    if kind == "none":
        return nn.Identity()
    raise ValueError(f"unknown norm {kind!r}: batch, instance, instance-affine or none")
