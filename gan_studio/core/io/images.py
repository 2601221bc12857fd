"""Tensor ↔ image conversions and grids (pure NumPy/Pillow; used by sessions, trainer and export)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image

from .atomic import atomic_save


def to_uint8(img: torch.Tensor) -> np.ndarray:
    """NCHW in nominal [−1, 1] → NHWC uint8 (StyleGAN's x·127.5+128 rounding)."""
    x = (img.detach().float() * 127.5 + 128).clamp(0, 255).to(torch.uint8)
    return x.permute(0, 2, 3, 1).cpu().numpy()


def from_uint8(arr: np.ndarray) -> torch.Tensor:
    """NHWC uint8 → NCHW float in [−1, 1]."""
    t = torch.from_numpy(np.ascontiguousarray(arr)).permute(0, 3, 1, 2).float()
    return t / 127.5 - 1.0


def grid(images: np.ndarray | list[np.ndarray], cols: int, pad: int = 2) -> np.ndarray:
    """Tile HWC images (same size) into one image; transparent padding where there is alpha."""
    images = list(images)
    h, w, c = images[0].shape
    rows = (len(images) + cols - 1) // cols
    out = np.zeros((rows * h + (rows - 1) * pad, cols * w + (cols - 1) * pad, c), np.uint8)
    if c == 3:
        out[:] = 40
    for i, im in enumerate(images):
        r, q = divmod(i, cols)
        out[r * (h + pad): r * (h + pad) + h, q * (w + pad): q * (w + pad) + w] = im
    return out


def to_pil(arr: np.ndarray) -> Image.Image:
    return Image.fromarray(arr, "RGBA" if arr.shape[2] == 4 else "RGB")


def save_png(arr: np.ndarray, path: Path) -> None:
    atomic_save(path, lambda tmp: to_pil(arr).save(tmp, format="PNG"))


def resize(arr: np.ndarray, size: int) -> np.ndarray:
    """Resize HWC uint8 to ``size`` px high, keeping its aspect (a square image becomes size×size; a CoGAN pair
    stays a pair of squares side by side)."""
    h, w = arr.shape[:2]
    if h == size:
        return arr
    return np.asarray(to_pil(arr).resize((max(1, round(w * size / h)), size), Image.Resampling.LANCZOS))
