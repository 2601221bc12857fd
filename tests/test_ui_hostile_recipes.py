"""The window opens the malformed-recipe corpus (tests/test_hostile_recipes.py) as a user would: each file
gives one message naming the file and the field (as plain text), nothing raises, and the explorer keeps
working after every one of them (a ψ NaN or a seed "abc" used to break every later click); sketch and
translate recipes too."""

from __future__ import annotations

import json

from PIL import Image, PngImagePlugin
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QMessageBox

from gan_studio.core.io.recipe import RECIPE_KEY
from tests.conftest import TINY_AGE_ID, TINY_CYCLE_ID, TINY_ID, TINY_SKETCH_ID, TINY_TEXT_ID
from tests.test_hostile_recipes import BAD_COND, BAD_FIELDS, GOOD

TOOLS = [({"kind": "sketch", "model_id": TINY_SKETCH_ID, "seed": "abc"}, "seed"),
         ({"kind": "sketch", "model_id": TINY_SKETCH_ID, "drawing": "!!not base64"}, "drawing"),
         ({"kind": "sketch", "model_id": TINY_SKETCH_ID, "drawing": 5}, "drawing"),
         ({"kind": "sketch", "model_id": None}, "model"),
         ({"kind": "translate", "model_id": TINY_CYCLE_ID, "fit": "zoom"}, "fit"),
         ({"kind": "translate", "model_id": TINY_CYCLE_ID, "direction": 5}, "direction"),
         ({"kind": "translate", "model_id": TINY_CYCLE_ID, "source": ["x"]}, "source")]
FIELD_WORDS = (["seed"] * 5 + ["ψ", "ψ", "psi", "noise mode", "noise strength", "noise strength", "walk position t",
                                "walk position t", "latent", "direction", "amount", "layers", "row sources", "layers",
                                "frames_per_key", "frames per key", "recipe kind", "model_id"]
               + ["source", "source", "age", "age", "skin_tone", "skin tone", "ψ", "seeds", "seed", "seeds",
                  "variation", "prompt", "noise mode"] + [word for _, word in TOOLS])


def _recipes() -> list[dict]:
    own = [{**GOOD, "model_id": TINY_ID, **f} for f in BAD_FIELDS]
    cond = [{**r, "model_id": TINY_AGE_ID if r["kind"] == "age" else TINY_TEXT_ID} for r in BAD_COND]
    return own + cond + [{"app": "gan-studio", **r} for r, _ in TOOLS]


def _png(path, recipe: dict):
    info = PngImagePlugin.PngInfo()
    info.add_text(RECIPE_KEY, json.dumps(recipe, allow_nan=True))
    Image.new("RGB", (4, 4)).save(path, pnginfo=info)
    return path


def test_every_malformed_recipe_is_one_message_and_the_explorer_keeps_working(qtbot, tiny_library, tmp_path,
                                                                              monkeypatch):
    from gan_studio.ui.main_window import MainWindow
    from gan_studio.ui.worker import InferenceWorker

    assert len(FIELD_WORDS) == len(BAD_FIELDS) + len(BAD_COND) + len(TOOLS) == 43
    shown: list[tuple[str, Qt.TextFormat]] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append((box.text(), box.textFormat())) or 0)
    win = MainWindow(worker=InferenceWorker(), settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    win.load_models()
    for i, (recipe, word) in enumerate(zip(_recipes(), FIELD_WORDS, strict=True)):
        path = _png(tmp_path / f"<b>bad-{i}<b>.png", recipe)
        shown.clear()
        win.open_recipe(path)  # never raises
        if recipe["kind"] == "age":  # the age panel says it in its own line
            assert not shown, (i, shown)
            message = win.age.info.text()
        else:
            assert len(shown) == 1 and shown[0][1] == Qt.TextFormat.PlainText, (i, shown)
            message = shown[0][0]
        assert path.name in message and word in message, (i, message)
        win.explorer.random_btn.click()  # the explorer still takes clicks and slider moves
        win.explorer.psi.set_value(0.5)
        qtbot.wait(1)
    qtbot.waitUntil(lambda: win.explorer.view.image() is not None, timeout=20000)
    shown.clear()
    win.open_recipe(_png(tmp_path / "good.png", {**GOOD, "model_id": TINY_ID}))
    assert not shown and win.explorer.seed_box.value() == 3 and win.explorer.psi.value() == 0.7
    win.close()


def test_a_bomb_png_opened_or_dropped_is_one_message(qtbot, tiny_library, tmp_path, monkeypatch):
    from gan_studio.ui.main_window import MainWindow
    from gan_studio.ui.worker import InferenceWorker
    from tests.test_hostile_images import _png_header_only

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append(box.text()) or 0)
    win = MainWindow(worker=InferenceWorker(), settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    win.load_models()
    for side in (9000, 20000):
        bomb = tmp_path / f"bomb{side}.png"
        _png_header_only(bomb, side, side)
        shown.clear()
        win.open_recipe(bomb)
        assert len(shown) == 1 and bomb.name in shown[0], shown
    win.close()


def _unblock_later(fifo, after: float = 2.0, give_up: float = 4.0) -> None:
    """Opens the FIFO for writing after ``after`` s (if anything is blocked reading it, that frees it), so a
    reader that blocks makes the test slow and failing instead of hanging it."""
    import errno
    import os
    import threading
    import time

    def run() -> None:
        time.sleep(after)
        end = time.monotonic() + give_up
        while time.monotonic() < end:
            try:
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
                return
            except OSError as exc:
                if exc.errno != errno.ENXIO:  # ENXIO: no reader (yet)
                    return
                time.sleep(0.05)

    threading.Thread(target=run, daemon=True).start()


def test_a_fifo_given_to_the_window_or_a_reader_never_blocks(qtbot, tiny_library, tmp_path, monkeypatch):
    import os
    import time

    import pytest
    from PySide6.QtCore import QMimeData, QPointF, QUrl
    from PySide6.QtGui import QDropEvent

    from gan_studio.core.io.recipe import RecipeError, read_recipe
    from gan_studio.core.sessions.translator import read_image
    from gan_studio.ui.main_window import MainWindow
    from gan_studio.ui.projection import read_image as read_for_projection
    from gan_studio.ui.worker import InferenceWorker

    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs here")
    monkeypatch.setattr(QMessageBox, "exec", lambda box: 0)
    monkeypatch.setattr(QMessageBox, "open", lambda box: None)
    win = MainWindow(worker=InferenceWorker(), settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    win.load_models()

    def drop(path):
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(path))])
        win.dropEvent(QDropEvent(QPointF(5, 5), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                                 Qt.KeyboardModifier.NoModifier))

    def refuse_recipe(path):
        with pytest.raises(RecipeError, match="not a regular file"):
            read_recipe(path)

    def refuse_image(path):
        with pytest.raises(ValueError, match="not a regular file"):
            read_image(path)

    readers = {"drop on the window": drop, "open recipe": win.open_recipe, "translate panel": win.translate.open_image,
               "use my image": lambda p: read_for_projection(p)[0] is None or pytest.fail("read a FIFO"),
               "read_recipe": refuse_recipe, "read_image": refuse_image}
    slow = {}
    for name, reader in readers.items():
        fifo = tmp_path / f"{name.replace(' ', '-')}.png"
        os.mkfifo(fifo)
        _unblock_later(fifo)
        t0 = time.monotonic()
        reader(fifo)
        if time.monotonic() - t0 > 1.0:
            slow[name] = round(time.monotonic() - t0, 1)
    assert not slow, f"blocked reading a FIFO: {slow}"
    pkl = tmp_path / "network-snapshot.pkl"
    os.mkfifo(pkl)
    drop(pkl)  # not a PNG: the importer takes it, off the GUI thread, and refuses it at once
    qtbot.waitUntil(lambda: all(not j.isRunning() for j in win._import_jobs), timeout=10000)
    t0 = time.monotonic()
    win.close()
    assert time.monotonic() - t0 < 5.0
