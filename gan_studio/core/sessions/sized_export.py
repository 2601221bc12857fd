"""Export at a chosen size: smaller than the image is a high-quality downscale, larger goes through a ×N
super-resolution model (as many passes as it takes, then down to the exact size), and without one a plain
Lanczos resize that the caller is told about. Every panel and every CLI export sizes its image here."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

MIN_SIZE, MAX_SIZE = 16, 1024


def check_size(size: int | None) -> int | None:
    """``size`` when it is None (native) or 16 … 1024 px; a one-line ValueError otherwise."""
    if size is not None and not (isinstance(size, int | np.integer) and MIN_SIZE <= size <= MAX_SIZE):
        raise ValueError(f"export size must be {MIN_SIZE} … {MAX_SIZE} px (or native), not {size}")
    return None if size is None else int(size)


@dataclass(frozen=True)
class Sized:
    """An image at its export size and how it got there."""

    image: np.ndarray
    size: int  # pixels of the measured side now
    upscaled: str | None = None  # the super-resolution model that made the pixels
    passes: int = 0  # how many times it ran
    plain_resize: bool = False  # enlarged with Lanczos: no upscaler was given

    def recipe(self) -> dict[str, Any]:
        """What a recipe records: the size, and the upscaler's id when it made the pixels."""
        return {"export_size": self.size, **({"upscaled": self.upscaled} if self.upscaled else {})}

    def note(self) -> str:
        if self.upscaled:
            twice = f" ({self.passes} passes)" if self.passes > 1 else ""
            return f"{self.size} px, enlarged by {self.upscaled}{twice}"
        if self.plain_resize:
            return f"{self.size} px, plain Lanczos resize: no upscale model enlarged it"
        return ""


class Written(type(Path())):  # type: ignore[misc]  # the platform's concrete Path
    """A written file's path and what sizing did to it (``note``, empty when nothing)."""

    note: str = ""

    def with_note(self, note: str) -> Written:
        self.note = note
        return self

    def describe(self) -> str:
        return f"{self} ({self.note})" if self.note else str(self)


def _side(img: np.ndarray, side: str) -> int:
    return int(img.shape[0]) if side == "height" else int(max(img.shape[:2]))


def fit(img: np.ndarray, size: int, side: str = "longest") -> np.ndarray:
    """Resize HWC uint8 so its longest side (or its height) is ``size``, keeping the aspect and any alpha:
    Lanczos, which Pillow antialiases when shrinking (and premultiplies for RGBA)."""
    from PIL import Image

    h, w = img.shape[:2]
    if _side(img, side) == size:
        return img
    f = size / _side(img, side)
    target = (max(1, round(w * f)), max(1, round(h * f)))
    if side == "height" or h >= w:
        target = (target[0], size)
    else:
        target = (size, target[1])
    mode = {1: "L", 3: "RGB", 4: "RGBA"}[img.shape[2]]
    out = np.asarray(Image.fromarray(img[..., 0] if mode == "L" else img, mode).resize(target,
                                                                                        Image.Resampling.LANCZOS))
    return out[..., None] if out.ndim == 2 else out


def upscale_once(upscaler: Any, img: np.ndarray) -> np.ndarray:
    """One pass of the super-resolution model, with the input's channels: an alpha the model cannot make is
    enlarged beside it (Lanczos); one it makes for an opaque input is dropped."""
    out = upscaler.upscale(img)
    channels = img.shape[2]
    if out.shape[2] == 1:
        out = np.repeat(out, 3, axis=2)
    if out.shape[2] == channels:
        return out
    if channels == 3:
        return np.ascontiguousarray(out[..., :3])
    alpha = fit(np.ascontiguousarray(img[..., 3:4]), out.shape[0], "height")
    return np.concatenate([out[..., :3], alpha[:, : out.shape[1]]], axis=2)


def at_size(img: np.ndarray, size: int | None, upscaler: Any = None, side: str = "longest") -> Sized:
    """``img`` (HWC uint8, RGB or RGBA) with its longest side (``side="height"``: its height) at ``size`` px.

    None: as it is. Up to its own size: downscaled. Larger: the upscaler (a TranslatorSession with an "up"
    direction) runs until the image reaches ``size`` (twice for 64 → 1024), then it is resized down to exactly
    ``size`` (a last pass that would make over 1.5 × ``size`` runs on the image shrunk to size/scale: 32 → 1024
    px is 32 → 128 → 512 → 256 → 1024, not … → 2048 → 1024, a quarter of the work); without one, a Lanczos
    resize, flagged ``plain_resize``."""
    size = check_size(size)
    if img.ndim != 3 or img.shape[2] not in (1, 3, 4):
        raise ValueError(f"expected an H×W×3 or H×W×4 image, not shape {img.shape}")
    have = _side(img, side)
    if size is None or size == have:
        return Sized(img, have)
    if size < have:
        return Sized(fit(img, size, side), size)
    if upscaler is None:
        return Sized(fit(img, size, side), size, plain_resize=True)
    if upscaler.scale < 2:
        raise ValueError(f"{upscaler.model_id} does not enlarge (scale ×{upscaler.scale})")
    out, passes = img, 0
    while _side(out, side) < size:
        if _side(out, side) * upscaler.scale > 1.5 * size:  # a last pass would overshoot far: run it smaller
            out = fit(out, -(-size // upscaler.scale), side)
        out, passes = upscale_once(upscaler, out), passes + 1
    return Sized(fit(out, size, side), size, upscaler.model_id, passes)


def export_at_size(img: np.ndarray, path: Path, recipe: dict[str, Any] | None, size: int | None,
                   upscaler: Any = None, side: str = "longest") -> Written:
    """``img`` sized by :func:`at_size` and written as PNG with ``recipe`` plus ``export_size`` (and
    ``upscaled``); the path comes back with a note of what sizing did."""
    from ..io.export import export_png

    sized = at_size(img, size, upscaler, side)
    rec = {**recipe, **sized.recipe()} if recipe is not None else None
    return Written(export_png(sized.image, Path(path), rec)).with_note(sized.note())


def export_strip(frames: list[np.ndarray], path: Path, recipe: dict[str, Any], size: int | None,
                 upscaler: Any = None) -> Written:
    """Images side by side (the age strip), each at ``size`` px first: the size is each face's, not the
    strip's."""
    from ..io.export import export_png
    from ..io.images import grid

    sized = [at_size(f, size, upscaler) for f in frames]
    out = grid([s.image for s in sized], cols=len(sized))
    return Written(export_png(out, Path(path), {**recipe, **sized[0].recipe()})).with_note(sized[0].note())
