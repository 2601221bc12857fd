"""The sketch pad's painting as one pure function of what the user set: the drawing, the variation seed, the
colour hints and the colour step (the panel and `gan-studio sketch` both paint through it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..colour import ColourStep, apply_colours
from ..hints import apply_hints, as_sheet


def paint(session: Any, drawing: np.ndarray, seed: int | None = None, colours: ColourStep | None = None,
          hints: np.ndarray | None = None) -> np.ndarray:
    """The model's painting of ``drawing``, its hinted regions recoloured, then the user's colour step."""
    return apply_colours(apply_hints(session.sketch(drawing, seed=seed), as_sheet(drawing), hints), colours)


def export_painting(session: Any, drawing: np.ndarray, path: Path, seed: int | None = None,
                    colours: ColourStep | None = None, hints: np.ndarray | None = None, size: int | None = None,
                    upscaler: Any = None) -> Path:
    """The painting as PNG with its recipe (drawing, hints and colours embedded, so it reopens exactly), at
    ``size`` px (sized_export.at_size), and the sketch beside it as ``<name>-sketch.png`` (as drawn)."""
    from ..io.export import export_png
    from .recipes import sketch_recipe_fields
    from .sized_export import export_at_size

    path = Path(path).with_suffix(".png")
    sketch_path = path.with_name(f"{path.stem}-sketch.png")
    written = export_at_size(paint(session, drawing, seed, colours, hints), path, session.recipe(
        **sketch_recipe_fields(drawing, seed, sketch_path.name, colours, hints)), size, upscaler)
    export_png(np.repeat(drawing[..., None], 3, axis=2), sketch_path)
    return written
