"""A seeded monkey on the real window: random clicks, slider moves, combo picks, typing, keys and shortcuts, panel
switches, file dialogs answered with good, damaged and hostile files, drops and recipe opens, for a bounded
time. Any exception raised in a slot fails the test (pytest-qt captures them), and the window must close
within 5 s afterwards."""

from __future__ import annotations

import random
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, PngImagePlugin
from PySide6.QtCore import QMimeData, QPoint, QSettings, Qt, QUrl
from PySide6.QtGui import QColor, QDropEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import (
    QAbstractButton,
    QColorDialog,
    QComboBox,
    QDialog,
    QFileDialog,
    QInputDialog,
    QLineEdit,
    QMenu,
    QMessageBox,
    QSlider,
    QSpinBox,
)

from gan_studio.core.io.recipe import RECIPE_KEY

SECONDS = 25.0
SEED = 20261207
_C, _S, _A = (Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier,
              Qt.KeyboardModifier.AltModifier)
_N = Qt.KeyboardModifier.NoModifier
K = Qt.Key
KEYS = ([(k, _N) for k in (K.Key_R, K.Key_F, K.Key_Space, K.Key_Left, K.Key_Right, K.Key_Up, K.Key_Down, K.Key_PageUp,
                           K.Key_PageDown, K.Key_Home, K.Key_End, K.Key_Return, K.Key_Escape, K.Key_Tab, K.Key_Delete,
                           K.Key_Backspace, K.Key_BracketLeft, K.Key_BracketRight, K.Key_B, K.Key_E, K.Key_X,
                           K.Key_0, K.Key_7, K.Key_9, K.Key_Minus)]
        + [(K.Key_Z, _C), (K.Key_Z, _C | _S), (K.Key_Y, _C), (K.Key_E, _C), (K.Key_E, _C | _S), (K.Key_E, _C | _A),
           (K.Key_M, _C), (K.Key_I, _C), (K.Key_O, _C), (K.Key_U, _C | _S), (K.Key_A, _C)])  # never Ctrl+Q: it quits


def _files(folder: Path) -> list[Path]:
    """What a user might pick: images, an image with a hostile recipe, garbage, a missing path, a folder."""
    folder.mkdir()
    rng = np.random.RandomState(0)
    out = []
    for i in range(3):
        p = folder / f"img{i}.png"
        Image.fromarray(rng.randint(0, 255, (40 + 30 * i, 50, 4), np.uint8)).save(p)
        out.append(p)
    info = PngImagePlugin.PngInfo()
    info.add_text(RECIPE_KEY, '{"app": "gan-studio", "kind": "render", "model_id": "x", "seed": 1e400, "psi": "a"}')
    bad_recipe = folder / "<b>recipe<b>.png"
    Image.new("RGB", (8, 8)).save(bad_recipe, pnginfo=info)
    garbage = folder / "garbage.png"
    garbage.write_bytes(b"\x89PNG\r\n\x1a\n not really")
    pkl = folder / "model.pkl"
    pkl.write_bytes(b"\x80\x04garbage")
    sub = folder / "sub"
    sub.mkdir()
    Image.fromarray(rng.randint(0, 255, (32, 32, 3), np.uint8)).save(sub / "a.png")
    from tests.test_hostile_images import _png_header_only

    bombs = [folder / "bomb9000.png", folder / "bomb20000.png"]  # over the app's limit; over Pillow's own
    for bomb, side in zip(bombs, (9000, 20000), strict=True):
        _png_header_only(bomb, side, side)
    return [*out, bad_recipe, garbage, pkl, folder / "missing.png", sub, *bombs]


@pytest.fixture
def window(qtbot, tiny_library, tmp_path, monkeypatch):
    from gan_studio.ui.main_window import MainWindow
    from gan_studio.ui.worker import InferenceWorker

    files = _files(tmp_path / "files")
    rng = random.Random(SEED)
    outs = tmp_path / "out"
    outs.mkdir()

    def pick(*_a, **_k):
        return (str(rng.choice(files + [Path("")])), "")

    def save(*_a, **_k):
        return (str(outs / rng.choice(["a.png", "b.gif", "c.mp4", "d.onnx", "e.txt", "f.png"])), "")

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(pick))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(save))
    monkeypatch.setattr(QFileDialog, "getExistingDirectory",
                        staticmethod(lambda *a, **k: str(rng.choice([files[-1], outs / "batch", Path("")]))))
    monkeypatch.setattr(QInputDialog, "getText", staticmethod(lambda *a, **k: (rng.choice(["smile", "", "<i>x"]),
                                                                                rng.random() < 0.7)))
    monkeypatch.setattr(QInputDialog, "getItem", staticmethod(lambda parent, title, label, items, *a, **k:
                                                              (rng.choice(list(items)), rng.random() < 0.7)))
    # the palette's colour picker (a cancelled dialog answers an invalid colour)
    monkeypatch.setattr(QColorDialog, "getColor", staticmethod(lambda *a, **k: QColor(rng.choice(["#123456", ""]))))
    monkeypatch.setattr(QMessageBox, "exec", lambda self: 0)
    monkeypatch.setattr(QMessageBox, "question", staticmethod(lambda *a, **k: QMessageBox.StandardButton.No))
    monkeypatch.setattr(QMessageBox, "warning", staticmethod(lambda *a, **k: QMessageBox.StandardButton.Ok))
    monkeypatch.setattr(QDialog, "exec", lambda self: 0)
    monkeypatch.setattr(QMenu, "exec", lambda self, *a, **k: None)
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(worker=InferenceWorker(), settings=settings)
    qtbot.addWidget(win)
    win.resize(1400, 900)
    win.show()
    win.load_models()
    win.monkey_files = files
    yield win


def _targets(win):
    found = [w for kind in (QAbstractButton, QSlider, QSpinBox, QComboBox, QLineEdit) for w in win.findChildren(kind)]
    return [w for w in found if w.isVisible() and w.isEnabled()]


def _drop(widget, path: Path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(QPoint(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                       Qt.KeyboardModifier.NoModifier)
    widget.dropEvent(event)


@pytest.mark.slow
def test_a_random_user_cannot_break_the_window(window, qtbot):
    from gan_studio.core.defaults import PANELS

    rng = random.Random(SEED)
    counts: dict[str, int] = {}
    t_end = time.monotonic() + SECONDS
    while time.monotonic() < t_end:
        roll = rng.random()
        if roll < 0.06:
            window.show_panel(rng.choice(list(PANELS)))
            what = "panel"
        elif roll < 0.10:
            path = rng.choice(window.monkey_files)
            (window.open_recipe(path) if rng.random() < 0.5 else _drop(window, path))
            what = "open/drop"
        elif roll < 0.20:
            targets = _targets(window)
            target = rng.choice(targets) if targets and rng.random() < 0.7 else window
            key, mods = rng.choice(KEYS)
            target.setFocus()
            QTest.keyClick(target, key, mods)
            what = "key"
        else:
            targets = _targets(window)
            if not targets:
                qtbot.wait(5)
                continue
            w = rng.choice(targets)
            if isinstance(w, QAbstractButton):
                w.click()
                what = "click"
            elif isinstance(w, QSlider):
                w.setValue(rng.randint(w.minimum(), w.maximum()))
                what = "slider"
            elif isinstance(w, QSpinBox):
                w.setValue(rng.randint(w.minimum(), min(w.maximum(), w.minimum() + 10_000)))
                what = "spin"
            elif isinstance(w, QComboBox):
                if w.count():
                    w.setCurrentIndex(rng.randrange(w.count()))
                what = "combo"
            else:
                w.setText(rng.choice(["", "1-4,9", "nonsense", "-1", "9" * 30, "a red heart", "<b>x</b>"]))
                w.editingFinished.emit()
                what = "text"
        counts[what] = counts.get(what, 0) + 1
        qtbot.wait(rng.choice([0, 1, 2, 5]))
    assert sum(counts.values()) > 200, counts
    assert {"panel", "open/drop", "key", "click", "slider", "text"} <= set(counts), counts
    t0 = time.monotonic()
    window.close()
    assert time.monotonic() - t0 < 5.0
    assert not window.worker.thread.isRunning()
