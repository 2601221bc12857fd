"""The explorer's class picker: a "Class" combo for class-conditional models (a CGAN DCGAN's card lists its
classes, the session's ``facts()`` hand them over); hidden for every other model."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QWidget


class ClassPicker(QWidget):
    """Says which class the user picked; shows the class a state draws without saying so back."""

    picked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.combo = QComboBox()
        self.combo.setToolTip("The class this class-conditional model draws; seeds keep their look across classes")
        self.label = QLabel("Class")
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.label)
        row.addWidget(self.combo, 1)
        self._default = 0
        self.combo.currentIndexChanged.connect(lambda i: self.picked.emit(self.combo.itemText(i)) if i >= 0 else None)
        self.set_classes([])

    @property
    def classes(self) -> list[str]:
        return [self.combo.itemText(i) for i in range(self.combo.count())]

    def set_classes(self, classes: list[str], current: int | None = None) -> None:
        """The model's classes (none: hidden) and the one it draws when a state names none."""
        self.combo.blockSignals(True)
        self.combo.clear()
        self.combo.addItems([str(c) for c in classes])
        self.combo.blockSignals(False)
        self._default = current if current is not None and 0 <= current < len(classes) else 0
        self.setVisible(bool(classes))
        self.show_class(None)

    def show_class(self, name: str | None) -> None:
        """Select ``name`` (None: the model's own class) without emitting ``picked``."""
        idx = self.combo.findText(name) if name is not None else self._default
        self.combo.blockSignals(True)
        self.combo.setCurrentIndex(idx if idx >= 0 else self._default)
        self.combo.blockSignals(False)
