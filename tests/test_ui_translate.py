"""Sketch pad, translation panel and the upscaled export, through the real worker thread on tiny models."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QPoint, QPointF, QSettings, Qt

from gan_studio.ui.panels.sketch import SketchPanel
from gan_studio.ui.panels.translate import TranslatePanel
from gan_studio.ui.qimage import qimage_pixels
from gan_studio.ui.worker import InferenceWorker
from tests.conftest import TINY_CYCLE_ID, TINY_ID, TINY_SKETCH_ID, TINY_SR_ID, reference_library


@pytest.fixture
def worker(tiny_library):
    w = InferenceWorker()
    yield w
    w.stop()
    assert not w.thread.isRunning()


@pytest.fixture
def sketch_panel(qtbot, tiny_library, worker):
    panel = SketchPanel(worker)
    qtbot.addWidget(panel)
    panel.resize(900, 480)
    panel.show()
    panel.set_cards(tiny_library.cards())
    _wait_shown(qtbot, panel)
    return panel


@pytest.fixture
def translate_panel(qtbot, tiny_library, worker):
    panel = TranslatePanel(worker)
    qtbot.addWidget(panel)
    panel.resize(900, 480)
    panel.show()
    panel.set_cards(tiny_library.cards())
    qtbot.waitUntil(lambda: panel.direction_combo.count() == 2, timeout=20000)
    yield panel
    panel.shutdown()


def _session(model_id):
    from gan_studio.core.sessions.open import open_session

    return open_session(model_id, library=reference_library(), device="cpu")


def _wait_shown(qtbot, panel, timeout=20000):
    """Until the panel shows the result of its newest request."""
    qtbot.waitUntil(lambda: panel.last_task > 0 and panel._shown >= panel.last_task, timeout=timeout)
    return qimage_pixels(panel.shown_image())


def _stroke(qtbot, canvas, points, release=True):
    """Press, move through and release at ``points`` given in paper coordinates (0–256)."""
    r = canvas._paper_rect()
    s = r.width() / 256

    def at(x, y):
        return QPoint(round(r.x() + x * s), round(r.y() + y * s))

    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=at(*points[0]))
    for pt in points[1:]:
        qtbot.mouseMove(canvas, at(*pt))
    if release:
        qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=at(*points[-1]))


ZIGZAG = [(40, 60), (90, 200), (140, 50), (190, 210), (220, 80)]
CIRCLE = [(128 + 70 * np.cos(a), 128 + 70 * np.sin(a)) for a in np.linspace(0, 2 * np.pi, 24)]


# -- sketch pad -------------------------------------------------------------------------------------------
def test_strokes_are_painted_live_by_the_model(sketch_panel, qtbot):
    panel = sketch_panel
    assert panel.model_combo.currentData() == TINY_SKETCH_ID  # only sketch models are offered
    assert panel.model_combo.count() == 1
    blank_out = qimage_pixels(panel.shown_image())
    before = panel.last_task
    _stroke(qtbot, panel.canvas, ZIGZAG[:3], release=False)
    qtbot.waitUntil(lambda: panel.last_task > before, timeout=2000)  # throttled preview while drawing
    qtbot.mouseRelease(panel.canvas, Qt.MouseButton.LeftButton)
    _stroke(qtbot, panel.canvas, ZIGZAG)
    sketch = panel.canvas.pixels()
    assert sketch.shape == (256, 256) and sketch.min() < 64 and sketch.max() == 255
    out = _wait_shown(qtbot, panel)
    assert out.shape == (64, 64, 4) and len(np.unique(out.reshape(-1, 4), axis=0)) > 10  # not blank
    assert not np.array_equal(out, blank_out)
    small = qimage_pixels(panel.canvas.paper().scaled(64, 64))
    assert not np.array_equal(out, small)  # a painting, not the sketch echoed back
    assert np.array_equal(out, _session(TINY_SKETCH_ID).sketch(sketch))
    assert panel.latency.text().endswith("ms")


def test_undo_redo_restore_the_canvas(sketch_panel, qtbot):
    canvas = sketch_panel.canvas
    blank = canvas.pixels()
    assert not sketch_panel.undo_btn.isEnabled()
    _stroke(qtbot, canvas, ZIGZAG)
    one = canvas.pixels()
    sketch_panel.eraser_btn.setChecked(True)
    sketch_panel.brush.set_value(20)
    _stroke(qtbot, canvas, [(90, 200), (140, 50)])
    two = canvas.pixels()
    assert not np.array_equal(one, blank) and not np.array_equal(two, one)
    assert (two >= one).all()  # the eraser only whitens
    sketch_panel.undo_btn.click()
    assert np.array_equal(canvas.pixels(), one)
    sketch_panel.undo()
    assert np.array_equal(canvas.pixels(), blank) and not sketch_panel.undo_btn.isEnabled()
    sketch_panel.redo()
    sketch_panel.redo_btn.click()
    assert np.array_equal(canvas.pixels(), two) and not sketch_panel.redo_btn.isEnabled()
    sketch_panel.clear_btn.click()
    assert np.array_equal(canvas.pixels(), blank)
    canvas.undo()
    assert np.array_equal(canvas.pixels(), two)
    _wait_shown(qtbot, sketch_panel)  # every edit reached the model; the newest result is on screen


def test_variation_seed_changes_the_painting(sketch_panel, qtbot):
    panel = sketch_panel
    qtbot.waitUntil(panel.variation_box.isEnabled, timeout=10000)  # the tiny pix2pix has dropout
    assert not panel.seed_box.isEnabled() and panel.seed() is None
    _stroke(qtbot, panel.canvas, CIRCLE)
    plain = _wait_shown(qtbot, panel)
    panel.variation_check.setChecked(True)
    assert panel.seed_box.isEnabled() and panel.dice_btn.isEnabled()
    panel.seed_box.setValue(1)
    one = _wait_shown(qtbot, panel)
    panel.seed_box.setValue(2)
    two = _wait_shown(qtbot, panel)
    assert not np.array_equal(one, two) and not np.array_equal(one, plain)
    assert np.array_equal(two, _session(TINY_SKETCH_ID).sketch(panel.canvas.pixels(), seed=2))
    panel.variation_check.setChecked(False)
    assert np.array_equal(_wait_shown(qtbot, panel), plain)


def test_load_image_as_sketch_and_export(sketch_panel, qtbot, tmp_path):
    from gan_studio.core.io.recipe import read_recipe

    src = tmp_path / "photo.png"
    im = Image.new("RGB", (80, 60), "white")
    im.paste((200, 30, 30), (20, 10, 60, 50))
    im.save(src)
    with qtbot.waitSignal(sketch_panel.worker.finished, timeout=20000,
                          check_params_cb=lambda key, *a: key == "sketch-load"):
        sketch_panel.load_image(src)
    traced = sketch_panel.canvas.pixels()
    assert traced.min() == 0 and (traced == 255).mean() > 0.5  # dark edges on white paper
    sketch_panel.undo()
    assert (sketch_panel.canvas.pixels() == 255).all()  # loading is one undoable step
    sketch_panel.redo()
    out = tmp_path / "painting.png"
    with qtbot.waitSignal(sketch_panel.worker.finished, timeout=20000,
                          check_params_cb=lambda key, *a: key == "sketch-export"):
        sketch_panel.export(out)
    recipe = read_recipe(out)
    assert recipe["model_id"] == TINY_SKETCH_ID and recipe["kind"] == "sketch" and recipe["seed"] is None
    saved_sketch = np.asarray(Image.open(tmp_path / recipe["sketch_file"]))
    assert np.array_equal(saved_sketch[..., 0], traced)
    assert np.asarray(Image.open(out)).shape == (64, 64, 4)


def test_panels_without_a_model_explain_and_keep_working(qtbot, worker, tmp_path):
    sketch, translate = SketchPanel(worker), TranslatePanel(worker)
    for p in (sketch, translate):
        qtbot.addWidget(p)
        p.show()
        p.set_cards([])
    assert "No sketch model" in sketch.view._message and not sketch.export_btn.isEnabled()
    _stroke(qtbot, sketch.canvas, ZIGZAG)
    assert sketch.canvas.can_undo() and sketch.last_task == 0
    img = tmp_path / "in.png"
    Image.new("RGB", (20, 20), "red").save(img)
    assert translate.open_image(img)
    assert "No translation model" in translate.view.message() and not translate.batch_btn.isEnabled()


# -- translation ------------------------------------------------------------------------------------------
def _image(path: Path, size=(40, 28), seed=0) -> Path:
    rng = np.random.RandomState(seed)
    arr = np.zeros((size[1], size[0], 4), np.uint8)
    arr[..., :3] = rng.randint(0, 255, 3)
    arr[4:-4, 6:-6, 3] = 255
    Image.fromarray(arr, "RGBA").save(path)
    return path


def test_translation_shows_both_directions(translate_panel, qtbot, tmp_path):
    panel = translate_panel
    src = _image(tmp_path / "icon.png")
    assert panel.open_image(src)
    assert panel.view.before() is not None
    arr = np.asarray(Image.open(src).convert("RGBA"))
    session = _session(TINY_CYCLE_ID)
    assert panel.model_combo.count() == 1 and panel.model_combo.currentData() == TINY_CYCLE_ID
    assert [panel.direction_combo.itemData(i) for i in range(2)] == ["AtoB", "BtoA"]
    assert panel.direction_combo.itemText(0) == "symbol → colour"
    outs = {}
    for key in ("AtoB", "BtoA"):
        panel.set_direction(key)
        outs[key] = _wait_shown(qtbot, panel)
        assert outs[key].shape == arr.shape
        assert np.array_equal(outs[key], session.run(arr, key, fit="model"))
    assert not np.array_equal(outs["AtoB"], outs["BtoA"])
    panel.fit_combo.setCurrentIndex(panel.fit_combo.findData("native"))
    assert np.array_equal(_wait_shown(qtbot, panel), session.run(arr, "BtoA", fit="native"))
    panel.side_check.setChecked(True)
    assert panel.view.side_by_side()
    panel.view.grab()  # both paint paths run without error


def test_before_after_divider_drags(translate_panel, qtbot, tmp_path):
    panel = translate_panel
    panel.open_image(_image(tmp_path / "a.png"))
    _wait_shown(qtbot, panel)
    view = panel.view
    frame = view._frame()
    qtbot.mousePress(view, Qt.MouseButton.LeftButton, pos=QPoint(frame.x() + frame.width() // 4, frame.center().y()))
    assert view.split() == pytest.approx(0.25, abs=0.02)
    qtbot.keyClick(view, Qt.Key.Key_Right)
    assert view.split() == pytest.approx(0.30, abs=0.02)
    assert frame.contains(QPointF(view._divider_x(frame), frame.center().y()).toPoint())


def test_unreadable_image_gives_a_message(translate_panel, tmp_path):
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"not an image")
    assert not translate_panel.open_image(bad)
    assert "Cannot open bad.png" in translate_panel.caption.text()


def test_batch_skips_a_corrupt_file_and_reports_it(translate_panel, qtbot, tmp_path):
    src, dst = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    for i in range(3):
        _image(src / f"good{i}.png", seed=i)
    (src / "bad.png").write_bytes(b"not an image")
    with qtbot.waitSignal(translate_panel.batchFinished, timeout=30000) as sig:
        translate_panel.start_batch(src, dst)
        assert translate_panel.cancel_btn.isEnabled() and not translate_panel.batch_btn.isEnabled()
    report = sig.args[0]
    assert sorted(p.name for p in report.written) == ["good0.png", "good1.png", "good2.png"]
    assert all((dst / f"good{i}.png").is_file() for i in range(3))
    assert [(p.name, bool(reason)) for p, reason in report.skipped] == [("bad.png", True)]
    qtbot.waitUntil(lambda: translate_panel.job is None, timeout=5000)
    assert "Wrote 3 images" in translate_panel.batch_label.text()
    assert translate_panel.skipped_list.count() == 1 and "bad.png" in translate_panel.skipped_list.item(0).text()
    assert translate_panel.batch_btn.isEnabled() and not translate_panel.cancel_btn.isEnabled()


def test_cancel_stops_a_batch_early(translate_panel, qtbot, tmp_path):
    src, dst = tmp_path / "in", tmp_path / "out"
    src.mkdir()
    for i in range(12):
        _image(src / f"img{i:02d}.png", seed=i)
    with qtbot.waitSignal(translate_panel.batchFinished, timeout=30000) as sig:
        translate_panel.start_batch(src, dst)
        translate_panel.cancel_btn.click()
    report = sig.args[0]
    assert report.cancelled and len(report.written) < 12
    assert translate_panel.batch_label.text().startswith("Cancelled")
    qtbot.waitUntil(lambda: translate_panel.job is None, timeout=5000)


def test_translation_export_has_a_recipe(translate_panel, qtbot, tmp_path):
    from gan_studio.core.io.recipe import read_recipe

    panel = translate_panel
    panel.open_image(_image(tmp_path / "icon.png"))
    panel.set_direction("BtoA")
    shown = _wait_shown(qtbot, panel)
    out = tmp_path / "export.png"
    with qtbot.waitSignal(panel.worker.finished, timeout=20000,
                          check_params_cb=lambda key, *a: key == "translate-export"):
        panel.export(out)
    recipe = read_recipe(out)
    assert recipe["model_id"] == TINY_CYCLE_ID and recipe["direction"] == "BtoA" and recipe["fit"] == "model"
    assert recipe["source"] == "icon.png" and recipe["kind"] == "translate"
    assert np.array_equal(np.asarray(Image.open(out)), shown)


# -- the window -------------------------------------------------------------------------------------------
@pytest.fixture
def window(qtbot, tiny_library, tmp_path):
    from gan_studio.ui.main_window import MainWindow

    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(worker=InferenceWorker(), settings=settings)
    qtbot.addWidget(win)
    win.show()
    win.load_models()
    qtbot.waitUntil(lambda: win.explorer.shown_image() is not None, timeout=30000)
    yield win
    win.close()
    assert not win.worker.thread.isRunning()


def test_window_upscaled_export_and_panels(window, qtbot, tmp_path):
    from gan_studio.core.io.recipe import read_recipe

    assert window.upscale_action.isEnabled() and window.upscale_id == TINY_SR_ID
    explorer_img = qimage_pixels(window.explorer.shown_image())
    out = tmp_path / "big.png"
    with qtbot.waitSignal(window.worker.finished, timeout=30000,
                          check_params_cb=lambda key, *a: key == "export"):
        window.export_upscaled(out)
    big = np.asarray(Image.open(out))
    assert big.shape[:2] == (explorer_img.shape[0] * 4, explorer_img.shape[1] * 4)
    recipe = read_recipe(out)
    assert recipe["upscaled"] == TINY_SR_ID and recipe["model_id"] == TINY_ID

    # The sketch pad starts its model only when opened, and the window's Undo reaches it.
    assert window.sketch.last_task == 0
    window.show_panel("sketch")
    _wait_shown(qtbot, window.sketch)
    _stroke(qtbot, window.sketch.canvas, ZIGZAG)
    window.sketch.canvas.setFocus()
    qtbot.waitUntil(lambda: window._active() == "sketch", timeout=2000)
    qtbot.keyClick(window.sketch.canvas, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert not window.sketch.canvas.can_undo() and window.sketch.canvas.can_redo()
    qtbot.keyClick(window.sketch.canvas, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier)
    assert window.sketch.canvas.can_undo()
    window.undo_action.trigger()
    qtbot.keyClick(window.sketch.canvas, Qt.Key.Key_Z,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert window.sketch.canvas.can_undo() and not window.sketch.canvas.can_redo()
    assert window.explorer.state.seed == 0  # the explorer's history was left alone
    window.show_panel("translate")
    qtbot.waitUntil(lambda: window.translate.direction_combo.count() == 2, timeout=20000)

    window._set_upscaler(None)  # no upscale model: the action is off and a call explains why
    assert not window.upscale_action.isEnabled()
    assert window.export_upscaled(tmp_path / "none.png") is None
    assert "No upscale model" in window.statusBar().currentMessage()
