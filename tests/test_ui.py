"""The window through the worker thread: real pixels on screen, newest-wins, errors, export, undo."""

import time
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QSettings

from gan_studio.ui.main_window import MainWindow
from gan_studio.ui.qimage import qimage_pixels
from gan_studio.ui.stall import StallMeter
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
    assert not win.worker.thread.isRunning()


def _session():
    from gan_studio.core.sessions.generator import GeneratorSession

    return GeneratorSession.open(TINY_ID, library=reference_library(), device="cpu")


def _expected(seed, psi=0.7, noise="const", strength=1.0):
    from gan_studio.core.sessions.generator import RenderRequest

    return _session().render(RenderRequest(TINY_ID, seed=seed, psi=psi, noise_mode=noise, noise_strength=strength))


def _shown(win):
    return qimage_pixels(win.explorer.shown_image())


def _wait_for(qtbot, win, expected, timeout=20000):
    qtbot.waitUntil(lambda: win.explorer.shown_image() is not None and
                    np.array_equal(_shown(win), expected), timeout=timeout)


def test_model_picker_lists_library(window):
    assert window.model_picker.count() == 1 and window.model_picker.currentData() == TINY_ID


def test_seed_change_reaches_the_screen(window, qtbot):
    window.explorer.seed_box.setValue(5)
    _wait_for(qtbot, window, _expected(5))
    assert "seed 5" in window.explorer.caption.text()
    assert "ms/frame" in window.ms_label.text()


def test_grid_click_focuses_seed(window, qtbot):
    qtbot.waitUntil(lambda: not window.explorer.thumbs[3].icon().isNull(), timeout=20000)
    window.explorer.thumbs[3].click()
    assert window.explorer.state.seed == 3
    _wait_for(qtbot, window, _expected(3))


def test_rapid_slider_moves_stay_responsive_and_end_on_final_value(window, qtbot):
    meter = StallMeter()
    slider = window.explorer.psi.slider
    rng = np.random.RandomState(0)
    for v in rng.randint(0, slider.maximum(), 199):
        slider.setValue(int(v))
        qtbot.wait(1)
    slider.setValue(42)
    final_psi = window.explorer.psi.value()
    assert final_psi == pytest.approx(0.42)
    _wait_for(qtbot, window, _expected(0, psi=final_psi))
    stall_ms = meter.stop()
    # The GUI thread never waits for torch: no gap between timer ticks comes close to a frame's render.
    assert stall_ms < 500, f"GUI stalled {stall_ms:.0f} ms"


def test_worker_runs_only_the_newest_task(qtbot, tiny_library):
    worker = InferenceWorker(session_factory=lambda mid: None)
    ran = []

    def task(i):
        def fn(_):
            time.sleep(0.01)
            ran.append(i)
            return i
        return fn

    results = []
    for i in range(50):
        worker.request("k", "m", task(i), convert=False).then(results.append)
    qtbot.waitUntil(lambda: 49 in results, timeout=10000)
    worker.stop()
    assert ran[-1] == 49 and len(ran) < 50


def test_worker_errors_reach_the_user(window, qtbot):
    """A render that raises answers the explorer's own request: its view says why, and the app keeps working."""
    def boom(*_a, **_k):
        raise RuntimeError("model exploded")

    session = window.worker._engine._session(TINY_ID)  # the worker's cached session of the explorer's model
    session.render = boom  # shadows the method on this instance only
    try:
        with qtbot.waitSignal(window.worker.failed, timeout=10000) as sig:
            window.explorer.seed_box.setValue(3)
        assert sig.args[0] == "explorer-main" and "model exploded" in sig.args[2] and "Traceback" in sig.args[3]
        qtbot.waitUntil(lambda: "model exploded" in window.explorer.view._message, timeout=5000)
        assert "model exploded" in window.statusBar().currentMessage()
    finally:
        del session.render
    window.explorer.seed_box.setValue(2)  # the app keeps working
    _wait_for(qtbot, window, _expected(2))
    assert window.worker.waiting() == 0


def test_psi_zero_shows_the_average_image_for_every_seed(window, qtbot):
    window.explorer.psi.set_value(0.0)
    window.explorer.seed_box.setValue(9)
    _wait_for(qtbot, window, _expected(9, psi=0.0))
    assert np.array_equal(_expected(9, psi=0.0), _expected(1, psi=0.0))


def test_undo_redo(window, qtbot):
    window.explorer.seed_box.setValue(4)
    window.explorer.seed_box.setValue(8)
    window.explorer.undo()
    assert window.explorer.seed_box.value() == 4
    _wait_for(qtbot, window, _expected(4))
    window.explorer.redo()
    assert window.explorer.state.seed == 8


def test_mixer_grid_is_the_session_grid(window, qtbot):
    from gan_studio.core.sessions.generator import MixRequest, Source

    assert window.mixer.view.image() is None and window.mixer._dirty  # no grid until the tab is opened
    window.mixer_dock.raise_()
    qtbot.waitUntil(lambda: window.mixer.view.image() is not None, timeout=20000)
    window.mixer.rows_edit.setText("1,2")
    window.mixer.cols_edit.setText("3")
    assert not window.mixer.preset_buttons["middle"].isEnabled()  # a 16 px StyleGen has no middle layers
    window.mixer.preset_buttons["fine"].click()
    req = window.mixer.current_request()
    assert req.layers == window.mixer.groups["fine"] != ()
    expected = _session().mix_grid(MixRequest(TINY_ID, rows=(Source.from_seed(1), Source.from_seed(2)),
                                              cols=(Source.from_seed(3),), layers=req.layers, psi=0.7))
    window.mixer.refresh()
    qtbot.waitUntil(lambda: window.mixer.view.image() is not None and
                    np.array_equal(qimage_pixels(window.mixer.view.image()), expected), timeout=20000)
    window.mixer.layer_boxes[0].setChecked(True)
    assert window.mixer.preset_buttons["custom"].isChecked()
    window.mixer.rows_edit.setText("nonsense")
    window.mixer._sources_edited()
    assert "⚠" in window.mixer.note.text()


def test_export_and_reopen_recipe(window, qtbot, tmp_path):
    from PIL import Image

    from gan_studio.core.io.recipe import read_recipe

    window.explorer.seed_box.setValue(6)
    window.explorer.psi.set_value(0.5)
    _wait_for(qtbot, window, _expected(6, psi=0.5))
    out = tmp_path / "fav.png"
    with qtbot.waitSignal(window.worker.finished, timeout=20000,
                          check_params_cb=lambda key, *a: key == "export"):
        window.export_image(out)
    assert np.array_equal(np.asarray(Image.open(out)), _expected(6, psi=0.5))
    assert read_recipe(out)["seed"] is None and read_recipe(out)["source"] == {"seed": 6}
    window.explorer.seed_box.setValue(1)
    window.explorer.psi.set_value(1.0)
    window.open_recipe(out)
    assert window.explorer.state.seed == 6 and window.explorer.state.psi == 0.5
    _wait_for(qtbot, window, _expected(6, psi=0.5))


def test_walk_export_video(window, qtbot, tmp_path):
    window.explorer.seed_box.setValue(1)
    window.explorer.add_to_path()
    window.explorer.seed_box.setValue(2)
    window.explorer.add_to_path()
    assert window.explorer.play_btn.isEnabled()
    window.explorer.t_slider.set_value(0.5)
    assert window.explorer.state.walking and window.explorer.state.t == 0.5
    out = tmp_path / "walk.gif"
    with qtbot.waitSignal(window.worker.finished, timeout=30000,
                          check_params_cb=lambda key, *a: key == "export"):
        window.export_video(out, fps=10)
    from PIL import Image

    assert Image.open(out).n_frames == 24


def test_favourites_feed_the_mixer(window, qtbot):
    window.explorer.seed_box.setValue(3)
    window.explorer.add_favourite()
    window.explorer.seed_box.setValue(7)
    window.explorer.add_favourite()
    assert [s.seed for s in window.mixer.favourites] == [3, 7]
    thumbs = [window.explorer.fav_strip.itemAt(i).widget() for i in range(2)]  # each drawn by its own request
    qtbot.waitUntil(lambda: not any(t.icon().isNull() for t in thumbs), timeout=20000)
    qtbot.waitUntil(lambda: window.worker.waiting() == 0, timeout=20000)
    window.mixer._use_favourites(rows=True)
    assert [s.seed for s in window.mixer.current_request().rows] == [3, 7]


def test_bad_recipe_file_gives_a_message(window, qtbot, tmp_path, monkeypatch):
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QMessageBox

    shown = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append((box.text(), box.textFormat())) or 0)
    bad = tmp_path / "<h1>Imported OK<h1>.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    window.open_recipe(Path(bad))
    assert shown and "not a readable image" in shown[0][0]
    assert "<h1>Imported OK<h1>" in shown[0][0] and shown[0][1] == Qt.TextFormat.PlainText  # shown as typed


def test_worker_leaves_the_cores_a_training_job_uses(qtbot):
    """With a 1-thread job running, frames run on the cores it leaves; without jobs, on torch's default."""
    import os

    from gan_studio.ui.worker import InferenceWorker

    worker = InferenceWorker(session_factory=lambda model_id: None)
    got: list[int] = []
    worker.finished.connect(lambda key, task_id, result, ms: got.append(result))

    def threads_now() -> int:
        got.clear()
        worker.request("t", "none", lambda _s: __import__("torch").get_num_threads(), convert=False)
        qtbot.waitUntil(lambda: bool(got), timeout=10000)
        return got[0]

    try:
        default = threads_now()
        worker.share_cores_with_jobs(1)
        assert threads_now() == max(1, min(default, (os.cpu_count() or 1) - 1))
        worker.share_cores_with_jobs(0)
        assert threads_now() == default
    finally:
        worker.stop()


def test_next_start_shows_the_last_frame_before_the_model_loads(qtbot, tiny_library, tmp_path):
    from PySide6.QtGui import QImage

    from gan_studio.core.sessions.frame_cache import RECIPE_TEXT, frame_path

    def start():
        win = MainWindow(worker=InferenceWorker(), settings=QSettings(str(tmp_path / "s.ini"),
                                                                      QSettings.Format.IniFormat))
        qtbot.addWidget(win)
        win.show()
        win.load_models()
        return win

    win = start()
    win.explorer.change(seed=7, psi=0.5)
    _wait_for(qtbot, win, _expected(7, psi=0.5))
    win.close()
    # Second start: the frame is on screen as soon as the models are listed, before any worker result
    # can have arrived (results come through the event loop), and it is the model's own pixels.
    win = start()
    assert win.explorer.state.seed == 7 and win.explorer.state.psi == pytest.approx(0.5)
    assert np.array_equal(_shown(win), _expected(7, psi=0.5))
    qtbot.waitUntil(lambda: win.explorer._shown["main"] > 0, timeout=20000)
    win.explorer.change(noise_mode="random")  # random noise is never kept: the old frame stays
    qtbot.waitUntil(lambda: win.explorer._shown["main"] == win.explorer._pending_main, timeout=20000)
    win.close()
    # A frame from other weights (here: a recipe naming another sha256) is ignored.
    img = QImage(str(frame_path(TINY_ID)))
    img.setText(RECIPE_TEXT, img.text(RECIPE_TEXT).replace('"model_sha256": "', '"model_sha256": "0'))
    assert img.save(str(frame_path(TINY_ID)), "PNG")
    win = start()
    assert win.explorer.shown_image() is None and win.explorer.state.seed == 0
    win.close()


def test_exports_in_a_row_are_all_written(window, qtbot, tmp_path):
    """Two exports asked for while the worker is busy: both files are written (an export is queued, not replaced
    by the next one as a preview is), and the status bar reports them."""
    gate = []
    window.worker.request("busy", TINY_ID, lambda _s: time.sleep(0.5) or gate.append(1), convert=False)
    ids = [window.explorer.export(tmp_path / f"e{i}.png", size=None) for i in range(3)]
    assert len(set(ids)) == 3
    qtbot.waitUntil(lambda: all((tmp_path / f"e{i}.png").is_file() for i in range(3)), timeout=30000)
    qtbot.waitUntil(lambda: window.worker.waiting() == 0, timeout=10000)
    assert gate and "e2.png" in window.statusBar().currentMessage()
