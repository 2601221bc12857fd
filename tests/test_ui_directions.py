"""The explorer's direction sliders in the real window: a slider changes the pixels to the session's edited
render, undo takes the edit back, a named edit is saved and re-applied, and the recipe carries the edits."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from PySide6.QtCore import QSettings

from gan_studio.ui.main_window import MainWindow
from gan_studio.ui.qimage import qimage_pixels
from gan_studio.ui.worker import InferenceWorker
from tests.conftest import TINY_ID, reference_library


@pytest.fixture
def window(qtbot, tiny_library, tmp_path):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(worker=InferenceWorker(), settings=settings)
    qtbot.addWidget(win)
    win.show()
    win.load_models()
    qtbot.waitUntil(lambda: win.explorer.shown_image() is not None, timeout=30000)
    yield win
    win.close()


def _render(req):
    from gan_studio.core.sessions.generator import GeneratorSession

    return GeneratorSession.open(TINY_ID, library=reference_library(), device="cpu").render(req)


def _wait_for(qtbot, win, expected):
    qtbot.waitUntil(lambda: np.array_equal(qimage_pixels(win.explorer.shown_image()), expected), timeout=20000)


def test_a_direction_slider_edits_the_image_and_undo_takes_it_back(window, qtbot):
    from gan_studio.core.sessions.requests import Edit

    box = window.explorer.directions
    qtbot.waitUntil(lambda: box.sliders[0].isEnabled(), timeout=30000)  # directions computed on the worker
    assert "% of the variety" in box.labels[0].text()
    plain = window.explorer.current_request()
    assert plain.edits == ()
    box.sliders[0].set_value(3.0)
    req = window.explorer.current_request()
    assert req.edits == (Edit(0, 3.0, None),)
    edited = _render(req)
    assert np.abs(edited.astype(int) - _render(plain).astype(int)).mean() > 1.0  # a visible change
    _wait_for(qtbot, window, edited)
    assert "1 edit" in window.explorer.caption.text()
    # a layer range: the coarse layers only
    box.ranges[0].setCurrentIndex(1)  # the first preset after "All layers": coarse
    coarse = window.explorer.current_request()
    assert coarse.edits[0].layers is not None and coarse.edits[0].layers[0] == 0
    _wait_for(qtbot, window, _render(coarse))
    window.explorer.undo()
    window.explorer.undo()
    assert window.explorer.state.edits == () and box.sliders[0].value() == 0.0
    _wait_for(qtbot, window, _render(plain))


def test_named_edits_are_saved_per_model_and_reapplied(window, qtbot):
    box = window.explorer.directions
    qtbot.waitUntil(lambda: box.sliders[1].isEnabled(), timeout=30000)
    box.sliders[1].set_value(-2.0)
    box.save_edit("darker")
    saved = box.edits()
    box.reset()
    assert window.explorer.state.edits == ()
    assert box.saved.findText("darker") >= 0
    box.apply_saved("darker")
    assert window.explorer.state.edits == saved
    _wait_for(qtbot, window, _render(window.explorer.current_request()))


def test_edits_travel_in_the_exported_recipe(window, qtbot):
    from gan_studio.core.sessions.requests import Edit, RenderRequest, request_from_recipe

    req = replace(RenderRequest(TINY_ID, seed=2, psi=0.7), edits=(Edit(2, 1.5, None),))
    window.explorer.apply_recipe(request_from_recipe(_recipe(req)))
    assert window.explorer.state.edits == req.edits
    assert window.explorer.directions.sliders[2].value() == pytest.approx(1.5)
    _wait_for(qtbot, window, _render(req))


def _recipe(req):
    from gan_studio.core.sessions.generator import GeneratorSession

    return GeneratorSession.open(TINY_ID, library=reference_library(), device="cpu").recipe(req)


def test_mixer_presets_say_how_much_they_change_an_image(window, qtbot):
    mixer = window.mixer
    qtbot.waitUntil(lambda: "grey levels" in mixer.preset_buttons["coarse"].toolTip(), timeout=30000)
    assert "Coarse layers" in mixer.preset_buttons["coarse"].toolTip()
    assert "grey levels" in mixer.preset_buttons["fine"].toolTip()
