"""What an exported PNG's recipe means: which panel reopens it, and the sketch pad's and translate panel's
settings (the explorer, mixer, age and text kinds are parsed beside their requests).

Everything here is torch- and Qt-free; a malformed recipe is one ``ValueError`` that says what is wrong.
"""

from __future__ import annotations

import base64
import binascii
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..colour import ColourStep

PANELS = {"render": "explorer", "walk": "explorer", "mix": "mixer", "age": "age", "text": "text",
          "sketch": "sketch", "translate": "translate"}
FITS = ("model", "native")
SKETCH_SIDES = (16, 4096)  # the pad's paper is 256 px; anything outside this is not one of ours


def panel_for_recipe(recipe: dict[str, Any]) -> str:
    """The panel that restores ``recipe`` ("explorer", "mixer", "age", "text", "sketch" or "translate")."""
    kind = recipe.get("kind")
    if kind not in PANELS:
        raise ValueError(f"unknown recipe kind {kind!r}: this image was made by another version or tool")
    return PANELS[kind]


@dataclass(frozen=True, eq=False)
class SketchRecipe:
    """A sketch pad export: the model, the dropout seed (None: no variation) and the drawing itself."""

    model_id: str
    seed: int | None
    drawing: np.ndarray | None  # HW uint8, 255 paper and 0 ink; None in a recipe that does not carry it
    sketch_file: str | None  # the sketch written beside the painting (older exports restore from it)
    trace: bool = False  # `gan-studio sketch --trace`: ``sketch_file`` is a photo whose edges were traced
    colours: ColourStep = ColourStep()  # the colour step after painting (core/colour.py)
    hints: np.ndarray | None = None  # HW×4 uint8 colour hints on the drawing (core/hints.py), or None

    def sketch_beside(self, png: Path) -> Path | None:
        """The sketch (or traced photo) file next to the exported ``png``, where it still exists."""
        if not self.sketch_file:
            return None
        candidate = Path(png).parent / Path(self.sketch_file).name
        return candidate if candidate.is_file() else None


@dataclass(frozen=True)
class TranslateRecipe:
    """A translate panel export: the model, direction and fit, and the name of the image translated."""

    model_id: str
    direction: str | None
    fit: str
    source: str | None
    colours: ColourStep = ColourStep()

    def source_beside(self, png: Path) -> Path | None:
        """The translated image, where it sits next to the export (the recipe keeps only its name)."""
        if not self.source:
            return None
        candidate = Path(png).parent / Path(self.source).name
        return candidate if candidate.is_file() else None


def encode_drawing(drawing: np.ndarray) -> str:
    """HW uint8 → base64 of a grayscale PNG (a few KiB for a line drawing; the recipe chunk is zipped too)."""
    from PIL import Image

    if drawing.ndim != 2 or drawing.dtype != np.uint8:
        raise ValueError(f"a drawing is HW uint8, not {drawing.shape} {drawing.dtype}")
    buf = io.BytesIO()
    Image.fromarray(drawing, "L").save(buf, format="PNG", optimize=True)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def decode_drawing(text: Any) -> np.ndarray:
    from PIL import Image

    if not isinstance(text, str):
        raise ValueError("the drawing is not text")
    lo, hi = SKETCH_SIDES
    try:
        with Image.open(io.BytesIO(base64.b64decode(text, validate=True))) as im:
            w, h = im.size  # checked before anything is decoded: a recipe's drawing can be a bomb
            if w != h or not lo <= w <= hi:
                raise ValueError(f"the drawing is {w}×{h}, not a square sheet of {lo} … {hi} px")
            return np.asarray(im.convert("L"))
    except (binascii.Error, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ValueError(f"the drawing does not decode ({exc})") from exc


def sketch_recipe_fields(drawing: np.ndarray, seed: int | None, sketch_file: str,
                         colours: ColourStep | None = None, hints: np.ndarray | None = None) -> dict[str, Any]:
    """What the sketch pad adds to the translator session's recipe (kind "sketch")."""
    fields = {"kind": "sketch", "seed": seed, "sketch_file": sketch_file, "canvas": list(drawing.shape),
              "drawing": encode_drawing(drawing)}
    if colours is not None and colours.active:
        fields["colours"] = colours.to_json()
    if hints is not None and (hints[..., 3] > 0).any():
        fields["hints"] = encode_hints(hints)
    return fields


def encode_hints(hints: np.ndarray) -> str:
    """HW×4 uint8 → base64 of an RGBA PNG (a few strokes on transparency compress to a few KiB)."""
    from PIL import Image

    if hints.ndim != 3 or hints.shape[2] != 4 or hints.dtype != np.uint8:
        raise ValueError(f"hints are HW×4 uint8, not {hints.shape} {hints.dtype}")
    buf = io.BytesIO()
    Image.fromarray(hints, "RGBA").save(buf, format="PNG", optimize=True)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def decode_hints(text: Any, shape: tuple[int, ...]) -> np.ndarray:
    from PIL import Image

    if not isinstance(text, str):
        raise ValueError("the hints are not text")
    try:
        with Image.open(io.BytesIO(base64.b64decode(text, validate=True))) as im:
            if im.size[0] * im.size[1] > SKETCH_SIDES[1] ** 2:
                raise ValueError(f"{im.size[0]}×{im.size[1]} is larger than any sheet")
            arr = np.asarray(im.convert("RGBA"))
    except (binascii.Error, OSError, ValueError, SyntaxError) as exc:
        raise ValueError(f"the hints do not decode ({exc})") from exc
    if arr.shape[:2] != tuple(shape[:2]):
        raise ValueError(f"the hints are {arr.shape[1]}×{arr.shape[0]}, not the drawing's {shape[1]}×{shape[0]}")
    return arr


def _model_id(recipe: dict[str, Any]) -> str:
    model_id = recipe.get("model_id")
    if not isinstance(model_id, str) or not model_id:
        raise ValueError("it names no model")
    return model_id


def _opt_str(recipe: dict[str, Any], key: str) -> str | None:
    value = recipe.get(key)
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{key} is {type(value).__name__}, not text")
    return value


def sketch_from_recipe(recipe: dict[str, Any]) -> SketchRecipe:
    """Parse a kind "sketch" recipe; raises ValueError("recipe is malformed: …")."""
    try:
        if recipe.get("kind") != "sketch":
            raise ValueError(f"kind is {recipe.get('kind')!r}, not 'sketch'")
        seed = recipe.get("seed")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**31):
            raise ValueError(f"seed {seed!r} is not a whole number 0 … 2147483647")
        drawing = decode_drawing(recipe["drawing"]) if recipe.get("drawing") is not None else None
        sketch_file = _opt_str(recipe, "sketch_file") or _opt_str(recipe, "source")  # source: `gan-studio sketch`
        hints = None
        if recipe.get("hints") is not None:
            if drawing is None:
                raise ValueError("it has hints but no drawing to place them on")
            hints = decode_hints(recipe["hints"], drawing.shape)
        return SketchRecipe(_model_id(recipe), seed, drawing, sketch_file, bool(recipe.get("trace", False)),
                            ColourStep.from_json(recipe.get("colours")), hints)
    except ValueError as exc:
        raise ValueError(f"recipe is malformed: {exc}") from exc


def translate_from_recipe(recipe: dict[str, Any]) -> TranslateRecipe:
    """Parse a kind "translate" recipe; raises ValueError("recipe is malformed: …")."""
    try:
        if recipe.get("kind") != "translate":
            raise ValueError(f"kind is {recipe.get('kind')!r}, not 'translate'")
        fit = recipe.get("fit", "model")
        if fit not in FITS:
            raise ValueError(f"fit {fit!r} is not one of {', '.join(FITS)}")
        return TranslateRecipe(_model_id(recipe), _opt_str(recipe, "direction"), fit, _opt_str(recipe, "source"),
                               ColourStep.from_json(recipe.get("colours")))
    except ValueError as exc:
        raise ValueError(f"recipe is malformed: {exc}") from exc
