"""Hint fidelity of a sketch model: held-out artwork traced to sketches, dabbed with hints in the artwork's own
colours (core.hints.dab_hints), painted with and without them; the colour distance inside the hinted regions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..data.images import load_folder
from ..library.registry import Library


def evaluate_hints(model_id: str, heldout: Path, library: Library | None = None, num: int = 64) -> dict[str, Any]:
    from ..data.sketch import image_to_sketch
    from ..hints import apply_hints, dab_hints, hint_error
    from ..sessions.translator import TranslatorSession

    sess = TranslatorSession.open(model_id, library=library or Library())
    real, _ = load_folder(heldout, 256, 4)
    plain, hinted, n = [], [], 0
    for img in real:
        if n >= num:
            break
        drawing = image_to_sketch(img, 256)
        hints = dab_hints(img, drawing)
        if not (hints[..., 3] > 0).any():
            continue  # no closed inner region to dab
        painting = sess.sketch(drawing)
        plain.append(hint_error(painting, drawing, hints))
        hinted.append(hint_error(apply_hints(painting, drawing, hints), drawing, hints))
        n += 1
    if not n:
        raise ValueError(f"no image in {heldout} traces to a sketch with a closed region to hint")
    return {"model": model_id, "n_hinted": n,
            "hint_delta_e_without": round(float(np.nanmean(plain)), 2),
            "hint_delta_e_with": round(float(np.nanmean(hinted)), 2)}
