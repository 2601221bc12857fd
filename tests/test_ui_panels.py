"""The panel contract (ui/panels/contract.py): the window keeps its panels in one dict and sends undo, redo and
the exports to the panel in use, or to the explorer where that panel has none."""

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtGui import QKeySequence

from gan_studio.core import defaults
from gan_studio.core.sessions.recipes import PANELS as RECIPE_PANELS
from gan_studio.ui.main_window import MainWindow
from gan_studio.ui.panels.contract import Panel
from gan_studio.ui.worker import InferenceWorker

ACTIONS = {"undo": "Ctrl+Z", "redo": "Ctrl+Shift+Z", "export_dialog": "Ctrl+E",
           "export_grid_dialog": "Ctrl+Shift+E", "export_video_dialog": "Ctrl+Alt+E"}


@pytest.fixture
def window(qtbot, tmp_path):
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(worker=InferenceWorker(), settings=settings)
    qtbot.addWidget(win)
    yield win
    win.close()


def test_every_panel_keeps_the_contract(window):
    assert list(window.panels) == list(window.docks)
    assert set(window.panels) == set(defaults.PANELS)
    for name, panel in window.panels.items():
        assert isinstance(panel, Panel), name
        assert panel.name == name and window.docks[name].widget() is panel
        assert window.docks[name].windowTitle() == panel.title
    assert set(RECIPE_PANELS.values()) <= set(window.panels)  # every recipe kind has a panel to restore it


def test_actions_go_to_the_panel_in_use_or_the_explorer(window, monkeypatch):
    calls = []
    owners = {}
    for name, panel in window.panels.items():
        for action in ACTIONS:
            if getattr(panel, action) is not None:
                owners[(name, action)] = name
                setattr(panel, action, lambda n=name, a=action: calls.append((n, a)))
    by_key = {a.shortcut().toString(): a for a in window.findChildren(type(window.undo_action)) if a.shortcut()}
    for name in window.panels:
        monkeypatch.setattr(window, "_active", lambda n=name: n)
        for action, key in ACTIONS.items():
            calls.clear()
            by_key[QKeySequence(key).toString()].trigger()  # the keyboard shortcut's action
            assert calls == [(owners.get((name, action), "explorer"), action)], (name, action)
    # what each panel owns, so the fallback above is not all the test sees
    assert owners[("sketch", "undo")] == "sketch" and ("text", "undo") not in owners
    assert owners[("age", "export_grid_dialog")] == "age" and ("mixer", "export_grid_dialog") not in owners
    assert {n for (n, a) in owners if a == "export_dialog"} == set(defaults.PANELS) - {"jobs"}
