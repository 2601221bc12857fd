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
