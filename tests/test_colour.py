"""The colour step after painting (issue 23): a palette or another image's colours, on the opaque pixels only,
through the core, the CLI, the sketch pad and the translate panel, kept in recipes."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from gan_studio.core.colour import ColourStep, apply_colours, reference_stats


def _smiley() -> np.ndarray:
    """A pink disc with two dark eyes on transparency (what the sketch model paints for a smiley)."""
    yy, xx = np.mgrid[:64, :64]
    img = np.zeros((64, 64, 4), np.uint8)
    disc = (yy - 32) ** 2 + (xx - 32) ** 2 < 26 ** 2
    img[disc] = (236, 150, 170, 255)
    for cx in (24, 40):
        img[(yy - 26) ** 2 + (xx - cx) ** 2 < 16] = (60, 30, 30, 255)
    return img


def _lab_mean(img: np.ndarray, mask: np.ndarray) -> np.ndarray:
    import cv2

    return cv2.cvtColor(img[..., :3].astype(np.float32) / 255, cv2.COLOR_RGB2Lab)[mask].mean(0)


def test_a_palette_recolours_dark_to_light_and_keeps_alpha_and_shading():
    img = _smiley()
    out = apply_colours(img, ColourStep("palette", ("#f7c531", "#5b3a1a")))  # yellow and brown, any order
    assert np.array_equal(out[..., 3], img[..., 3]) and not out[img[..., 3] == 0, :3].any()
    face = (img[..., :3] == (236, 150, 170)).all(-1)
    eyes = (img[..., :3] == (60, 30, 30)).all(-1)
    target = _lab_mean(np.array([[[247, 197, 49]]], np.uint8), np.ones((1, 1), bool))
    before, after = _lab_mean(img, face), _lab_mean(out, face)
    assert np.abs(after[1:] - target[1:]).max() < 3  # the face's hue is the palette's yellow
    assert np.linalg.norm(before[1:] - target[1:]) > 30
    assert _lab_mean(out, eyes)[0] < after[0] - 25  # the eyes stay darker than the face
    half = apply_colours(img, ColourStep("palette", ("#f7c531", "#5b3a1a"), strength=0.5))
    mid = _lab_mean(half, face)[1:]
    assert np.linalg.norm(mid - (before[1:] + after[1:]) / 2) < 3  # strength blends linearly
    assert np.array_equal(apply_colours(img, ColourStep("palette", ("#f7c531",), strength=0.0)), img)
    empty = np.zeros((8, 8, 4), np.uint8)
    assert np.array_equal(apply_colours(empty, ColourStep("palette", ("#ff0000",))), empty)


def test_like_an_image_takes_its_mean_and_spread_and_round_trips_through_json():
    img = _smiley()
    green = np.zeros((32, 32, 4), np.uint8)
    green[4:28, 4:28] = (60, 170, 60, 255)
    green[10:20, 10:20] = (120, 220, 110, 255)
    stats = reference_stats(green)
    step = ColourStep("reference", reference=stats)
    out = apply_colours(img, step)
    ink = img[..., 3] > 0
    assert np.abs(_lab_mean(out, ink) - np.array(stats[:3])).max() < 2
    again = ColourStep.from_json(json.loads(json.dumps(step.to_json())))
    assert np.array_equal(apply_colours(img, again), out)
    with pytest.raises(ValueError, match="transparent"):
        reference_stats(np.zeros((8, 8, 4), np.uint8))


@pytest.mark.parametrize("bad, match", [
    ({"mode": "sepia"}, "unknown colour mode"), ({"mode": "palette", "palette": []}, "1 … 8"),
    ({"mode": "palette", "palette": ["red"]}, "not a colour"), ({"strength": "x"}, "strength"),
    ({"strength": float("nan")}, "0 … 1"), ({"mode": "reference", "reference": [1, 2]}, "six"),
    ({"palette": "#fff000"}, "lists"), ([1], "object")])
def test_malformed_colour_steps_are_one_clear_error(bad, match):
    with pytest.raises(ValueError, match=match):
        ColourStep.from_json(bad)


def test_the_cli_recolours_a_translation_and_records_it(tiny_library, tmp_path):
    from gan_studio.cli import main
    from gan_studio.core.io.recipe import read_recipe
    from gan_studio.core.sessions.recipes import translate_from_recipe
    from tests.conftest import TINY_CYCLE_ID

    src = tmp_path / "in.png"
    Image.fromarray(_smiley()).resize((16, 16)).save(src)
    plain, red = tmp_path / "plain.png", tmp_path / "red.png"
    assert main(["translate", "--model", TINY_CYCLE_ID, "--input", str(src), "-o", str(plain)]) == 0
    assert main(["translate", "--model", TINY_CYCLE_ID, "--input", str(src), "-o", str(red),
                 "--palette", "#e02020"]) == 0
    a, b = np.asarray(Image.open(plain)), np.asarray(Image.open(red))
    ink = b[..., 3] >= 128
    assert ink.any() and b[..., 0][ink].mean() - b[..., 2][ink].mean() > a[..., 0][ink].mean() - a[..., 2][ink].mean()
    rec = translate_from_recipe(read_recipe(red))
    assert rec.colours == ColourStep("palette", ("#e02020",))
    assert main(["translate", "--model", TINY_CYCLE_ID, "--input", str(src), "-o", str(tmp_path / "x.png"),
                 "--palette", "#e0202"]) == 2  # a typo is a clear error, exit 2
