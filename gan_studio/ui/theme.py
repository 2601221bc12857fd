"""Dark/light theme that follows the system unless the user picks one."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication


def system_is_dark() -> bool:
    hints = QGuiApplication.styleHints()
    scheme = getattr(hints, "colorScheme", None)
    if scheme is not None:
        value = scheme()
        if value == Qt.ColorScheme.Dark:
            return True
        if value == Qt.ColorScheme.Light:
            return False
    return True  # an image tool reads best dark when the system does not say


def dark_palette() -> QPalette:
    p = QPalette()
    base, alt, text = QColor(37, 37, 40), QColor(48, 48, 52), QColor(224, 224, 224)
    for role, color in {
        QPalette.ColorRole.Window: base, QPalette.ColorRole.WindowText: text,
        QPalette.ColorRole.Base: QColor(28, 28, 30), QPalette.ColorRole.AlternateBase: alt,
        QPalette.ColorRole.ToolTipBase: alt, QPalette.ColorRole.ToolTipText: text,
        QPalette.ColorRole.Text: text, QPalette.ColorRole.Button: alt, QPalette.ColorRole.ButtonText: text,
        QPalette.ColorRole.Highlight: QColor(96, 140, 220), QPalette.ColorRole.HighlightedText: QColor(255, 255, 255),
        QPalette.ColorRole.Link: QColor(120, 170, 255), QPalette.ColorRole.PlaceholderText: QColor(140, 140, 140),
    }.items():
        p.setColor(role, color)
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text, QColor(120, 120, 120))
    p.setColor(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText, QColor(120, 120, 120))
    return p


def apply_theme(name: str = "system") -> str:
    """Apply 'system', 'dark' or 'light'; returns the one in effect."""
    app = QApplication.instance()
    if app is None:
        return name
    app.setStyle("Fusion")
    dark = system_is_dark() if name == "system" else name == "dark"
    app.setPalette(dark_palette() if dark else app.style().standardPalette())
    return "dark" if dark else "light"
