"""Colour hints on the sketch pad (issue 23): a red dab inside a heart outline gives a red heart; hints travel in
the recipe and through `gan-studio sketch --hints`; hint fidelity is measured on held-out artwork."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image

from gan_studio.core.hints import apply_hints, dab_hints, hint_error, regions

RED = (220, 20, 30, 255)


def _heart() -> np.ndarray:
    """A heart outline drawn as a user would, on the pad's 256 px paper."""
    sheet = np.full((256, 256), 255, np.uint8)
    t = np.linspace(0, 2 * np.pi, 200)
    x = 16 * np.sin(t) ** 3
    y = 13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t)
    cv2.polylines(sheet, [np.stack([128 + x * 6.5, 120 - y * 6.5], 1).astype(np.int32)], True, 0, 5)
    return sheet


def _dab(colour=RED, at=((110, 120), (146, 130))) -> np.ndarray:
    hints = np.zeros((256, 256, 4), np.uint8)
    cv2.line(hints, at[0], at[1], colour, 10)
    return hints


def _hue_inside(painting: np.ndarray, sheet: np.ndarray) -> tuple[float, float]:
    """Mean red and blue-green inside the outline's inner region, at the painting's size."""
    labels, _ = regions(sheet)
    inner = cv2.resize((labels == labels[125, 128]).astype(np.uint8), painting.shape[:2][::-1],
                       interpolation=cv2.INTER_NEAREST).astype(bool) & (painting[..., 3] >= 128)
    px = painting[..., :3][inner].astype(float)
    return px[:, 0].mean(), px[:, 1:].mean()


def test_a_red_hint_inside_a_heart_outline_paints_a_red_heart():
    from gan_studio.core.library.registry import Library
    from gan_studio.core.sessions.open import open_session

    sess = open_session("sketch2emoji-128", Library())  # the bundled sketch model
    sheet, hints = _heart(), _dab()
    plain = sess.sketch(sheet)
    hinted = apply_hints(plain, sheet, hints)
    red, other = _hue_inside(hinted, sheet)
    assert red > 150 and red > other + 80, (red, other)  # a red heart
    red0, other0 = _hue_inside(plain, sheet)
    assert red - other > red0 - other0 + 40  # the model alone paints it a greyish brown-pink
    assert hint_error(hinted, sheet, hints) < 8 < hint_error(plain, sheet, hints)
    assert np.array_equal(hinted[..., 3], plain[..., 3])  # transparency is the model's
    outside = _dab(at=((10, 10), (30, 12)))  # a hint on the background (transparent in the painting)
    assert np.array_equal(apply_hints(plain, sheet, outside), plain)
    stray = np.zeros_like(hints)
    stray[128, 128] = RED  # one pixel is a stray touch, not a hint
    assert np.array_equal(apply_hints(plain, sheet, stray), plain)


def test_hints_travel_in_the_recipe_and_malformed_ones_are_one_error():
    from gan_studio.core.sessions.recipes import sketch_from_recipe, sketch_recipe_fields

    sheet, hints = _heart(), _dab()
    fields = {"model_id": "m", **sketch_recipe_fields(sheet, None, "heart-sketch.png", hints=hints)}
    rec = sketch_from_recipe(fields)
    assert np.array_equal(rec.hints, hints) and np.array_equal(rec.drawing, sheet)
    assert "hints" not in sketch_recipe_fields(sheet, None, "x.png", hints=np.zeros_like(hints))
    with pytest.raises(ValueError, match="hints do not decode"):
        sketch_from_recipe({**fields, "hints": "not base64!"})
    with pytest.raises(ValueError, match="no drawing"):
        sketch_from_recipe({**fields, "drawing": None})


def test_the_cli_paints_with_hints_and_the_fidelity_judge_sees_them(tmp_path):
    from gan_studio.cli import main
    from gan_studio.core.io.recipe import read_recipe
    from gan_studio.core.metrics.hints import evaluate_hints

    Image.fromarray(_heart()).save(tmp_path / "heart.png")
    Image.fromarray(_dab()).save(tmp_path / "hints.png")
    assert main(["sketch", "--model", "sketch2emoji-128", "--input", str(tmp_path / "heart.png"),
                 "--hints", str(tmp_path / "hints.png"), "-o", str(tmp_path / "red.png")]) == 0
    red = np.asarray(Image.open(tmp_path / "red.png"))
    assert _hue_inside(red, _heart())[0] > 150 and "hints" in read_recipe(tmp_path / "red.png")
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(tmp_path / "rgb.png")
    assert main(["sketch", "--model", "sketch2emoji-128", "--input", str(tmp_path / "heart.png"),
                 "--hints", str(tmp_path / "rgb.png"), "-o", str(tmp_path / "x.png")]) == 2  # no alpha: clear error
    # Held-out artwork: a heart and a disc in their own colours, dabbed as a user would.
    held = tmp_path / "held"
    held.mkdir()
    art = np.zeros((128, 128, 4), np.uint8)
    cv2.circle(art, (64, 64), 50, (30, 90, 220, 255), -1)
    cv2.circle(art, (64, 64), 50, (10, 10, 10, 255), 4)
    Image.fromarray(art).save(held / "disc.png")
    result = evaluate_hints("sketch2emoji-128", held)
    assert result["n_hinted"] == 1 and result["hint_delta_e_with"] < result["hint_delta_e_without"]
    assert (dab_hints(art, np.full((256, 256), 255, np.uint8))[..., 3] == 0).all()  # no closed region: no dab
