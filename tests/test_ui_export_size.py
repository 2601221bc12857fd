"""Every panel exports at the window's one export size, through the upscale model, and the size is remembered.

Each test exports the same image at the model's size and at the chosen size: the larger file must be the
upscale model's pixels of the smaller (not a resize), at the size asked for."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QSettings

from gan_studio.core.io.recipe import read_recipe
from gan_studio.core.sessions.sized_export import fit
from gan_studio.ui.export_size import SIZE_KEY
from gan_studio.ui.qimage import gray_qimage
from gan_studio.ui.worker import InferenceWorker
from tests.conftest import TINY_SR_ID, reference_library


def _window(qtbot, settings_file: Path):
    from gan_studio.ui.main_window import MainWindow

    win = MainWindow(worker=InferenceWorker(), settings=QSettings(str(settings_file), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    win.show()
    win.load_models()
    qtbot.waitUntil(lambda: win.explorer.shown_image() is not None, timeout=30000)
    return win


@pytest.fixture
def window(qtbot, tiny_library, tmp_path):
    win = _window(qtbot, tmp_path / "settings.ini")
    yield win
    win.close()
    assert not win.worker.thread.isRunning()


@pytest.fixture
def sr():
    from gan_studio.core.sessions.translator import TranslatorSession

    return TranslatorSession.open(TINY_SR_ID, library=reference_library(), device="cpu")


def _export(qtbot, win, key, fn):
    with qtbot.waitSignal(win.worker.finished, timeout=30000, check_params_cb=lambda k, *a: k == key) as blocker:
        assert fn() is not None
    return Path(blocker.args[2])


def _check_upscaled(sr, native: Path, sized: Path, size: int):
    """``sized`` is the upscale model's enlargement of ``native`` (once, twice, then down to ``size``)."""
    small, big = np.asarray(Image.open(native)), np.asarray(Image.open(sized))
    want = sr.upscale(small)
    while max(want.shape[:2]) < size:
        want = sr.upscale(want)
    assert max(big.shape[:2]) == size
    assert np.array_equal(big, fit(want, size))
    assert not np.array_equal(big, fit(small, size))  # not a plain resize
    assert read_recipe(sized)["upscaled"] == TINY_SR_ID and read_recipe(sized)["export_size"] == size


def _sized_pair(qtbot, win, key, export, box, size, tmp_path):
    box.set_export_size(size)
    native = _export(qtbot, win, key, lambda: export(tmp_path / f"{key}-native.png", None))
    sized = _export(qtbot, win, key, lambda: export(tmp_path / f"{key}-sized.png"))
    return native, sized


def test_explorer_and_mixer_export_at_the_toolbars_size(window, qtbot, sr, tmp_path):
    win = window
    native, sized = _sized_pair(qtbot, win, "export", win.explorer.export, win.size_box, 64, tmp_path)
    assert Image.open(native).size == (16, 16) and Image.open(sized).size == (64, 64)
    _check_upscaled(sr, native, sized, 64)
    win.show_panel("mixer")
    qtbot.waitUntil(lambda: win.mixer._shown > 0, timeout=30000)
    native = _export(qtbot, win, "export", lambda: win.mixer.export(tmp_path / "mix-native.png", None))
    side = 4 * max(Image.open(native).size)  # the whole grid's longest side (its heads included), ×4
    win.size_box.set_export_size(side)
    sized = _export(qtbot, win, "export", lambda: win.mixer.export(tmp_path / "mix-sized.png"))
    _check_upscaled(sr, native, sized, side)
    assert "enlarged by tiny-sr-x4" in win.statusBar().currentMessage()


def test_sketch_and_translate_export_at_their_boxs_size(window, qtbot, sr, tmp_path):
    win = window
    win.show_panel("sketch")
    qtbot.waitUntil(lambda: win.sketch.model_id is not None, timeout=30000)
    sheet = np.full((256, 256), 255, np.uint8)
    sheet[60:200, 60:70] = sheet[60:70, 60:200] = 0
    win.sketch.canvas.set_paper(gray_qimage(sheet))
    native, sized = _sized_pair(qtbot, win, "sketch-export", win.sketch.export, win.sketch.size_box, 256, tmp_path)
    assert Image.open(native).size == (64, 64)
    _check_upscaled(sr, native, sized, 256)
    assert (tmp_path / "sketch-export-sized-sketch.png").exists()  # the drawing beside it, as drawn

    win.show_panel("translate")
    qtbot.waitUntil(lambda: win.translate.direction_combo.count() == 2, timeout=30000)
    icon = np.zeros((28, 40, 4), np.uint8)
    icon[4:-4, 6:-6] = (30, 160, 90, 255)
    Image.fromarray(icon).save(tmp_path / "icon.png")
    win.translate.open_image(tmp_path / "icon.png")
    native, sized = _sized_pair(qtbot, win, "translate-export", win.translate.export, win.translate.size_box, 160,
                                tmp_path)
    assert Image.open(native).size == (40, 28) and Image.open(sized).size == (160, 112)
    _check_upscaled(sr, native, sized, 160)


def test_age_image_and_strip_and_text_export_at_the_size(window, qtbot, sr, tmp_path):
    win = window
    win.show_panel("age")
    qtbot.waitUntil(lambda: win.age.model_id is not None and win.age.last_task > 0, timeout=30000)
    native, sized = _sized_pair(qtbot, win, "age-export", win.age.export, win.age.size_box, 64, tmp_path)
    _check_upscaled(sr, native, sized, 64)
    native = _export(qtbot, win, "age-export", lambda: win.age.export_strip(tmp_path / "strip-native.png", None))
    sized = _export(qtbot, win, "age-export", lambda: win.age.export_strip(tmp_path / "strip-sized.png"))
    n = len(win.age.ages())
    assert Image.open(sized).size == (n * 64 + (n - 1) * 2, 64)  # each face at the size
    _check_upscaled(sr, _crop(native, 0, 16, tmp_path), _crop(sized, 0, 64, tmp_path), 64)

    win.show_panel("text")
    qtbot.waitUntil(lambda: win.text.model_id is not None, timeout=30000)
    win.text.prompt.setEditText("a tree")
    win.text.generate()
    qtbot.waitUntil(lambda: win.text.focused_request() is not None, timeout=30000)
    native, sized = _sized_pair(qtbot, win, "text-export", win.text.export, win.text.size_box, 512, tmp_path)
    assert Image.open(native).size == (32, 32) and Image.open(sized).size == (512, 512)
    _check_upscaled(sr, native, sized, 512)  # 32 → 128 → 512: two passes


def _crop(path: Path, i: int, side: int, tmp_path: Path) -> Path:
    """Face ``i`` of a strip, as a PNG with the strip's recipe (so the checks read it)."""
    from gan_studio.core.io.export import export_png

    face = np.asarray(Image.open(path))[:, i * (side + 2): i * (side + 2) + side]
    return export_png(face, tmp_path / f"face-{side}.png", read_recipe(path))


def test_the_size_is_one_choice_remembered_across_windows(qtbot, tiny_library, tmp_path):
    win = _window(qtbot, tmp_path / "keep.ini")
    boxes = [win.size_box, win.sketch.size_box, win.translate.size_box, win.text.size_box, win.age.size_box]
    assert {b.export_size() for b in boxes} == {None}  # a first start exports at the model's size
    win.age.size_box.setCurrentIndex(win.age.size_box.findData(512))  # as the user picks it in one panel
    assert {b.export_size() for b in boxes} == {512}
    win.close()
    again = _window(qtbot, tmp_path / "keep.ini")
    try:
        assert again.settings.value(SIZE_KEY) in (512, "512")
        assert {b.export_size() for b in (again.size_box, again.sketch.size_box, again.text.size_box)} == {512}
        assert "enlarged by Tiny ×4" in again.age.size_box.toolTip()
    finally:
        again.close()


def test_without_an_upscale_model_a_larger_size_is_a_plain_resize_and_says_so(window, qtbot, tmp_path):
    win = window
    win._set_upscaler(None)
    assert "plain resize" in win.size_box.toolTip()
    native, sized = _sized_pair(qtbot, win, "export", win.explorer.export, win.size_box, 64, tmp_path)
    assert np.array_equal(np.asarray(Image.open(sized)), fit(np.asarray(Image.open(native)), 64))
    assert "upscaled" not in read_recipe(sized)
    assert "plain Lanczos resize" in win.statusBar().currentMessage()


def test_closing_the_window_stops_an_export_between_upscale_passes(tiny_library, sr):
    from gan_studio.core.sessions.sized_export import at_size
    from gan_studio.ui.export_size import ExportCancelled, request_sized

    class Worker:  # runs the task at once; the window is closing
        def stopping(self):
            return True

        def request(self, key, model_id, fn, convert=True, also=(), replace=True):
            assert also == (TINY_SR_ID,) and not replace  # an export is queued, never dropped
            return fn("session", sr)

    class Box:
        def choice(self, size):
            return 64, TINY_SR_ID

    with pytest.raises(ExportCancelled):
        request_sized(Worker(), "export", "m", Box(),
                      lambda s, px, up: at_size(np.zeros((16, 16, 4), np.uint8), px, up))
