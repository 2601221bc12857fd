# ruff: noqa: F811  (pytest fixtures imported from test_ui_translate)
"""The Colours box on the sketch pad and the translate panel: real pixels recoloured on the worker, exported
with the step in the recipe, and restored when the export is reopened (issue 23)."""

from __future__ import annotations

import numpy as np
from PIL import Image
from PySide6.QtGui import QColor

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


def test_a_hint_dabbed_inside_a_drawn_outline_colours_that_region(sketch_panel, qtbot, tmp_path):
    from gan_studio.core.io.recipe import read_recipe
    from gan_studio.core.sessions.painting import paint
    from gan_studio.core.sessions.recipes import sketch_from_recipe
    from tests.test_ui_translate import CIRCLE

    panel = sketch_panel
    panel.brush.set_value(8)
    _stroke(qtbot, panel.canvas, CIRCLE)  # a closed outline
    plain = _wait_shown(qtbot, panel)
    panel.hint.set_colour(QColor("#1a3cff"))  # picking a colour selects the hint brush
    assert panel.hint.button.isChecked() and panel.canvas.hinting
    _stroke(qtbot, panel.canvas, [(110, 128), (146, 128)])
    assert panel.canvas.has_hints() and (panel.canvas.pixels() == qimage_pixels(panel.canvas.paper())[..., 0]).all()
    qtbot.waitUntil(lambda: not np.array_equal(qimage_pixels(panel.shown_image()), plain), timeout=20000)
    shown = _wait_shown(qtbot, panel)
    drawing, hints = panel.canvas.pixels(), panel.canvas.hint_pixels()
    assert np.array_equal(shown, paint(_session(TINY_SKETCH_ID), drawing, None, panel.colours.step(), hints))
    inside = shown[24:40, 24:40].reshape(-1, 4)  # the middle of the circle at the model's 64 px
    inside = inside[inside[:, 3] >= 128].astype(float)
    assert len(inside) and inside[:, 2].mean() > inside[:, 0].mean() + 60  # blue where the hint was
    out = tmp_path / "hinted.png"
    panel.export(out)
    qtbot.waitUntil(out.exists, timeout=20000)
    rec = sketch_from_recipe(read_recipe(out))
    assert np.array_equal(rec.hints, hints)
    panel.undo()  # the hint stroke goes, the outline stays
    assert not panel.canvas.has_hints() and (panel.canvas.pixels() < 128).any()
    panel.apply_recipe(rec, out)  # reopening brings the hint back
    assert np.array_equal(panel.canvas.hint_pixels(), hints)


def test_a_removed_swatchs_late_click_is_ignored(qtbot, monkeypatch):
    from PySide6.QtWidgets import QColorDialog

    from gan_studio.ui.colour_box import ColourBox

    box = ColourBox()
    qtbot.addWidget(box)
    box.set_palette(["#ff0000", "#00ff00", "#0000ff"])
    last = box.swatches.itemAt(2).widget()
    asked = []
    monkeypatch.setattr(QColorDialog, "getColor", lambda *a, **k: asked.append(a) or QColor("#123456"))
    box._remove()  # "−": the last swatch goes, its button is deleted later
    assert last.isHidden()
    last.click()  # a click already queued for it (a fast hand, the monkey test) changes nothing
    assert asked == [] and box._palette == ["#ff0000", "#00ff00"]
    box.swatches.itemAt(1).widget().click()
    assert box._palette == ["#ff0000", "#123456"]
