"""Layout as the user sees it at the default window size: one model picker per panel, combo boxes that show
their whole text, a seed grid that uses the width, empty states that say what to do, labelled mixer grid,
age strip and slider in agreement, sketch and painting side by side at the same size."""

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QComboBox, QStyle, QStyleOptionComboBox

from gan_studio.ui.main_window import MainWindow
from gan_studio.ui.worker import InferenceWorker

PANELS = ("explorer", "mixer", "sketch", "translate", "text", "age")


def _window(qtbot, tmp_path) -> MainWindow:
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(worker=InferenceWorker(), settings=settings)
    qtbot.addWidget(win)
    win.show()
    win.load_models()
    return win


@pytest.fixture
def bundled_window(qtbot, tmp_path):
    """The window over the bundled models: their real (long) names are what the pickers must show."""
    win = _window(qtbot, tmp_path)
    yield win
    win.close()


@pytest.fixture
def window(qtbot, tiny_library, tmp_path):
    win = _window(qtbot, tmp_path)
    yield win
    win.close()


def _show(qtbot, win: MainWindow, name: str) -> None:
    win.show_panel(name)
    qtbot.wait(30)
    QApplication.processEvents()


def _elided(combo: QComboBox) -> bool:
    """Whether the combo's edit field is narrower than its current text (Qt then elides it)."""
    opt = QStyleOptionComboBox()
    combo.initStyleOption(opt)
    field = combo.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, opt,
                                         QStyle.SubControl.SC_ComboBoxEditField, combo)
    return combo.fontMetrics().horizontalAdvance(combo.currentText()) > field.width()


def test_no_combo_box_elides_its_text_at_the_default_size(bundled_window, qtbot):
    win = bundled_window
    assert win.size().width() == 1280  # the default window size
    checked = 0
    for name in PANELS:
        _show(qtbot, win, name)
        combos = [c for c in win.findChildren(QComboBox) if c.isVisible() and not c.visibleRegion().isEmpty()]
        assert combos, name
        for combo in combos:
            checked += bool(combo.currentText())
            assert not _elided(combo), f"{name}: {combo.currentText()!r} is cut off ({combo.width()} px wide)"
    assert checked >= 12
    # The toolbar's picker names the bundled StyleGen in full; a model name says its resolution once.
    _show(qtbot, win, "explorer")
    assert win.model_picker.currentText() == "Starter emoji faces (StyleGen 64 px, RGBA)"
    assert "Starter emoji faces" in win.model_picker.toolTip()


def _visible_pickers(win: MainWindow) -> list[QComboBox]:
    combos = [win.model_picker] + [getattr(win, n).model_combo for n in ("sketch", "translate", "text", "age")]
    return [c for c in combos if c.isVisible() and not c.visibleRegion().isEmpty()]


def test_one_model_picker_per_panel_and_ctrl_m_opens_it(window, qtbot):
    tops = set()
    for name in (*PANELS, "jobs"):
        _show(qtbot, window, name)
        want = [] if name == "jobs" else [window.model_combo_for(name)]
        assert _visible_pickers(window) == want, name
        assert window.model_picker.isVisible() == (name in ("explorer", "mixer"))
        tops.add(window.docks[name].geometry().top())
    assert len(tops) == 1  # hiding the toolbar's picker does not move the panels
    for name in ("sketch", "explorer"):
        _show(qtbot, window, name)
        combo = window.model_combo_for(name)
        window.choose_model()  # Model → Choose model… (Ctrl+M)
        qtbot.waitUntil(lambda c=combo: c.view().isVisible(), timeout=3000)
        combo.hidePopup()


def test_window_fits_its_default_size(bundled_window, qtbot):
    """The explorer's controls scroll instead of making the window taller than a 900 px screen."""
    qtbot.waitUntil(lambda: bundled_window.explorer.shown_image() is not None, timeout=30000)
    assert bundled_window.minimumSizeHint().height() <= 860
    assert bundled_window.height() == 860


def test_seed_grid_uses_the_width_and_pages_by_what_it_shows(window, qtbot):
    ex = window.explorer
    _show(qtbot, window, "explorer")
    grid = ex.grid_box
    n = ex.page_size()
    assert n == 2 * grid.columns and grid.columns > 8  # a 1280 px window has room for more than 8 columns
    left = min(t.geometry().left() for t in ex.thumbs)
    right = max(t.geometry().right() for t in ex.thumbs)
    assert right - left >= 0.8 * grid.width()
    qtbot.waitUntil(lambda: all(not t.icon().isNull() for t in ex.thumbs), timeout=20000)
    ex.next_btn.click()
    assert ex.state.grid_base == n and ex.thumbs[0].text() == str(n) and ex.thumbs[-1].text() == str(2 * n - 1)
    window.resize(800, 860)
    qtbot.waitUntil(lambda: ex.page_size() < n, timeout=3000)
    assert len(ex.thumbs) == ex.page_size() and ex.thumbs[-1].text() == str(n + ex.page_size() - 1)
    ex.prev_btn.click()
    ex.prev_btn.click()
    assert ex.state.grid_base == 0


def test_age_strip_highlights_only_the_slider_age(window, qtbot):
    from gan_studio.core.sessions.cond_requests import age_label_name

    age = window.age
    _show(qtbot, window, "age")
    qtbot.waitUntil(lambda: len(age.strip_thumbs) == age.n_spin.value(), timeout=20000)

    def checked():
        return [t for t in age.strip_thumbs if t.isChecked()]

    # At start the slider's age is on the strip: that face is highlighted, and its name and value are the slider's.
    assert len(checked()) == 1
    value = age.age.value()
    assert checked()[0].text() == f"{age_label_name(value)} {value:.2f}"
    assert age.level_label.text().lower() == checked()[0].text().replace(" ", " · ")
    age.age.set_value(0.37)
    age.refresh()
    assert checked() == []  # between two faces of the strip, neither claims to be the slider's
    age.strip_thumbs[1].click()
    assert checked() == [age.strip_thumbs[1]] and age.age.value() == float(age.strip_thumbs[1].payload)


def test_sketch_and_painting_are_the_same_square_at_the_same_top(window, qtbot):
    from tests.conftest import TINY_SKETCH_ID

    sk = window.sketch
    _show(qtbot, window, "sketch")
    assert sk.model_id == TINY_SKETCH_ID
    qtbot.waitUntil(lambda: sk.view.image() is not None, timeout=20000)
    paper = sk.canvas.paper_rect().translated(sk.canvas.mapTo(sk, sk.canvas.rect().topLeft()))
    painting = sk.view.image_rect().translated(sk.view.mapTo(sk, sk.view.rect().topLeft()))
    assert paper.size() == painting.size() and paper.width() > 300
    assert paper.top() == painting.top()


def _visible_texts(widget) -> list[str]:
    from PySide6.QtWidgets import QAbstractButton, QLabel

    shown = [w for cls in (QLabel, QAbstractButton) for w in widget.findChildren(cls) if w.isVisible()]
    return [w.text() for w in shown]


def test_translate_shows_one_drop_zone_until_an_image_is_opened(window, qtbot, tmp_path):
    from PIL import Image

    tr = window.translate
    _show(qtbot, window, "translate")
    hints = [t for t in _visible_texts(tr) if "drop" in t.lower()]
    assert hints == ["Drop an image here to translate it"]  # said once, in the drop zone
    assert tr.stage.currentWidget() is tr.drop_zone and "drop" not in tr.view.message().lower()
    assert tr.drop_zone.width() > 0.6 * tr.width()  # the empty state fills the stage, not a corner
    opened = []
    tr.open_image_dialog = lambda: opened.append(True)  # the zone's button opens the same dialog as the side's
    tr.drop_zone.openClicked.disconnect()
    tr.drop_zone.openClicked.connect(tr.open_image_dialog)
    tr.drop_zone.button.click()
    assert opened
    Image.new("RGBA", (16, 16), (200, 30, 30, 255)).save(tmp_path / "red.png")
    assert tr.open_image(tmp_path / "red.png")
    assert tr.stage.currentWidget() is tr.view and not tr.drop_zone.isVisible()


def test_empty_favourites_and_jobs_say_what_to_do(window, qtbot):
    ex, mx = window.explorer, window.mixer
    assert ex.fav_stack.is_empty() and "★ Favourite (F)" in ex.fav_stack.hint.text()
    _show(qtbot, window, "mixer")
    assert mx.fav_hint.isVisible() and "★ Favourite (F)" in mx.fav_hint.text()
    assert not mx.rows_fav.isEnabled() and not mx.cols_fav.isEnabled()
    _show(qtbot, window, "explorer")
    ex.add_favourite()
    assert not ex.fav_stack.is_empty() and ex.fav_strip.count() == 2  # the thumbnail and the strip's stretch
    _show(qtbot, window, "mixer")
    assert not mx.fav_hint.isVisible() and mx.rows_fav.isEnabled()
    _show(qtbot, window, "jobs")
    jobs = window.jobs.list
    assert jobs.count() == 0 and jobs.hint_shown() and "New fine-tune…" in jobs.hint
    blank = jobs.viewport().grab().toImage()
    hint = jobs.hint
    jobs.hint = ""
    jobs.viewport().repaint()
    assert jobs.viewport().grab().toImage() != blank  # the hint is painted
    jobs.hint = hint


def test_mixer_grid_names_its_rows_and_columns(window, qtbot):
    mx = window.mixer
    _show(qtbot, window, "mixer")
    mx.rows_edit.setText("1,2")
    mx.cols_edit.setText("3,4,5")
    mx._sources_edited()
    qtbot.waitUntil(lambda: mx.view.col_labels == ["seed 3", "seed 4", "seed 5"], timeout=20000)
    assert mx.view.row_labels == ["seed 1", "seed 2"]
    rects = mx.view.label_rects()
    assert set(rects) == {"col 0", "col 1", "col 2", "row 0", "row 1"}
    for j in range(3):  # each column's name sits on its own header tile, left to right
        assert mx.view.cell_rect(0, j + 1).contains(rects[f"col {j}"].center())
    for i in range(2):
        assert mx.view.cell_rect(i + 1, 0).contains(rects[f"row {i}"].center())
    assert rects["col 0"].center().x() < rects["col 1"].center().x() < rects["col 2"].center().x()
