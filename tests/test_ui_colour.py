# ruff: noqa: F811  (pytest fixtures imported from test_ui_translate)
"""The Colours box on the sketch pad and the translate panel: real pixels recoloured on the worker, exported
with the step in the recipe, and restored when the export is reopened (issue 23)."""

from __future__ import annotations

import numpy as np
from PIL import Image

from gan_studio.core.colour import ColourStep, apply_colours
from gan_studio.ui.qimage import qimage_pixels
from tests.conftest import TINY_CYCLE_ID, TINY_SKETCH_ID
from tests.test_ui_translate import (  # noqa: F401  (fixtures)
    ZIGZAG,
    _image,
    _session,
    _stroke,
    _wait_shown,
    sketch_panel,
    translate_panel,
    worker,
)


def test_a_palette_recolours_the_sketch_painting_live_and_in_the_export(sketch_panel, qtbot, tmp_path):
    from gan_studio.core.io.recipe import read_recipe
    from gan_studio.core.sessions.recipes import sketch_from_recipe

    panel = sketch_panel
    _stroke(qtbot, panel.canvas, ZIGZAG)
    plain = _wait_shown(qtbot, panel)
    sketch = panel.canvas.pixels()
    assert not panel.colours.palette_w.isVisibleTo(panel)  # "as the model paints" until the user picks
    panel.colours.mode.setCurrentIndex(panel.colours.mode.findData("palette"))
    panel.colours.set_palette(["#1040e0"])
    step = ColourStep("palette", ("#1040e0",))
    assert panel.colours.step() == step and panel.colours.palette_w.isVisibleTo(panel)
    qtbot.waitUntil(lambda: not np.array_equal(qimage_pixels(panel.shown_image()), plain), timeout=20000)
    shown = _wait_shown(qtbot, panel)
    assert np.array_equal(shown, apply_colours(_session(TINY_SKETCH_ID).sketch(sketch), step))
    ink = shown[..., 3] >= 128
    assert shown[..., 2][ink].mean() > plain[..., 2][ink].mean() + 20  # bluer
    out = tmp_path / "blue.png"
    panel.export(out)
    qtbot.waitUntil(out.exists, timeout=20000)
    assert sketch_from_recipe(read_recipe(out)).colours == step
    panel.colours.mode.setCurrentIndex(0)  # back to the model's colours …
    assert not panel.colours.step().active
    panel.apply_recipe(sketch_from_recipe(read_recipe(out)), out)  # … and the export restores its palette
    assert panel.colours.step() == step


def test_translate_takes_the_colours_of_an_image(translate_panel, qtbot, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: warnings.append(box.text()) or 0)
    panel = translate_panel
    src = _image(tmp_path / "icon.png")
    assert panel.open_image(src)
    plain = _wait_shown(qtbot, panel)
    ref = np.zeros((16, 16, 4), np.uint8)
    ref[...] = (40, 200, 60, 255)
    Image.fromarray(ref).save(tmp_path / "green.png")
    panel.colours.mode.setCurrentIndex(panel.colours.mode.findData("reference"))
    assert panel.colours.load_reference(tmp_path / "green.png")
    assert panel.colours.reference_label.text() == "green.png"
    qtbot.waitUntil(lambda: not np.array_equal(qimage_pixels(panel.shown_image()), plain), timeout=20000)
    shown = _wait_shown(qtbot, panel)
    arr = np.asarray(Image.open(src).convert("RGBA"))
    want = apply_colours(_session(TINY_CYCLE_ID).run(arr, panel.direction(), fit="model"), panel.colours.step())
    assert np.array_equal(shown, want)
    ink = shown[..., 3] >= 128
    assert shown[..., 1][ink].mean() > shown[..., 0][ink].mean()  # green wins
    assert not panel.colours.load_reference(tmp_path / "missing.png")  # a clear message, no crash
    assert warnings and warnings[0].startswith("missing.png:")
