"""Colour hints on a sketch: a dab of colour inside an outline colours that region of the painting.

The user draws the outline in ink and a few coloured strokes (hints) inside its shapes. The sketch's paper is
split into regions by its ink (OpenCV connected components, the ink closed a little so small gaps in a
hand-drawn outline do not leak); every enclosed region a hint touches takes the hint's colour in the painting, the way
the palette step moves colours (core/colour.py): a/b to the hint, lightness halfway, so the model's shading and
outlines stay. Unhinted regions keep the model's colours, and transparency is never touched.

This guides the pix2pix painting after the fact; the bundled sketch model was not trained with hint channels
(interactive-colourisation style), which would let a hint also change textures and not only colour.
"""

from __future__ import annotations

import numpy as np

MIN_HINT_PIXELS = 3  # fewer hint pixels in a region than this are a stray touch, not a hint


def as_sheet(drawing: np.ndarray) -> np.ndarray:
    """A drawing as the grey sheet hints are placed on (HW uint8; RGB/RGBA drawings composited on white)."""
    import cv2

    if drawing.ndim == 2:
        return drawing
    from .data.sketch import composite_white

    return cv2.cvtColor(composite_white(drawing), cv2.COLOR_RGB2GRAY)


def fit_hints(hints: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """A hint layer (RGBA, any size) at the drawing's size (nearest: hint colours stay pure)."""
    import cv2

    if hints.ndim != 3 or hints.shape[2] != 4:
        raise ValueError("a hint layer is an RGBA image: coloured strokes on transparency")
    if (hints[..., 3] >= 128).mean() > 0.5:
        raise ValueError("a hint layer is a few coloured strokes on transparency; this image is mostly opaque")
    if hints.shape[:2] == shape:
        return hints
    return cv2.resize(hints, (shape[1], shape[0]), interpolation=cv2.INTER_NEAREST)


def regions(drawing: np.ndarray, close: int = 2) -> tuple[np.ndarray, int]:
    """The paper's regions: a label per pixel (0 = ink), and how many labels there are."""
    import cv2

    ink = (drawing < 128).astype(np.uint8)
    if close:
        ink = cv2.dilate(ink, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * close + 1, 2 * close + 1)))
    n, labels = cv2.connectedComponents((1 - ink).astype(np.uint8), connectivity=4)
    return labels.astype(np.int32), int(n)


def hint_colours(drawing: np.ndarray, hints: np.ndarray) -> tuple[np.ndarray, dict[int, tuple[int, int, int]]]:
    """Region labels of the sketch and the colour each hinted region asks for (the mean of its hint pixels)."""
    if drawing.ndim != 2:
        raise ValueError("a drawing is a grey sheet (HW)")
    if hints.shape[:2] != drawing.shape or hints.ndim != 3 or hints.shape[2] != 4:
        raise ValueError(f"hints must be an RGBA layer of the drawing's size {drawing.shape[1]}×{drawing.shape[0]}")
    labels, _ = regions(drawing)
    painted = hints[..., 3] >= 128
    outside = set(np.unique(np.r_[labels[0], labels[-1], labels[:, 0], labels[:, -1]]).tolist())
    asked: dict[int, tuple[int, int, int]] = {}
    for label in np.unique(labels[painted & (labels > 0)]):
        if int(label) in outside:
            continue  # the paper around the drawing is not a shape: a hint there colours nothing
        sel = painted & (labels == label)
        if sel.sum() >= MIN_HINT_PIXELS:
            asked[int(label)] = tuple(int(v) for v in hints[..., :3][sel].mean(0).round())
    return labels, asked


def apply_hints(painting: np.ndarray, drawing: np.ndarray, hints: np.ndarray | None,
                strength: float = 1.0) -> np.ndarray:
    """The painting (HWC uint8) with each hinted region of ``drawing`` moved to its hint's colour."""
    import cv2

    from .colour import _lab, _rgb  # the palette step's Lab conversions

    if hints is None or not (hints[..., 3] >= 128).any():
        return painting
    labels, asked = hint_colours(drawing, hints)
    if not asked:
        return painting
    h, w = painting.shape[:2]
    small = cv2.resize(labels, (w, h), interpolation=cv2.INTER_NEAREST)
    opaque = painting[..., 3] >= 128 if painting.shape[2] == 4 else np.ones((h, w), bool)
    out = painting.copy()
    for label, rgb in asked.items():
        sel = (small == label) & opaque
        if not sel.any():
            continue
        lab = _lab(painting[..., :3][sel]).astype(np.float64)
        target = _lab(np.array([rgb], np.uint8))[0].astype(np.float64)
        shift = target - lab.mean(0)  # the region's mean colour to the hint's; its own variation stays
        shift[0] *= 0.5  # lightness halfway: shading and highlights survive
        new = lab + strength * shift
        new[:, 0] = np.clip(new[:, 0], 0, 100)
        out[..., :3][sel] = _rgb(new)
    return out


def hint_error(painting: np.ndarray, drawing: np.ndarray, hints: np.ndarray) -> float:
    """Hint fidelity: the mean colour distance (CIE ΔE*ab, a/b only) between the painting inside each hinted
    region and its hint; lower is better (a just-noticeable difference is about 2.3)."""
    import cv2

    from .colour import _lab

    labels, asked = hint_colours(drawing, hints)
    h, w = painting.shape[:2]
    small = cv2.resize(labels, (w, h), interpolation=cv2.INTER_NEAREST)
    opaque = painting[..., 3] >= 128 if painting.shape[2] == 4 else np.ones((h, w), bool)
    errors = []
    for label, rgb in asked.items():
        sel = (small == label) & opaque
        if sel.sum():
            ab = _lab(painting[..., :3][sel])[:, 1:].mean(0)
            errors.append(float(np.linalg.norm(ab - _lab(np.array([rgb], np.uint8))[0, 1:])))
    return float(np.mean(errors)) if errors else float("nan")


def dab_hints(image: np.ndarray, drawing: np.ndarray, regions_wanted: int = 2, radius: int = 6) -> np.ndarray:
    """What a user would dab: one round hint in each of the ``regions_wanted`` largest inner regions of the
    drawing, in the real image's mean colour there (for measuring hint fidelity on held-out artwork)."""
    import cv2

    labels, n = regions(drawing)
    side = drawing.shape[0]
    real = cv2.resize(image, (side, side), interpolation=cv2.INTER_AREA)
    border = set(np.unique(np.r_[labels[0], labels[-1], labels[:, 0], labels[:, -1]]).tolist())
    inner = [(int((labels == k).sum()), k) for k in range(1, n) if k not in border]
    hints = np.zeros((side, side, 4), np.uint8)
    for _, k in sorted(inner, reverse=True)[:regions_wanted]:
        sel = (labels == k) & (real[..., 3] >= 128 if real.shape[2] == 4 else True)
        if sel.sum() < 4 * radius * radius:
            continue
        ys, xs = np.nonzero(sel)
        i = int(np.argmin((ys - ys.mean()) ** 2 + (xs - xs.mean()) ** 2))  # the region's pixel nearest its centre
        colour = tuple(int(v) for v in real[..., :3][sel].mean(0))
        dab = np.zeros_like(hints)
        cv2.circle(dab, (int(xs[i]), int(ys[i])), radius, (*colour, 255), -1)
        hints[sel & (dab[..., 3] > 0)] = dab[sel & (dab[..., 3] > 0)]  # a dab stays inside its region
    return hints
