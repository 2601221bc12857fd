"""A judge of colour, not of colourfulness: do a translation's colours match the real image of the same thing?

For known pairs (a held-out symbol translated to colour, and the real colour emoji of the same file name) it
compares colours in CIE Lab (D65), in ways that ignore the drawing and small misalignments:

- ``mean_colour_de``: ΔE (CIE76, Euclidean in Lab) between the alpha-weighted mean colours of the two images;
- ``pooled_de``: ΔE between the two images composited on white and averaged over ``grid``×``grid`` cells
  (4×4: 32-px cells at 128 px), over the cells either image covers (the union mask);
- ``hue_share``: the share of pairs whose dominant hue is right: the same peak of the chroma-weighted hue
  histogram within ``HUE_TOLERANCE`` degrees, or both achromatic (black, grey or white art).

About 2.3 ΔE is a just-noticeable difference; red and yellow are ~60 apart. The tolerance (15°) is tight
enough that amber (Lab hue ~70°) is neither red (~35°) nor yellow (~90°). Pure numpy: no torch, no Qt.
"""

from __future__ import annotations

import numpy as np

HUE_BINS = 36  # 10° each
HUE_TOLERANCE = 15.0  # degrees: the same 10° bin or a neighbour
CHROMA_MIN = 20.0  # Lab chroma below this is grey
CHROMATIC_SHARE_MIN = 0.15  # fewer coloured pixels than this (of the opaque ones): the image is achromatic
_WHITE = np.array([0.95047, 1.0, 1.08883])
_M = np.array([[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750],
               [0.0193339, 0.1191920, 0.9503041]])


def srgb_to_lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB in 0…1 (…×3) → CIE Lab (D65)."""
    c = np.clip(rgb.astype(np.float64), 0.0, 1.0)
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    xyz = lin @ _M.T / _WHITE
    d = 6 / 29
    f = np.where(xyz > d**3, np.cbrt(xyz), xyz / (3 * d * d) + 4 / 29)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]), 200 * (f[..., 1] - f[..., 2])], -1)


def _split(images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """N×H×W×4 uint8 → (sRGB 0…1, alpha 0…1); three channels count as opaque."""
    x = np.asarray(images, dtype=np.float64) / 255.0
    if x.ndim == 3:
        x = x[None]
    alpha = x[..., 3] if x.shape[-1] == 4 else np.ones(x.shape[:-1])
    return x[..., :3], alpha


def mean_colours(images: np.ndarray) -> np.ndarray:
    """N×3: each image's alpha-weighted mean Lab (white where nothing is drawn)."""
    rgb, alpha = _split(images)
    lab = srgb_to_lab(rgb)
    w = alpha[..., None]
    total = w.sum((1, 2))
    mean = (lab * w).sum((1, 2)) / np.maximum(total, 1e-6)
    return np.where(total > 1e-3, mean, np.array([100.0, 0.0, 0.0]))


def pooled_lab(images: np.ndarray, grid: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """(N×grid×grid×3 Lab of the images on white averaged per cell, N×grid×grid alpha coverage per cell)."""
    rgb, alpha = _split(images)
    lab = srgb_to_lab(rgb * alpha[..., None] + (1 - alpha[..., None]))
    n, h, w = alpha.shape
    if h % grid or w % grid:
        raise ValueError(f"{h}×{w} images do not split into {grid}×{grid} cells")
    cells = lab.reshape(n, grid, h // grid, grid, w // grid, 3).mean((2, 4))
    cover = alpha.reshape(n, grid, h // grid, grid, w // grid).mean((2, 4))
    return cells, cover


def dominant_hues(images: np.ndarray) -> np.ndarray:
    """N hue angles in degrees (Lab's atan2(b, a)) at the peak of each image's chroma-weighted hue
    histogram (circularly smoothed), NaN for an achromatic image."""
    rgb, alpha = _split(images)
    lab = srgb_to_lab(rgb)
    chroma = np.hypot(lab[..., 1], lab[..., 2])
    hue = np.degrees(np.arctan2(lab[..., 2], lab[..., 1])) % 360
    out = np.full(len(rgb), np.nan)
    for i in range(len(rgb)):
        opaque = alpha[i] > 0.5
        coloured = opaque & (chroma[i] > CHROMA_MIN)
        if coloured.sum() < CHROMATIC_SHARE_MIN * max(int(opaque.sum()), 1) or not coloured.any():
            continue
        hist, _ = np.histogram(hue[i][coloured], bins=HUE_BINS, range=(0, 360), weights=chroma[i][coloured])
        smooth = hist + 0.5 * (np.roll(hist, 1) + np.roll(hist, -1))
        out[i] = (int(np.argmax(smooth)) + 0.5) * 360 / HUE_BINS
    return out


def hue_right(ours: np.ndarray, real: np.ndarray) -> np.ndarray:
    """Per pair: True where the dominant hues agree within HUE_TOLERANCE, or both images are achromatic."""
    h1, h2 = dominant_hues(ours), dominant_hues(real)
    gap = np.abs((h1 - h2 + 180) % 360 - 180)
    both_grey = np.isnan(h1) & np.isnan(h2)
    return both_grey | (np.nan_to_num(gap, nan=360.0) <= HUE_TOLERANCE)


def pair_scores(ours: np.ndarray, real: np.ndarray, grid: int = 4) -> dict[str, np.ndarray]:
    """Per-pair figures of ``ours`` (N×H×W×C uint8) against ``real`` (the same things, same order)."""
    ours, real = np.asarray(ours), np.asarray(real)
    if ours.ndim == 3:
        ours, real = ours[None], real[None]
    if ours.shape != real.shape:
        raise ValueError(f"pairs must have one shape, not {ours.shape} and {real.shape}")
    mean_de = np.linalg.norm(mean_colours(ours) - mean_colours(real), axis=-1)
    (c1, v1), (c2, v2) = pooled_lab(ours, grid), pooled_lab(real, grid)
    mask = np.maximum(v1, v2) > 0.05
    de = np.linalg.norm(c1 - c2, axis=-1)
    pooled = np.where(mask.any((1, 2)), (de * mask).sum((1, 2)) / np.maximum(mask.sum((1, 2)), 1), 0.0)
    return {"mean_colour_de": mean_de, "pooled_de": pooled, "hue_right": hue_right(ours, real)}


def colour_fidelity(ours: np.ndarray, real: np.ndarray, grid: int = 4) -> dict[str, float]:
    """Means over the pairs: mean-colour ΔE, pooled ΔE (lower is better) and the right-hue share (higher)."""
    s = pair_scores(ours, real, grid)
    return {"mean_colour_de": round(float(s["mean_colour_de"].mean()), 2),
            "pooled_de": round(float(s["pooled_de"].mean()), 2),
            "hue_share": round(float(s["hue_right"].mean()), 4)}


def flat_painter(drawings: np.ndarray, rgb: np.ndarray) -> np.ndarray:
    """Each drawing's alpha painted in one colour (3 uint8, or N×3 for one colour per drawing): the
    'paint everything the average emoji colour' floor, or with each real emoji's own mean colour, the best a
    painter of flat colour can do on the symbol's drawing."""
    d = np.asarray(drawings)
    out = np.empty(d.shape[:-1] + (4,), dtype=np.uint8)
    out[..., :3] = np.broadcast_to(np.asarray(rgb, dtype=np.uint8).reshape(-1, 1, 1, 3), out[..., :3].shape)
    out[..., 3] = d[..., 3] if d.shape[-1] == 4 else 255
    return out


def mean_rgb(images: np.ndarray) -> np.ndarray:
    """N×3 uint8: each image's alpha-weighted mean sRGB (the average over all images with ``.mean(0)``)."""
    rgb, alpha = _split(images)
    w = alpha[..., None]
    return np.round(255 * (rgb * w).sum((1, 2)) / np.maximum(w.sum((1, 2)), 1e-6)).clip(0, 255).astype(np.uint8)
