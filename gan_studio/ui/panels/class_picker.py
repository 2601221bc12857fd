"""The explorer's class picker: the "Class" combo of class-conditional models (a CGAN DCGAN's card lists its
classes, the session's ``facts()`` hand them over); the explorer hides its row for every other model."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QWidget


class ClassPicker(QComboBox):
    """Says which class the user picked; shows the class a state draws without saying so back."""

    picked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setToolTip("The class this class-conditional model draws; a seed keeps its latent in every class")
        self._default = 0
        self.currentIndexChanged.connect(lambda i: self.picked.emit(self.itemText(i)) if i >= 0 else None)

    @property
    def classes(self) -> list[str]:
        return [self.itemText(i) for i in range(self.count())]

    def set_classes(self, classes: list[str], current: int | None = None) -> None:
        """The model's classes and the one it draws when a state names none."""
        self.blockSignals(True)
        self.clear()
        self.addItems([str(c) for c in classes])
        self.blockSignals(False)
        self._default = current if current is not None and 0 <= current < len(classes) else 0
        self.show_class(None)

    def show_class(self, name: str | None) -> None:
        """Select ``name`` (None: the model's own class) without emitting ``picked``."""
        idx = self.findText(name) if name is not None else self._default
        self.blockSignals(True)
        self.setCurrentIndex(idx if idx >= 0 else self._default)
        self.blockSignals(False)
