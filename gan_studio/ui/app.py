"""Application start-up: window first, then models (torch loads on the worker thread)."""

from __future__ import annotations

import logging
import os
import sys

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

log = logging.getLogger("gan_studio.ui")


def run_app(device: str | None = None, panel: str = "explorer", argv: list[str] | None = None) -> int:
    if device:
        os.environ["GAN_STUDIO_DEVICE"] = device
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("GAN Studio")
    app.setOrganizationName("gan-studio")
    from ..resources import APP_ID, icon_path

    app.setDesktopFileName(APP_ID)
    icon = icon_path(256)
    if icon.is_file():
        from PySide6.QtGui import QIcon

        app.setWindowIcon(QIcon(str(icon)))
    from .main_window import MainWindow
    from .theme import apply_theme

    settings = QSettings("gan-studio", "gan-studio")
    apply_theme(str(settings.value("theme", "system")))
    win = MainWindow(settings=settings)
    win.show()
    win.show_panel(panel)
    QTimer.singleShot(0, win.load_models)
    return app.exec()
