"""Text from outside shown as typed: file names, card names, prompts, tensor keys and error messages come from
files a user opened (a checkpoint can be named ``<h1>Imported OK</h1>``), and Qt reads any label, tooltip or
message box text that looks like HTML as rich text. So message boxes, labels and tooltips are plain."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import Qt as QtGui
from PySide6.QtWidgets import QLabel, QMessageBox, QWidget


def warn(parent: QWidget | None, title: str, text: str) -> None:
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(title)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(text)
    box.exec()


def ask(parent: QWidget | None, title: str, text: str) -> bool:
    """A Yes/No question whose text (a job's or a file's name in it) is plain."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle(title)
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(text)
    box.setStandardButtons(QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No)
    box.setDefaultButton(QMessageBox.StandardButton.No)
    return box.exec() == QMessageBox.StandardButton.Yes


def esc(text: object) -> str:
    """Untrusted text inside a rich-text message (bold headings around it stay ours)."""
    return html.escape(str(text))


def plain_labels(root: QWidget) -> None:
    """Every label under ``root`` shows its text as typed: captions and statuses carry image and model names,
    prompts and error messages. No label of the window is meant as rich text (the About box is its own)."""
    for label in root.findChildren(QLabel):
        label.setTextFormat(Qt.TextFormat.PlainText)


def plain_tip(text: str) -> str:
    """A tooltip that shows ``text`` as typed: one that looks like HTML is escaped (line breaks kept), others
    stay as they are."""
    return QtGui.convertFromPlainText(text) if QtGui.mightBeRichText(text) else text
