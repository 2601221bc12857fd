"""Diversity of a preview grid, and a warning when it collapses (every seed drawing the same picture).

Previews come from fixed seeds, so if the per-pixel spread across the 16 tiles falls far below what it
was early in the run, the generator is mode-collapsing. Pure NumPy on the PNG the trainer wrote.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

COLLAPSE_RATIO = 0.35  # warn below this fraction of the run's best diversity
COLLAPSE_FLOOR = 0.02  # …or below this absolute spread (0-1 scale), whatever came before


def split_grid(grid: np.ndarray, cols: int = 4, pad: int = 2) -> np.ndarray:
    """Cut a square-tiled grid (as ``io.images.grid`` writes) back into its tiles."""
    h, w = grid.shape[:2]
    side = (w - (cols - 1) * pad) // cols
    rows = (h + pad) // (side + pad)
    return np.stack([grid[r * (side + pad): r * (side + pad) + side, c * (side + pad): c * (side + pad) + side]
                     for r in range(rows) for c in range(cols)])


def grid_diversity(path: Path, cols: int = 4, pad: int = 2) -> float:
    """Mean per-pixel standard deviation across tiles, 0 (identical) … ~0.5."""
    with Image.open(path) as im:
        arr = np.asarray(im.convert("RGBA"), dtype=np.float32) / 255.0
    tiles = split_grid(arr, cols, pad)
    rgb = tiles[..., :3] * tiles[..., 3:] + (1 - tiles[..., 3:])  # judge what the eye sees: on white
    return float(rgb.std(axis=0).mean())


def collapse_warning(history: list[float]) -> str | None:
    """A message when the newest diversity has collapsed relative to the run so far."""
    if len(history) < 2:
        return None
    best, now = max(history), history[-1]
    if now < COLLAPSE_FLOOR or now < COLLAPSE_RATIO * best:
        return (f"Diversity collapsed: the preview seeds look alike (spread {now:.3f}, was up to {best:.3f}). "
                "Try more augmentation, a lower learning rate, or resume from an earlier checkpoint.")
    return None
