"""The sketch pad's hint brush: a toggle and the hint colour (a dab inside an outline colours that region)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QColorDialog, QHBoxLayout, QToolButton, QWidget

DEFAULT_HINT = "#dc1e28"  # a clear red: the first thing people hint is a heart


class HintTool(QWidget):
    """``button`` joins the pad's tool group; ``colourChanged`` carries the new QColor."""

    colourChanged = Signal(QColor)  # noqa: N815 (Qt naming)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.colour = QColor(DEFAULT_HINT)
        self.button = QToolButton()
        self.button.setText("✦ Hint")
        self.button.setCheckable(True)
        self.button.setToolTip("Colour hint (H): dab a colour inside a shape of your drawing and the painting "
                               "takes that colour there")
        self.swatch = QToolButton()
        self.swatch.setFixedSize(24, 24)
        self.swatch.setToolTip("The hint colour — click to change")
        self.swatch.clicked.connect(self.pick)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.button)
        lay.addWidget(self.swatch)
        lay.addStretch(1)
        self._show()

    def pick(self) -> None:
        colour = QColorDialog.getColor(self.colour, self, "Hint colour")
        if colour.isValid():
            self.set_colour(colour)

    def set_colour(self, colour: QColor) -> None:
        self.colour = QColor(colour)
        self._show()
        self.button.setChecked(True)  # picking a colour means hinting with it
        self.colourChanged.emit(self.colour)

    def _show(self) -> None:
        self.swatch.setStyleSheet(f"background: {self.colour.name()}; border: 1px solid palette(mid)")
