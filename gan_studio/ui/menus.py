"""The window's menus and their keyboard shortcuts: every action calls a window method, which sends it to the
panel in use (main_window.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu


def _action(win: QMainWindow, menu: QMenu, text: str, slot: Callable[..., Any],
            shortcut: QKeySequence | str | QKeySequence.StandardKey | None = None) -> QAction:
    act = QAction(text, win)
    if shortcut is not None:
        act.setShortcut(QKeySequence(shortcut))
    act.triggered.connect(slot)
    menu.addAction(act)
    return act


def _hidden(win: QMainWindow, text: str, slot: Callable[..., Any]) -> QAction:
    act = QAction(text, win)
    act.triggered.connect(slot)
    return act


def build_menus(win: Any) -> None:
    """File, Edit, View, Model and Help on ``win`` (a MainWindow); keeps the actions tests and code reach:
    ``import_action``, ``upscale_action``, ``undo_action``, ``redo_action``."""
    mb = win.menuBar()
    f = mb.addMenu("&File")
    _action(win, f, "&Open image recipe…", win.open_recipe_dialog, QKeySequence.StandardKey.Open)
    win.import_action = _action(win, f, "&Import model…", win.import_model_dialog, "Ctrl+I")
    win.import_action.setStatusTip("Add an NVIDIA .pkl, rosinality .pt or pix2pix/CycleGAN .pth to your library")
    _action(win, f, "&Export image…", win.export_image_dialog, "Ctrl+E")
    _action(win, f, "Export &grid…", win.export_grid_dialog, "Ctrl+Shift+E")
    _action(win, f, "Export &video (walk)…", win.export_video_dialog, "Ctrl+Alt+E")
    win.upscale_action = _action(win, f, "Export &upscaled ×4…", win.export_upscaled_dialog, "Ctrl+Shift+U")
    win.upscale_action.setEnabled(False)
    win.upscale_action.setStatusTip("Needs a model with the 'upscale' task in your library")
    f.addSeparator()
    _action(win, f, "&Quit", win.close, QKeySequence.StandardKey.Quit)
    e = mb.addMenu("&Edit")
    # One Undo/Redo for the whole window, sent to the panel in use (two shortcuts for one key would
    # cancel each other out as ambiguous).
    win.undo_action = _action(win, e, "&Undo", win.undo, QKeySequence.StandardKey.Undo)
    win.redo_action = _action(win, e, "&Redo", win.redo)
    # Both usual keys on one action: a hidden second action would have no working shortcut.
    win.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
    e.addAction(_hidden(win, "Random seed", win.explorer.random_seed))
    v = mb.addMenu("&View")
    for dock in win.docks.values():
        v.addAction(dock.toggleViewAction())
    theme = v.addMenu("Theme")
    for name in ("system", "dark", "light"):
        _action(win, theme, name.capitalize(), lambda _=False, n=name: win.set_theme(n))
    m = mb.addMenu("&Model")
    _action(win, m, "Choose model…", win.choose_model, "Ctrl+M")
    _action(win, m, "Model card…", win.show_card)
    h = mb.addMenu("&Help")
    _action(win, h, "&About GAN Studio", win.about)
