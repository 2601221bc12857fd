"""Message boxes whose text is plain: file names, card names and error messages come from files a user opened
(a checkpoint can be named ``<h1>Imported OK</h1>``), so they are never read as rich text."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget


def warn(parent: QWidget | None, title: str, text: str) -> None:
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(title)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(text)
    box.exec()


def esc(text: object) -> str:
    """Untrusted text inside a rich-text message (bold headings around it stay ours)."""
    return html.escape(str(text))
