"""Semantic directions, GANSpace-style (Härkönen et al. 2020): PCA of the mapping's w, as sliders.

The principal components of w over many random z are the directions along which the generator's images vary
most; moving a source's w along component k by ``amount`` standard deviations, on a chosen range of layers
(coarse layers: pose and shape, fine ones: colour and texture), is an edit. Directions are computed once per
model (a few seconds on a CPU) and cached on disk by the weights' sha256. Works for every model the explorer
draws (StyleGen, imported StyleGAN2 / rosinality / lucidrains, DCGAN), since it only needs ``map`` and
``synthesize``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from .requests import Edit

SAMPLES = 10_000
COMPONENTS = 16


@dataclass(frozen=True)
class Directions:
    """The top principal components of w: unit vectors [K, w_dim], their standard deviations [K], and the share
    of w's variance each explains."""

    components: np.ndarray
    stddev: np.ndarray
    explained: np.ndarray

    def __len__(self) -> int:
        return len(self.components)


@torch.inference_mode()
def compute_directions(G: Any, samples: int = SAMPLES, k: int = COMPONENTS, seed: int = 0) -> Directions:
    """PCA of w = mapping(z) over ``samples`` seeded z (batched, so memory stays small)."""
    gen = torch.Generator().manual_seed(seed)
    device = G.mapping.w_avg.device
    ws = []
    for start in range(0, samples, 1000):
        z = torch.randn(min(1000, samples - start), G.cfg.z_dim, generator=gen).to(device)
        ws.append(G.map(z)[:, 0].double().cpu())
    w = torch.cat(ws)
    centred = w - w.mean(0)
    _, s, vh = torch.linalg.svd(centred, full_matrices=False)
    var = s**2 / (len(w) - 1)
    k = min(k, len(s))
    return Directions(vh[:k].float().numpy(), var[:k].sqrt().float().numpy(), (var[:k] / var.sum()).float().numpy())


def _cache_path(sha256: str, k: int) -> Path:
    from ..library.registry import home_dir

    return home_dir() / "cache" / "directions" / f"{sha256[:32]}-{k}.npz"


def directions_for(session: Any, k: int = COMPONENTS) -> Directions:
    """The session's model's directions: from the session, else the disk cache, else computed and cached."""
    cached = getattr(session, "_directions", None)
    if cached is not None and len(cached) >= k:
        return cached
    path = _cache_path(session.sha256, k)
    dirs = None
    if path.is_file():
        try:
            with np.load(path, allow_pickle=False) as z:
                dirs = Directions(z["components"], z["stddev"], z["explained"])
        except (OSError, KeyError, ValueError):
            dirs = None  # a damaged cache is recomputed
    if dirs is None or dirs.components.shape[1] != session.G.cfg.w_dim:
        dirs = compute_directions(session.G, k=k)
        _write_cache(path, dirs)
    session._directions = dirs
    return dirs


def _write_cache(path: Path, dirs: Directions) -> None:
    from ..io.atomic import atomic_save

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as f:
            np.savez(f, components=dirs.components, stddev=dirs.stddev, explained=dirs.explained)

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_save(path, write)
    except OSError:
        pass  # a cache only saves seconds next time; a read-only or full disk must not stop the edit


def apply_edits(ws: torch.Tensor, dirs: Directions, edits: tuple[Edit, ...]) -> torch.Tensor:
    """ws [N, num_ws, w_dim] with every edit added on its layers."""
    out = ws.clone()
    for e in edits:
        if e.direction >= len(dirs):
            raise ValueError(f"direction {e.direction} does not exist; this model has 0 … {len(dirs) - 1}")
        start, stop = e.layers or (0, ws.shape[1])
        if stop > ws.shape[1]:
            raise ValueError(f"layers {start}-{stop - 1} out of range: this model has layers 0-{ws.shape[1] - 1}")
        step = torch.from_numpy(dirs.components[e.direction] * dirs.stddev[e.direction] * e.amount)
        out[:, start:stop] += step.to(ws.device, ws.dtype)
    return out

