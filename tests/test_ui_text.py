"""Text panel through the real worker thread on the tiny text model (16 → 32 px with its refiner).

The sentence encoder is the real one (loaded once per process by ``shared_encoder``); the missing-encoder
tests replace its loader so the panel sees ``EncoderUnavailable``.
"""

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QSettings, Qt

from gan_studio.core.sessions.cond_requests import TextRequest, cond_request_from_recipe
from gan_studio.ui.panels.text import TextPanel
from gan_studio.ui.panels.text_tasks import DEFAULT_COUNT, NO_MODEL, load_history
from gan_studio.ui.qimage import qimage_pixels
from gan_studio.ui.worker import InferenceWorker
from tests.conftest import TINY_TEXT_ID, reference_library

REASON = "the text encoder package is not installed (test)"


@pytest.fixture
def worker(tiny_library):
    w = InferenceWorker()
    yield w
    w.stop()
    assert not w.thread.isRunning()


@pytest.fixture
def settings(tmp_path):
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


def _panel(qtbot, worker, settings, cards):
    panel = TextPanel(worker, settings=settings)
    qtbot.addWidget(panel)
    panel.resize(1000, 640)
    panel.show()
    panel.set_cards(cards)
    return panel


@pytest.fixture
def panel(qtbot, tiny_library, worker, settings):
    p = _panel(qtbot, worker, settings, tiny_library.cards())
    qtbot.waitUntil(p.generate_btn.isEnabled, timeout=30000)  # model and encoder loaded
    return p


@pytest.fixture
def no_encoder(monkeypatch):
    """Make the encoder loader fail the way a missing package does."""
    import gan_studio.core.text.encoder as enc

    def fail():
        raise enc.EncoderUnavailable(REASON)

    monkeypatch.setattr(enc, "shared_encoder", fail)


def _session():
    from gan_studio.core.sessions.text import TextSession

    return TextSession.open(TINY_TEXT_ID, library=reference_library(), device="cpu")


def _wait_grid(qtbot, panel, timeout=20000):
    """Until the panel shows the result of its newest grid request; its images as arrays."""
    qtbot.waitUntil(lambda: panel.last_task > 0 and panel._shown >= panel.last_task, timeout=timeout)
    return [qimage_pixels(im) for im in panel.images]


def _type_and_enter(qtbot, panel, prompt):
    edit = panel.prompt.lineEdit()
    edit.clear()
    qtbot.keyClicks(edit, prompt)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def test_prompt_and_enter_show_a_grid_of_seeds(panel, qtbot):
    assert panel.model_combo.currentData() == TINY_TEXT_ID and panel.model_combo.count() == 1
    assert not panel.best_first.isEnabled()  # this model has no prompt matcher, so seeds are not ranked
    _type_and_enter(qtbot, panel, "red heart")
    shown = _wait_grid(qtbot, panel)
    assert len(shown) == DEFAULT_COUNT and len(panel.thumbs) == DEFAULT_COUNT
    assert panel.stack.currentIndex() == 0  # the grid, not a message
    req = panel.current
    assert req.prompt == "red heart" and req.seeds == tuple(range(DEFAULT_COUNT))
    expected = _session().render(req)
    for got, want in zip(shown, expected, strict=True):
        assert got.shape == (32, 32, 4)
        assert np.array_equal(got, want)
    assert len({im.tobytes() for im in shown}) == DEFAULT_COUNT  # seeds differ
    assert np.array_equal(qimage_pixels(panel.shown_image()), shown[0])  # first cell focused
    qtbot.mouseClick(panel.thumbs[3], Qt.MouseButton.LeftButton)
    assert panel.focused == 3 and np.array_equal(qimage_pixels(panel.shown_image()), shown[3])
    assert "seed 3" in panel.caption.text() and panel.thumbs[3].isChecked()


def test_best_matches_first_ranks_seeds_and_keeps_them_while_varying(qtbot, tiny_library, worker, settings):
    import torch

    from gan_studio.core.text.matcher import Matcher, MatcherConfig
    from gan_studio.core.training.matcher_trainer import attach_matcher

    torch.manual_seed(0)  # an untrained matcher still ranks deterministically; its quality is tested elsewhere
    attach_matcher(tiny_library.card(TINY_TEXT_ID), Matcher(MatcherConfig(num_classes=2)).eval(), {},
                   Path("untrained"))
    panel = _panel(qtbot, worker, settings, tiny_library.cards())
    qtbot.waitUntil(panel.generate_btn.isEnabled, timeout=30000)
    assert panel.best_first.isEnabled() and not panel.best_first.isChecked() and not panel.ranking()
    panel.best_first.setChecked(True)  # off by default: it takes 4× the time
    assert panel.ranking() and settings.value("text/best_first", type=bool) is True
    panel.count.setValue(4)
    _type_and_enter(qtbot, panel, "a tree")
    shown = _wait_grid(qtbot, panel)
    kept, want = _session().render_ranked(TextRequest(TINY_TEXT_ID, "a tree", seeds=(0, 1, 2, 3),
                                                      variation=panel.variation.value()), 4)
    assert panel.current.seeds == kept.seeds != (0, 1, 2, 3)
    assert all(np.array_equal(a, b) for a, b in zip(shown, want, strict=True))
    assert panel.thumbs[0].text() == f"seed {kept.seeds[0]}" and "(best of 16)" in panel.latency.text()
    panel.variation.set_value(0.9)  # a slider re-renders the chosen seeds, it does not rank again
    qtbot.waitUntil(lambda: panel.current.variation == 0.9, timeout=5000)
    moved = _wait_grid(qtbot, panel)
    assert panel.current.seeds == kept.seeds
    assert np.array_equal(np.stack(moved), np.stack(_session().render(panel.current)))
    panel.best_first.setChecked(False)  # off: the plain run of seeds again, and remembered
    _wait_grid(qtbot, panel)
    assert panel.current.seeds == (0, 1, 2, 3) and settings.value("text/best_first", type=bool) is False


def test_different_prompts_give_different_pixels(panel, qtbot):
    panel.count.setValue(4)
    grids = {}
    for prompt in ("red heart", "kitty", "zqx flibbertigibbet!"):  # words outside any training vocabulary
        _type_and_enter(qtbot, panel, prompt)
        grids[prompt] = np.stack(_wait_grid(qtbot, panel))
        assert panel.current.prompt == prompt and len(grids[prompt]) == 4
    a, b, c = grids.values()
    assert not np.array_equal(a, b) and not np.array_equal(b, c) and not np.array_equal(a, c)


def test_new_seeds_and_count_redo_the_grid(panel, qtbot):
    _type_and_enter(qtbot, panel, "a tree")
    first = _wait_grid(qtbot, panel)
    panel.new_seeds_btn.click()
    again = _wait_grid(qtbot, panel)
    assert panel.current.seeds[0] == panel.start_seed.value() != 0
    assert not np.array_equal(np.stack(first), np.stack(again))
    panel.count.setValue(3)
    assert len(_wait_grid(qtbot, panel)) == 3 and len(panel.thumbs) == 3


def test_variation_rerenders_live_and_ends_on_the_final_value(panel, qtbot):
    panel.count.setValue(4)
    panel.variation.set_value(0.0)
    _type_and_enter(qtbot, panel, "smiling cat")
    still = np.stack(_wait_grid(qtbot, panel))
    before = panel.last_task
    for i in range(1, 21):  # a quick drag: throttled, not one render per step
        panel.variation.set_value(i / 20)
    qtbot.waitUntil(lambda: panel.current.variation == 1.0, timeout=5000)
    moved = np.stack(_wait_grid(qtbot, panel))
    assert panel.last_task - before < 20
    assert not np.array_equal(still, moved)
    assert np.array_equal(moved, np.stack(_session().render(panel.current)))
    assert panel.history() == ["smiling cat"]  # re-renders are not new history entries


def test_favourites_keep_prompt_seed_and_variation(panel, qtbot):
    panel.variation.set_value(0.3, emit=False)
    _type_and_enter(qtbot, panel, "red heart")
    shown = _wait_grid(qtbot, panel)
    panel.focus(2)
    panel.fav_btn.click()
    fav = panel.favourites[0]
    assert (fav.prompt, fav.seed, fav.variation) == ("red heart", 2, 0.3)
    _type_and_enter(qtbot, panel, "a tree")
    panel.variation.set_value(0.9, emit=False)
    _wait_grid(qtbot, panel)
    panel.fav_strip.itemAt(0).widget().click()
    restored = _wait_grid(qtbot, panel)
    assert panel.prompt_text() == "red heart" and panel.variation.value() == 0.3
    assert panel.current.seeds[0] == 2
    assert np.array_equal(restored[0], shown[2])


def test_export_recipe_round_trip(panel, qtbot, tmp_path):
    from gan_studio.core.io.recipe import read_recipe

    panel.variation.set_value(0.7, emit=False)
    _type_and_enter(qtbot, panel, "old man with white hair")
    shown = _wait_grid(qtbot, panel)
    qtbot.mouseClick(panel.thumbs[5], Qt.MouseButton.LeftButton)
    path = tmp_path / "focused.png"
    with qtbot.waitSignal(panel.status, timeout=20000):
        panel.export(path)
    recipe = read_recipe(path)
    assert recipe["kind"] == "text" and recipe["prompt"] == "old man with white hair"
    assert recipe["seeds"] == [5] and recipe["variation"] == 0.7 and recipe["model_id"] == TINY_TEXT_ID
    req = cond_request_from_recipe(recipe)
    assert isinstance(req, TextRequest)
    pixels = np.asarray(Image.open(path))
    assert np.array_equal(pixels, _session().render(req)[0])
    assert np.abs(pixels.astype(int) - shown[5]).max() <= 1  # what was on screen (batched), to rounding

    grid_path = tmp_path / "grid.png"
    with qtbot.waitSignal(panel.status, timeout=20000):
        panel.export_grid(grid_path)
    grid = Image.open(grid_path)
    assert grid.size == (4 * 32 + 3 * 2, 2 * 32 + 2)  # 8 cells, 4 columns, 2 px gaps
    assert read_recipe(grid_path)["seeds"] == list(range(8))


def test_history_is_recent_first_deduplicated_and_persists(panel, qtbot, worker, settings, tiny_library):
    for prompt in ("red heart", "a tree", "Red  Heart"):
        _type_and_enter(qtbot, panel, prompt)
    assert panel.history() == ["Red Heart", "a tree"]
    _wait_grid(qtbot, panel)
    settings.sync()
    again = _panel(qtbot, worker, QSettings(settings.fileName(), QSettings.Format.IniFormat), tiny_library.cards())
    assert again.history() == ["Red Heart", "a tree"] == load_history(settings)
    assert again.prompt.completer() is not None
    again.prompt.setCurrentIndex(1)
    assert again.prompt_text() == "a tree"


def test_no_text_model_says_so(qtbot, worker, settings, tiny_library):
    cards = [c for c in tiny_library.cards() if "text" not in c.tasks]
    p = _panel(qtbot, worker, settings, cards)
    assert p.stack.currentWidget() is p.message and p.message.text() == NO_MODEL
    assert not p.generate_btn.isEnabled() and not p.model_combo.isEnabled()
    assert p.generate() is None


def test_missing_encoder_shows_why_and_disables_generate(qtbot, worker, settings, tiny_library, no_encoder):
    p = _panel(qtbot, worker, settings, tiny_library.cards())
    qtbot.waitUntil(lambda: p.encoder_error is not None, timeout=20000)
    assert p.stack.currentWidget() is p.message and REASON in p.message.text()
    assert not p.generate_btn.isEnabled() and REASON in p.generate_btn.toolTip()
    _type_and_enter(qtbot, p, "red heart")
    assert p.last_task == 0 and not p.images  # nothing was sent
    assert p.prompt.isEnabled()  # the prompt box itself still works


def test_missing_encoder_leaves_the_rest_of_the_window_working(qtbot, tiny_library, tmp_path, no_encoder):
    from gan_studio.ui.main_window import MainWindow

    settings = QSettings(str(tmp_path / "win.ini"), QSettings.Format.IniFormat)
    win = MainWindow(worker=InferenceWorker(), settings=settings)
    qtbot.addWidget(win)
    win.show()
    win.load_models()
    try:
        qtbot.waitUntil(lambda: win.explorer.shown_image() is not None, timeout=30000)
        win.show_panel("text")
        qtbot.waitUntil(lambda: win.text.encoder_error is not None, timeout=20000)
        assert REASON in win.text.message.text() and not win.text.generate_btn.isEnabled()
        win.show_panel("sketch")
        qtbot.waitUntil(lambda: win.sketch.shown_image() is not None, timeout=20000)
        win.show_panel("explorer")
        before = qimage_pixels(win.explorer.shown_image())
        win.explorer.seed_box.setValue(7)
        qtbot.waitUntil(lambda: not np.array_equal(qimage_pixels(win.explorer.shown_image()), before),
                        timeout=20000)
    finally:
        win.close()
    assert not win.worker.thread.isRunning()


def test_window_routes_a_text_recipe_to_the_text_panel(qtbot, tiny_library, tmp_path):
    from gan_studio.core.io.export import export_png
    from gan_studio.ui.main_window import MainWindow

    req = TextRequest(TINY_TEXT_ID, "a tree", seeds=(11,), variation=0.4)
    session = _session()
    path = tmp_path / "tree.png"
    export_png(session.render(req)[0], path, session.recipe(req))
    settings = QSettings(str(tmp_path / "win.ini"), QSettings.Format.IniFormat)
    win = MainWindow(worker=InferenceWorker(), settings=settings)
    qtbot.addWidget(win)
    win.show()
    win.load_models()
    try:
        win.open_recipe(Path(path))
        panel = win.text
        qtbot.waitUntil(lambda: bool(panel.images) and panel.current.prompt == "a tree", timeout=30000)
        _wait_grid(qtbot, panel)
        assert panel.current.seeds[0] == 11 and panel.current.variation == 0.4
        assert np.abs(qimage_pixels(panel.shown_image()).astype(int)
                      - np.asarray(Image.open(path)).astype(int)).max() <= 1
        # Export upscaled ×4 takes the text panel's focused image, with its recipe.
        from gan_studio.core.io.recipe import read_recipe

        big = tmp_path / "tree-x4.png"
        with qtbot.waitSignal(win.worker.finished, timeout=30000, check_params_cb=lambda key, *a: key == "export"):
            assert win.export_upscaled(big, source="text") is not None
        shown = qimage_pixels(panel.shown_image())
        assert np.asarray(Image.open(big)).shape[:2] == (shown.shape[0] * 4, shown.shape[1] * 4)
        recipe = read_recipe(big)
        assert recipe["prompt"] == "a tree" and recipe["seeds"] == [11] and recipe["upscaled"] == win.upscale_id
    finally:
        win.close()
