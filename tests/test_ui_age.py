"""Age panel and "use my image" (explorer, mixer, age) through the real worker thread on tiny models."""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QMimeData, QPointF, QSettings, Qt, QUrl
from PySide6.QtGui import QDropEvent

from gan_studio.ui.panels.age import AgePanel, Face
from gan_studio.ui.qimage import qimage_pixels
from gan_studio.ui.worker import InferenceWorker
from tests.conftest import TINY_AGE_ID, TINY_ID, reference_library

STEPS = 4  # projection steps in tests: enough to see progress, fast on the tiny models


@pytest.fixture
def worker(tiny_library):
    w = InferenceWorker()
    yield w
    w.stop()
    assert not w.thread.isRunning()


@pytest.fixture
def panel(qtbot, tiny_library, worker):
    p = AgePanel(worker)
    qtbot.addWidget(p)
    p.resize(1000, 700)
    p.show()
    p.set_cards(tiny_library.cards())
    p.projector.steps = STEPS
    _wait_shown(qtbot, p)
    return p


@pytest.fixture
def face_png(tmp_path):
    """A drawn face-like sticker (not from the model), larger than the model and not square."""
    from PIL import ImageDraw

    im = Image.new("RGBA", (48, 40), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    d.ellipse([6, 2, 42, 38], fill=(250, 200, 60, 255))
    d.ellipse([15, 12, 20, 18], fill=(40, 30, 20, 255))
    d.ellipse([28, 12, 33, 18], fill=(40, 30, 20, 255))
    d.arc([14, 16, 34, 32], 20, 160, fill=(120, 40, 20, 255), width=2)
    path = tmp_path / "my face.png"
    im.save(path)
    return path


def _session(model_id=TINY_AGE_ID):
    from gan_studio.core.sessions.open import open_session

    return open_session(model_id, library=reference_library(), device="cpu")


def _wait_shown(qtbot, p, timeout=20000):
    """Until the newest request, including one the slider's throttle still holds, is on screen."""
    qtbot.waitUntil(lambda: not p._throttle.isActive() and p.last_task > 0 and p._shown >= p.last_task,
                    timeout=timeout)
    return qimage_pixels(p.shown_image())


def _wait_strip(qtbot, p, timeout=20000):
    qtbot.waitUntil(lambda: p.last_strip_task > 0 and p._shown_strip >= p.last_strip_task, timeout=timeout)
    return [qimage_pixels(q) for q in p.strip_images()]


def _wait_export(qtbot, worker, key):
    with qtbot.waitSignal(worker.finished, timeout=20000, check_params_cb=lambda k, *_: k == key) as blocker:
        pass
    return Path(blocker.args[2])


def _drop(widget, path):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    event = QDropEvent(QPointF(20, 20), Qt.DropAction.CopyAction, mime, Qt.MouseButton.NoButton,
                       Qt.KeyboardModifier.NoModifier)
    widget.dropEvent(event)


def test_slider_moves_the_face_through_the_worker(panel, qtbot):
    assert panel.model_combo.count() == 1 and panel.model_combo.currentData() == TINY_AGE_ID
    sess = _session()
    panel.seed_box.setValue(3)
    panel.age.slider.setValue(0)
    young = _wait_shown(qtbot, panel)
    assert panel.level_label.text() == "Baby · 0.00"
    assert np.array_equal(young, sess.render(panel.current_request()))
    before = panel.last_task
    for v in range(5, 101, 5):  # a drag: throttled, and the last value wins
        panel.age.slider.setValue(v)
        qtbot.wait(2)
    qtbot.waitUntil(lambda: panel.last_task > before and not panel._throttle.isActive(), timeout=2000)
    old = _wait_shown(qtbot, panel)
    assert panel.age.value() == 1.0 and panel.level_label.text() == "Old · 1.00"
    assert np.array_equal(old, sess.render(panel.current_request(1.0)))
    assert not np.array_equal(old, young)  # the age condition changed the pixels
    assert "seed 3" in panel.caption.text()


def test_strip_shows_n_ages_in_one_request(panel, qtbot):
    panel.n_spin.setValue(4)
    imgs = _wait_strip(qtbot, panel)
    assert len(imgs) == 4 and len(panel.strip_thumbs) == 4
    assert panel.ages() == [0.0, 0.3333, 0.6667, 1.0]
    expected = _session().strip(panel.current_request(), panel.ages())
    assert all(np.array_equal(a, b) for a, b in zip(imgs, expected, strict=True))
    assert not np.array_equal(imgs[0], imgs[-1])
    panel.strip_thumbs[-1].click()  # a strip face sets the slider to its age
    assert panel.age.value() == 1.0


def test_use_my_image_projects_with_progress_and_the_face_ages(panel, qtbot, face_png):
    steps: list[int] = []
    panel.projector.progress.connect(lambda i, n, loss: steps.append(i))
    panel.base_combo.setCurrentIndex(1)  # "It shows: a child"
    with qtbot.waitSignal(panel.projector.projected, timeout=30000):
        _drop(panel, face_png)  # drag & drop, like "Use my image…"
    assert steps[-1] == STEPS and panel.projector.steps == STEPS
    assert panel.face.source.seed is None and panel.face.base_age == pytest.approx(1 / 3)
    assert panel.favourites == [panel.face]  # it is kept as a favourite
    assert "PSNR" in panel.project_bar.label.text() and not panel.project_bar.bar.isVisible()
    sess = _session()
    panel.age.slider.setValue(0)
    young = _wait_shown(qtbot, panel)
    assert np.array_equal(young, sess.render(panel.current_request()))
    panel.age.slider.setValue(100)
    old = _wait_shown(qtbot, panel)
    assert np.array_equal(old, sess.render(panel.current_request()))
    assert not np.array_equal(young, old)
    panel.seed_box.setValue(9)  # back to a seed, then the favourite brings the image back
    panel.fav_strip.itemAt(0).widget().click()
    assert panel.face.source.seed is None


def test_cancel_stops_a_projection_and_keeps_the_face(panel, qtbot, face_png):
    panel.projector.steps = 100000
    face = panel.face
    seen: list[int] = []
    panel.projector.progress.connect(lambda i, n, loss: seen.append(i))
    panel.use_image(face_png)
    assert panel.project_bar.cancel_btn.isVisible() and not panel.use_btn.isEnabled()
    qtbot.waitUntil(lambda: seen and seen[-1] >= 2, timeout=20000)
    with qtbot.waitSignal(panel.projector.cancelled, timeout=20000):
        panel.project_bar.cancel_btn.click()
    assert seen[-1] < 100000
    assert panel.face == face and not panel.favourites
    assert panel.use_btn.isEnabled() and not panel.project_bar.cancel_btn.isVisible()
    assert panel.project_bar.label.text().startswith("Cancelled")
    panel.age.slider.setValue(20)  # the worker is free again
    _wait_shown(qtbot, panel)


def test_export_png_recipe_regenerates_the_same_pixels(panel, qtbot, worker, tmp_path):
    from gan_studio.core.io.recipe import read_recipe
    from gan_studio.core.sessions.cond_requests import cond_request_from_recipe
    from gan_studio.core.sessions.requests import Source

    rng = np.random.RandomState(1)
    cases = [(Face(Source.from_seed(7)), "female", 3), (Face(Source.from_w(rng.randn(16), "my image"), 1 / 3),
                                                        "male", 5)]
    for i, (face, gender, tone) in enumerate(cases):
        panel.set_face(face)
        panel.gender_combo.setCurrentIndex(panel.gender_combo.findData(gender))
        panel.tone_combo.setCurrentIndex(tone)
        panel.psi.set_value(0.8)
        panel.age.slider.setValue(80)
        shown = _wait_shown(qtbot, panel)
        panel.export(tmp_path / f"aged{i}")
        path = _wait_export(qtbot, worker, "age-export")
        assert path == tmp_path / f"aged{i}.png"
        recipe = read_recipe(path)
        assert recipe["kind"] == "age" and recipe["gender"] == gender and recipe["skin_tone"] == tone
        req = cond_request_from_recipe(recipe)
        assert req == panel.current_request()
        pixels = np.asarray(Image.open(path))
        assert np.array_equal(pixels, _session().render(req)) and np.array_equal(pixels, shown)
        # opening (or dropping) the PNG later restores the same face, age and conditions
        panel.seed_box.setValue(11)
        panel.gender_combo.setCurrentIndex(0)
        panel.age.slider.setValue(0)
        assert panel.open_recipe(path)
        assert panel.current_request() == req
        assert np.array_equal(_wait_shown(qtbot, panel), pixels)


def test_export_strip_png_gif_mp4(panel, qtbot, worker, tmp_path):
    from gan_studio.core.io.recipe import read_recipe
    from gan_studio.ui.panels.age_export import VIDEO_FRAMES

    panel.n_spin.setValue(3)
    panel.export_strip(tmp_path / "strip.png")
    strip = np.asarray(Image.open(_wait_export(qtbot, worker, "age-export")))
    assert strip.shape == (16, 3 * 16 + 2 * 2, 4)
    assert read_recipe(tmp_path / "strip.png")["ages"] == [0.0, 0.5, 1.0]
    panel.export_strip(tmp_path / "ages.gif", size=32)
    with Image.open(_wait_export(qtbot, worker, "age-export")) as gif:
        assert gif.n_frames == VIDEO_FRAMES and gif.size == (32, 32)
    panel.export_strip(tmp_path / "ages.mp4")
    mp4 = _wait_export(qtbot, worker, "age-export")
    assert mp4.stat().st_size > 1000
    with pytest.raises(ValueError):
        panel.export_strip(tmp_path / "ages.webm")


def test_explorer_and_mixer_use_my_image(qtbot, tiny_library, worker, face_png):
    from gan_studio.core.sessions.requests import RenderRequest
    from gan_studio.ui.panels.explorer import ExplorerPanel
    from gan_studio.ui.panels.mixer import MixerPanel

    explorer, mixer = ExplorerPanel(worker), MixerPanel(worker)
    for p in (explorer, mixer):
        qtbot.addWidget(p)
        p.projector.steps = STEPS
    explorer.favouritesChanged.connect(mixer.set_favourites)
    explorer.set_model(TINY_ID)
    mixer.set_model(TINY_ID, _session(TINY_ID).facts())
    with qtbot.waitSignal(explorer.projector.projected, timeout=30000) as blocker:
        explorer.use_image(face_png)
    src = blocker.args[0]
    assert src.seed is None and src.describe().startswith("my image")
    assert explorer.favourites == [src] and mixer.favourites == [src]  # it joins like a seed
    assert explorer.state.latent == src
    expected = _session(TINY_ID).render(RenderRequest(TINY_ID, source=src, psi=explorer.state.psi))
    qtbot.waitUntil(lambda: explorer.shown_image() is not None and
                    np.array_equal(qimage_pixels(explorer.shown_image()), expected), timeout=20000)
    explorer.add_to_path()  # walkable: a walk from the image to seed 4
    explorer.seed_box.setValue(4)
    explorer.add_to_path()
    assert explorer.state.path == (src, explorer.current_source())

    with qtbot.waitSignal(mixer.projector.projected, timeout=30000) as blocker:
        mixer.use_image(face_png, rows=False)
    col = blocker.args[0]
    req = mixer.current_request()
    assert req.cols[-1] == col and len(req.cols) == 6 and req.rows[0].seed == 1
    mixer._sources_edited()  # leaving the columns' text keeps the fitted source
    assert mixer.current_request().cols[-1] == col
    qtbot.waitUntil(lambda: mixer._shown > 0 and mixer.view.image() is not None, timeout=20000)
    grid = _session(TINY_ID).mix_grid(mixer.current_request())
    qtbot.waitUntil(lambda: np.array_equal(qimage_pixels(mixer.view.image()), grid), timeout=20000)


def test_window_docks_the_age_panel_and_restores_age_recipes(qtbot, tiny_library, tmp_path):
    from gan_studio.core.io.export import export_png
    from gan_studio.core.sessions.cond_requests import AgeRequest
    from gan_studio.core.sessions.requests import Source
    from gan_studio.ui.main_window import MainWindow

    req = AgeRequest(TINY_AGE_ID, Source.from_seed(21), age=0.25, gender="male", skin_tone=2, psi=0.9)
    sess = _session()
    path = export_png(sess.render(req), tmp_path / "aged.png", sess.recipe(req))
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(worker=InferenceWorker(), settings=settings)
    qtbot.addWidget(win)
    win.show()
    win.load_models()
    assert "age" in win.docks and win.age.asleep  # the age model waits until its tab is opened
    win.open_recipe(path)
    assert win.age_dock.isVisible() and not win.age.asleep
    assert win.age.current_request() == req
    qtbot.waitUntil(lambda: win.age._shown >= win.age.last_task > 0, timeout=20000)
    assert np.array_equal(qimage_pixels(win.age.shown_image()), sess.render(req))
    win.close()
    assert not win.worker.thread.isRunning()
