"""Every export reopens into its panel: the sketch pad's painting (its drawing and seed), a translation (its
direction, fit and image), an age strip (its ages), through File → Open and drag & drop, on tiny models."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPoint, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QMessageBox

from gan_studio.core.io.export import export_png
from gan_studio.core.io.recipe import read_recipe
from gan_studio.ui.qimage import qimage_pixels
from gan_studio.ui.worker import InferenceWorker
from tests.conftest import TINY_AGE_ID, TINY_CYCLE_ID, TINY_SKETCH_ID, reference_library

ZIGZAG = [(40, 60), (90, 200), (140, 50), (190, 210), (220, 80)]


@pytest.fixture
def window(qtbot, tiny_library, tmp_path, monkeypatch):
    from gan_studio.ui.main_window import MainWindow

    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *a: warnings.append(a[2]))
    monkeypatch.setattr(QMessageBox, "exec", lambda box: warnings.append(box.text()) or 0)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(worker=InferenceWorker(), settings=settings)
    win.warnings = warnings
    qtbot.addWidget(win)
    win.show()
    win.load_models()
    yield win
    win.close()
    assert not win.worker.thread.isRunning()


def _session(model_id):
    from gan_studio.core.sessions.open import open_session

    return open_session(model_id, library=reference_library(), device="cpu")


def _wait_shown(qtbot, panel, timeout=20000):
    qtbot.waitUntil(lambda: panel.last_task > 0 and panel._shown >= panel.last_task, timeout=timeout)
    return qimage_pixels(panel.shown_image())


def _wait_pixels(qtbot, panel, want, timeout=20000):
    qtbot.waitUntil(lambda: panel.shown_image() is not None
                    and np.array_equal(qimage_pixels(panel.shown_image()), want), timeout=timeout)


def _export(qtbot, worker, key, fn):
    with qtbot.waitSignal(worker.finished, timeout=20000, check_params_cb=lambda k, *a: k == key):
        fn()


def _stroke(qtbot, canvas, points):
    r = canvas._paper_rect()
    s = r.width() / 256

    def at(x, y):
        return QPoint(round(r.x() + x * s), round(r.y() + y * s))

    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=at(*points[0]))
    for pt in points[1:]:
        qtbot.mouseMove(canvas, at(*pt))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=at(*points[-1]))


def _mime(path: Path) -> QMimeData:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    return mime


def _drop(widget, path: Path) -> None:
    mime = _mime(path)  # the event does not own it: keep it alive while the event is handled
    widget.dropEvent(QDropEvent(QPointF(20, 20), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                                Qt.KeyboardModifier.NoModifier))


def test_a_sketch_export_reopens_with_its_drawing_and_seed(window, qtbot, tmp_path):
    pad = window.sketch
    window.show_panel("sketch")
    _wait_shown(qtbot, pad)
    qtbot.waitUntil(lambda: pad.has_variation, timeout=20000)
    _stroke(qtbot, pad.canvas, ZIGZAG)
    pad.variation_check.setChecked(True)
    pad.seed_box.setValue(5)
    drawing = pad.canvas.pixels()
    assert (drawing < 128).mean() > 0.01  # the stroke is on the paper
    out = tmp_path / "painting.png"
    _export(qtbot, window.worker, "sketch-export", lambda: pad.export(out))
    painting = np.asarray(Image.open(out))
    assert np.array_equal(painting, _session(TINY_SKETCH_ID).sketch(drawing, seed=5))
    (tmp_path / "painting-sketch.png").unlink()  # the drawing comes back from the recipe alone

    pad.canvas.clear()
    pad.variation_check.setChecked(False)
    pad.seed_box.setValue(0)
    window.show_panel("explorer")
    window.open_recipe(out)
    assert not window.warnings
    assert window.sketch_dock.isVisible() and np.array_equal(pad.canvas.pixels(), drawing)
    assert pad.variation_check.isChecked() and pad.seed_box.value() == 5
    _wait_pixels(qtbot, pad, painting)  # the model paints the restored drawing with the restored seed
    pad.undo()
    assert (pad.canvas.pixels() == 255).all()  # reopening is one undoable step


def test_an_older_sketch_export_restores_from_the_sketch_beside_it(window, qtbot, tmp_path):
    drawing = np.full((256, 256), 255, np.uint8)
    drawing[60:200, 120:130] = 0
    sess = _session(TINY_SKETCH_ID)
    out = tmp_path / "old.png"  # as the pad wrote them before the drawing went into the recipe
    export_png(sess.sketch(drawing), out, sess.recipe(kind="sketch", seed=None, sketch_file="old-sketch.png",
                                                      canvas=[256, 256]))
    export_png(np.repeat(drawing[..., None], 3, axis=2), tmp_path / "old-sketch.png")
    _drop(window, out)
    assert not window.warnings and np.array_equal(window.sketch.canvas.pixels(), drawing)
    assert not window.sketch.variation_check.isChecked()
    _wait_pixels(qtbot, window.sketch, sess.sketch(drawing))


def _icon(path: Path, colour) -> Path:
    arr = np.zeros((28, 40, 4), np.uint8)
    arr[..., :3] = colour
    arr[4:-4, 6:-6, 3] = 255
    Image.fromarray(arr, "RGBA").save(path)
    return path


def test_a_translation_reopens_with_its_direction_fit_and_image(window, qtbot, tmp_path):
    panel = window.translate
    window.show_panel("translate")
    qtbot.waitUntil(lambda: panel.direction_combo.count() == 2, timeout=20000)
    src = _icon(tmp_path / "icon.png", (200, 40, 90))
    panel.open_image(src)
    panel.set_direction("BtoA")
    panel.fit_combo.setCurrentIndex(panel.fit_combo.findData("native"))
    _wait_shown(qtbot, panel)
    out = tmp_path / "icon-BtoA.png"
    _export(qtbot, window.worker, "translate-export", lambda: panel.export(out))
    exported = np.asarray(Image.open(out))
    arr = np.asarray(Image.open(src).convert("RGBA"))
    assert np.array_equal(exported, _session(TINY_CYCLE_ID).run(arr, "BtoA", fit="native"))

    panel.set_direction("AtoB")
    panel.fit_combo.setCurrentIndex(panel.fit_combo.findData("model"))
    panel.open_image(_icon(tmp_path / "other.png", (10, 200, 30)))
    _wait_shown(qtbot, panel)
    window.show_panel("explorer")
    mime = _mime(out)
    enter = QDragEnterEvent(QPoint(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                            Qt.KeyboardModifier.NoModifier)
    panel.dragEnterEvent(enter)
    assert not enter.isAccepted()  # its own export is left to the window, which restores it
    _drop(window, out)
    assert not window.warnings and window.translate_dock.isVisible()
    qtbot.waitUntil(lambda: panel.direction() == "BtoA", timeout=20000)
    assert panel.fit() == "native" and panel.source == src
    _wait_pixels(qtbot, panel, exported)

    moved = tmp_path / "elsewhere" / out.name  # the image translated is not beside it: say so
    moved.parent.mkdir()
    moved.write_bytes(out.read_bytes())
    panel.set_direction("AtoB")
    window.open_recipe(moved)
    qtbot.waitUntil(lambda: panel.direction() == "BtoA", timeout=20000)
    assert "open icon.png to translate it again" in panel.caption.text()


def test_an_age_strip_reopens_with_its_ages(window, qtbot, tmp_path):
    age = window.age
    window.show_panel("age")
    _wait_shown(qtbot, age)
    age.n_spin.setValue(5)
    age.age.set_value(0.75)
    out = tmp_path / "ages.png"
    _export(qtbot, window.worker, "age-export", lambda: age.export_strip(out))
    assert read_recipe(out)["ages"] == [0.0, 0.25, 0.5, 0.75, 1.0]
    req = age.current_request()
    age.n_spin.setValue(3)
    age.age.set_value(0.1)
    window.open_recipe(out)
    assert not window.warnings
    assert age.n_spin.value() == 5 and age.ages() == [0.0, 0.25, 0.5, 0.75, 1.0]
    assert age.current_request() == req
    _wait_pixels(qtbot, age, _session(TINY_AGE_ID).render(req))


@pytest.mark.parametrize("recipe, message", [
    ({"kind": "sketch", "model_id": TINY_SKETCH_ID, "drawing": "not base64!"}, "recipe is malformed: the drawing"),
    ({"kind": "translate", "model_id": TINY_CYCLE_ID, "fit": "everything"}, "recipe is malformed: fit"),
    ({"kind": "translate", "model_id": "gone", "fit": "model"}, "'gone', which is not in your library"),
    ({"kind": "upscale", "model_id": "x"}, "unknown recipe kind 'upscale'"),
])
def test_a_malformed_recipe_is_one_clear_message(window, tmp_path, recipe, message):
    path = tmp_path / "bad.png"
    export_png(np.zeros((8, 8, 3), np.uint8), path, {"app": "gan-studio", **recipe})
    before = window.sketch.canvas.pixels()
    window.open_recipe(path)
    assert len(window.warnings) == 1 and message in window.warnings[0]
    assert np.array_equal(window.sketch.canvas.pixels(), before)
