"""Sketches: line drawings extracted from artwork, and augmentation that makes them look hand-drawn.

Convention: a sketch is a single-channel uint8 image, white paper (255) with dark ink (0). Models see it
as ``1 - 2·ink`` in [−1, 1]. Augmentation (line width, jitter, gaps and dropped strokes, soft edges) runs
batched in torch from the trainer's generator, so a resumed run draws the same sketches.
"""

from __future__ import annotations

import cv2
import numpy as np
import torch
import torch.nn.functional as F


def composite_white(rgba: np.ndarray) -> np.ndarray:
    """HWC uint8 (RGB or RGBA) → RGB on white paper."""
    if rgba.shape[2] == 3:
        return rgba
    a = rgba[..., 3:4].astype(np.float32) / 255.0
    return (rgba[..., :3].astype(np.float32) * a + 255.0 * (1 - a)).round().astype(np.uint8)


def extract_sketch(img: np.ndarray, low: int = 60, high: int = 140) -> np.ndarray:
    """Edges of an image's colour regions and silhouette as thin dark lines on white."""
    rgb = composite_white(img)
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    gray = cv2.GaussianBlur(gray, (3, 3), 0.8)
    edges = cv2.Canny(gray, low, high)
    if img.shape[2] == 4:
        alpha = cv2.GaussianBlur(img[..., 3], (3, 3), 0.8)
        edges |= cv2.Canny(alpha, 60, 160)
    return (255 - edges).astype(np.uint8)


def image_to_sketch(img: np.ndarray, size: int) -> np.ndarray:
    """Any user image → a sketch at ``size`` with lines as wide as the sketch pad's default brush."""
    h, w = img.shape[:2]
    side = max(h, w)
    canvas = np.full((side, side, img.shape[2]), 255, np.uint8)
    if img.shape[2] == 4:
        canvas[..., 3] = 0
    canvas[(side - h) // 2:(side - h) // 2 + h, (side - w) // 2:(side - w) // 2 + w] = img
    small = cv2.resize(canvas, (size, size), interpolation=cv2.INTER_AREA)
    sk = extract_sketch(small)
    return cv2.erode(sk, np.ones((2, 2), np.uint8))


def sketch_to_tensor(sketch: np.ndarray) -> torch.Tensor:
    """HW uint8 (white 255) → 1×1×H×W in [−1, 1]."""
    return torch.from_numpy(np.ascontiguousarray(sketch)).float().div(127.5).sub(1.0)[None, None]


def augment_sketches(ink: torch.Tensor, gen: torch.Generator, strength: float = 1.0) -> torch.Tensor:
    """Batch of thin-line ink maps (N×1×H×W, 1 = ink) → hand-drawn-looking sketches in [−1, 1]."""
    n, _, h, w = ink.shape
    dev = ink.device
    # Line width: 1, 2 or 3 pixels (max-pool dilation), chosen per sample.
    widths = torch.randint(0, 3, (n,), generator=gen).to(dev)
    thick = torch.stack([ink, F.max_pool2d(F.pad(ink, (0, 1, 0, 1)), 2, 1),
                         F.max_pool2d(ink, 3, 1, 1)])
    x = thick[widths, torch.arange(n, device=dev)]
    # Jitter: a smooth random displacement field of up to ~1.5 % of the side.
    amp = strength * 0.03 * torch.rand(n, 1, 1, 1, generator=gen).to(dev)
    flow = (torch.rand(n, 2, 4, 4, generator=gen).to(dev) * 2 - 1) * amp
    flow = F.interpolate(flow, size=(h, w), mode="bicubic", align_corners=True).permute(0, 2, 3, 1)
    ys, xs = torch.meshgrid(torch.linspace(-1, 1, h, device=dev), torch.linspace(-1, 1, w, device=dev),
                            indexing="ij")
    base = torch.stack([xs, ys], -1)[None]
    x = F.grid_sample(x, base + flow, mode="bilinear", padding_mode="zeros", align_corners=True)
    # Gaps and dropped strokes: a blotchy mask removes up to ~35 % of the ink.
    keep_frac = 1 - strength * 0.35 * torch.rand(n, 1, 1, 1, generator=gen).to(dev)
    blot = F.interpolate(torch.rand(n, 1, 8, 8, generator=gen).to(dev), size=(h, w), mode="bilinear",
                         align_corners=False)
    x = x * (blot < keep_frac).float()
    # Soft (anti-aliased) or hard lines.
    soft = (torch.rand(n, 1, 1, 1, generator=gen).to(dev) < 0.5).float()
    x = soft * F.avg_pool2d(x, 3, 1, 1) * 1.5 + (1 - soft) * x
    return 1 - 2 * x.clamp(0, 1)
