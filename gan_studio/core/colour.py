"""The colour step a user controls after a model paints: recolour to a palette, or take an image's colours.

A model trained on emoji paints what it learned (a pink smiley, the same palette for every translation); an
artist wants their colours. Both steps work in CIE Lab on the opaque pixels only, so shading, outlines and
transparency stay the model's:

- **palette**: the painting's colours are grouped into as many clusters as the palette has colours (k-means,
  seeded by lightness, so it is deterministic); clusters and palette colours are paired from dark to light,
  and every pixel moves toward its cluster's colour (its a/b fully, its lightness halfway, so shading stays).
- **like an image**: Reinhard et al.'s colour transfer: the painting's Lab mean and spread become the
  reference image's. The recipe keeps the six numbers, not the image, so an export reopens exactly.

``strength`` blends from the model's colours (0) to the full step (1). Pure numpy + OpenCV: no torch.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

MODES = ("off", "palette", "reference")
MAX_PALETTE = 8
_HEX = re.compile(r"^#?([0-9a-fA-F]{6})$")


def parse_colour(text: str) -> tuple[int, int, int]:
    """'#ffcc00' or 'ffcc00' → (255, 204, 0)."""
    m = _HEX.match(str(text).strip())
    if not m:
        raise ValueError(f"not a colour: {text!r} (use hex, e.g. #ffcc00)")
    v = m.group(1)
    return int(v[0:2], 16), int(v[2:4], 16), int(v[4:6], 16)


def hex_colour(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


@dataclass(frozen=True)
class ColourStep:
    mode: str = "off"
    palette: tuple[str, ...] = ()  # hex colours (palette mode)
    reference: tuple[float, ...] = ()  # Lab mean (3) and std (3) of the reference image (reference mode)
    strength: float = 1.0

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise ValueError(f"unknown colour mode {self.mode!r}; choose one of {', '.join(MODES)}")
        if not isinstance(self.strength, int | float) or not math.isfinite(self.strength) or \
                not 0.0 <= self.strength <= 1.0:
            raise ValueError(f"colour strength must be 0 … 1, not {self.strength!r}")
        palette = tuple(hex_colour(parse_colour(c)) for c in self.palette)
        object.__setattr__(self, "palette", palette)
        if self.mode == "palette" and not 1 <= len(palette) <= MAX_PALETTE:
            raise ValueError(f"a palette has 1 … {MAX_PALETTE} colours, not {len(palette)}")
        ref = tuple(float(v) for v in self.reference)
        if self.mode == "reference" and (len(ref) != 6 or not all(math.isfinite(v) for v in ref)):
            raise ValueError("a reference needs its Lab mean and spread (six finite numbers)")
        object.__setattr__(self, "reference", ref)

    @property
    def active(self) -> bool:
        return self.mode != "off" and self.strength > 0

    def to_json(self) -> dict[str, Any]:
        return {"mode": self.mode, "palette": list(self.palette), "reference": [round(v, 4) for v in self.reference],
                "strength": self.strength}

    @classmethod
    def from_json(cls, data: Any) -> ColourStep:
        """A recipe's or the CLI's colour step; anything malformed is a ValueError naming the field."""
        if data is None:
            return cls()
        if not isinstance(data, dict):
            raise ValueError("colours must be an object with mode, palette, reference and strength")
        palette, reference = data.get("palette", []), data.get("reference", [])
        if not isinstance(palette, list | tuple) or not isinstance(reference, list | tuple):
            raise ValueError("colours: palette and reference must be lists")
        try:
            strength = float(data.get("strength", 1.0))
        except (TypeError, ValueError) as exc:
            raise ValueError(f"colours: strength must be a number, not {data.get('strength')!r}") from exc
        return cls(mode=str(data.get("mode", "off")), palette=tuple(palette), reference=tuple(reference),
                   strength=strength)


def _lab(rgb: np.ndarray) -> np.ndarray:
    import cv2

    return cv2.cvtColor(rgb.astype(np.float32).reshape(-1, 1, 3) / 255.0, cv2.COLOR_RGB2Lab).reshape(-1, 3)


def _rgb(lab: np.ndarray) -> np.ndarray:
    import cv2

    out = cv2.cvtColor(lab.astype(np.float32).reshape(-1, 1, 3), cv2.COLOR_Lab2RGB).reshape(-1, 3)
    return np.clip(out * 255.0 + 0.5, 0, 255).astype(np.uint8)


def _opaque(image: np.ndarray) -> np.ndarray:
    """The pixels that carry colour: alpha ≥ 50 % (all of an RGB image)."""
    if image.shape[2] == 4:
        return image[..., 3] >= 128
    return np.ones(image.shape[:2], bool)


def reference_stats(image: np.ndarray) -> tuple[float, ...]:
    """An image's Lab mean and spread over its opaque pixels: what 'like an image' keeps."""
    if image.ndim != 3 or image.shape[2] not in (3, 4):
        raise ValueError("a reference is an RGB or RGBA image")
    mask = _opaque(image)
    if mask.sum() < 16:
        raise ValueError("the reference image is (almost) fully transparent: it has no colours to take")
    lab = _lab(image[..., :3][mask])
    return (*lab.mean(0).tolist(), *np.maximum(lab.std(0), 1e-3).tolist())


def _kmeans(lab: np.ndarray, k: int, iters: int = 12) -> tuple[np.ndarray, np.ndarray]:
    """Centroids sorted dark → light and each pixel's cluster; seeded at lightness quantiles (deterministic)."""
    order = np.argsort(lab[:, 0], kind="stable")
    seeds = order[np.minimum(((np.arange(k) + 0.5) / k * len(lab)).astype(int), len(lab) - 1)]
    centres = lab[seeds].astype(np.float64)
    sample = lab[:: max(1, len(lab) // 20000)].astype(np.float64)  # a 128 px painting: every pixel
    for _ in range(iters):
        d = ((sample[:, None, :] - centres[None]) ** 2).sum(-1)
        near = d.argmin(1)
        for j in range(k):
            if (near == j).any():
                centres[j] = sample[near == j].mean(0)
    centres = centres[np.argsort(centres[:, 0], kind="stable")]
    labels = ((lab[:, None, :] - centres[None]) ** 2).sum(-1).argmin(1)
    return centres, labels


def apply_colours(image: np.ndarray, step: ColourStep | None) -> np.ndarray:
    """The painting (HWC uint8, RGB or RGBA) after the colour step; alpha and transparent pixels untouched."""
    if step is None or not step.active:
        return image
    mask = _opaque(image)
    if mask.sum() == 0:
        return image  # an empty (transparent) painting stays empty
    lab = _lab(image[..., :3][mask]).astype(np.float64)
    if step.mode == "palette":
        targets = _lab(np.array([parse_colour(c) for c in step.palette], np.uint8)).astype(np.float64)
        targets = targets[np.argsort(targets[:, 0], kind="stable")]
        k = min(len(targets), len(np.unique(lab.round(0), axis=0)))
        centres, labels = _kmeans(lab, k)
        if k < len(targets):  # fewer distinct colours than the palette: use its colours nearest in lightness
            targets = targets[np.linspace(0, len(targets) - 1, k).round().astype(int)]
        shift = (targets - centres)[labels]
        shift[:, 0] *= 0.5  # lightness halfway: the model's shading and outlines survive
        new = lab + shift
    else:
        ref = np.asarray(step.reference, np.float64)
        mean, std = lab.mean(0), np.maximum(lab.std(0), 1e-3)
        new = (lab - mean) / std * ref[3:] + ref[:3]
    new = lab + step.strength * (new - lab)
    new[:, 0] = np.clip(new[:, 0], 0, 100)
    out = image.copy()
    out[..., :3][mask] = _rgb(new)
    return out
