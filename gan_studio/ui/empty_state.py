"""Empty states that say what to do: a hint in place of an empty strip or list, and a drop zone."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QFrame, QLabel, QListWidget, QPushButton, QStackedWidget, QVBoxLayout, QWidget


def hint_label(text: str) -> QLabel:
    """A dimmed, centred, wrapping sentence."""
    label = QLabel(text)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setWordWrap(True)
    label.setEnabled(False)  # the palette's disabled text: quieter than content
    return label


class HintStack(QStackedWidget):
    """``content`` (e.g. a favourites strip), or a hint in its place while it is empty; the height stays."""

    def __init__(self, content: QWidget, hint: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hint = hint_label(hint)
        self.content = content
        self.addWidget(self.hint)
        self.addWidget(content)
        self.set_empty(True)

    def set_empty(self, empty: bool) -> None:
        self.setCurrentWidget(self.hint if empty else self.content)

    def is_empty(self) -> bool:
        return self.currentWidget() is self.hint


class HintList(QListWidget):
    """A list that says what to do while it has no items."""

    def __init__(self, hint: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.hint = hint

    def hint_shown(self) -> bool:
        return self.count() == 0 and bool(self.hint)

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().paintEvent(event)
        if not self.hint_shown():
            return
        p = QPainter(self.viewport())
        p.setPen(self.palette().color(self.palette().ColorGroup.Disabled, self.palette().ColorRole.Text))
        p.drawText(self.viewport().rect().adjusted(12, 12, -12, -12),
                   Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.hint)
        p.end()


class DropZone(QFrame):
    """A dashed frame with one hint and an Open button: what an image panel shows before it has an image.

    It accepts no drops itself, so a dropped file reaches the panel that owns it."""

    openClicked = Signal()  # noqa: N815 (Qt naming)

    def __init__(self, hint: str, button: str = "Open image…", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dropZone")
        self.setStyleSheet("#dropZone { border: 2px dashed palette(mid); border-radius: 12px; }")
        self.icon = QLabel("⤓")
        self.icon.setAlignment(Qt.AlignmentFlag.AlignCenter)
        font = self.icon.font()
        font.setPointSizeF(font.pointSizeF() * 3)
        self.icon.setFont(font)
        self.icon.setEnabled(False)
        self.label = QLabel(hint)
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setWordWrap(True)
        self.button = QPushButton(button)
        self.button.clicked.connect(self.openClicked)
        lay = QVBoxLayout(self)
        lay.addStretch(1)
        lay.addWidget(self.icon)
        lay.addWidget(self.label)
        lay.addWidget(self.button, 0, Qt.AlignmentFlag.AlignHCenter)
        lay.addStretch(1)

    def set_hint(self, text: str) -> None:
        self.label.setText(text)
