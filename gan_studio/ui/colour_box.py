"""The "Colours" box of the sketch pad and the translate panel: the user's palette or an image's colours,
applied after the model paints (the math is core.colour's, run on the worker)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QColorDialog,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QToolButton,
    QWidget,
)

from ..core.colour import MAX_PALETTE, ColourStep, reference_stats
from .messages import warn
from .widgets import LabeledSlider

MODES = (("off", "As the model paints"), ("palette", "My palette"), ("reference", "Like an image…"))
DEFAULT_PALETTE = ("#f7c531", "#5b3a1a")  # emoji yellow and a dark brown: a smiley's two colours


class ColourBox(QGroupBox):
    """Emits ``changed`` with the new ``ColourStep`` whenever the mode, a colour or the strength changes."""

    changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Colours", parent)
        self._palette: list[str] = list(DEFAULT_PALETTE)
        self._reference: tuple[float, ...] = ()
        self._reference_name = ""
        self.mode = QComboBox()
        for key, label in MODES:
            self.mode.addItem(label, key)
        self.mode.setToolTip("Recolour the painting: to colours you pick (dark to light), or like another image")
        self.swatches = QHBoxLayout()
        self.swatches.setSpacing(2)
        self.add_btn = QToolButton()
        self.add_btn.setText("+")
        self.add_btn.setToolTip("Add a colour")
        self.remove_btn = QToolButton()
        self.remove_btn.setText("−")
        self.remove_btn.setToolTip("Remove the last colour")
        self.reference_btn = QPushButton("Pick image…")
        self.reference_btn.setToolTip("Take the colours of an image (its mean and spread of colour)")
        self.reference_label = QLabel("")
        self.reference_label.setTextFormat(Qt.TextFormat.PlainText)  # a file name, shown as it is
        self.strength = LabeledSlider(0.0, 1.0, 1.0, step=0.05)
        self.strength.setToolTip("0: the model's own colours; 1: fully recoloured")
        palette_row = QHBoxLayout()
        palette_row.addLayout(self.swatches)
        palette_row.addWidget(self.add_btn)
        palette_row.addWidget(self.remove_btn)
        palette_row.addStretch(1)
        self.palette_w = QWidget()
        self.palette_w.setLayout(palette_row)
        palette_row.setContentsMargins(0, 0, 0, 0)
        ref_row = QHBoxLayout()
        ref_row.setContentsMargins(0, 0, 0, 0)
        ref_row.addWidget(self.reference_btn)
        ref_row.addWidget(self.reference_label, 1)
        self.reference_w = QWidget()
        self.reference_w.setLayout(ref_row)
        form = QFormLayout(self)
        form.addRow(self.mode)
        form.addRow(self.palette_w)
        form.addRow(self.reference_w)
        form.addRow("Strength", self.strength)
        self.mode.currentIndexChanged.connect(self._mode_changed)
        self.add_btn.clicked.connect(self._add)
        self.remove_btn.clicked.connect(self._remove)
        self.reference_btn.clicked.connect(self.pick_reference)
        self.strength.valueChanged.connect(lambda _: self._emit())
        self._rebuild_swatches()
        self._mode_changed()

    # -- state ---------------------------------------------------------------------------------------
    def step(self) -> ColourStep:
        mode = self.mode.currentData()
        if mode == "reference" and not self._reference:
            mode = "off"  # no image picked yet
        return ColourStep(mode=mode, palette=tuple(self._palette), reference=self._reference,
                          strength=self.strength.value())

    def set_step(self, step: ColourStep) -> None:
        """Show a restored recipe's colour step (without emitting for each control)."""
        self.blockSignals(True)
        try:
            if step.palette:
                self._palette = list(step.palette)
            if step.reference:
                self._reference, self._reference_name = step.reference, "(from the recipe)"
            self.mode.setCurrentIndex(max(0, self.mode.findData(step.mode)))
            self.strength.set_value(step.strength, emit=False)
            self._rebuild_swatches()
            self._mode_changed()
        finally:
            self.blockSignals(False)
        self._emit()

    def set_palette(self, colours: list[str]) -> None:
        self._palette = list(colours)[:MAX_PALETTE] or list(DEFAULT_PALETTE)
        self._rebuild_swatches()
        self._emit()

    def set_reference(self, stats: tuple[float, ...], name: str) -> None:
        self._reference, self._reference_name = tuple(stats), name
        self.reference_label.setText(name)
        self._emit()

    # -- controls ------------------------------------------------------------------------------------
    def _mode_changed(self, _: int = 0) -> None:
        mode = self.mode.currentData()
        self.palette_w.setVisible(mode == "palette")
        self.reference_w.setVisible(mode == "reference")
        self.strength.setEnabled(mode != "off")
        self.reference_label.setText(self._reference_name or "no image yet")
        self._emit()

    def _rebuild_swatches(self) -> None:
        while self.swatches.count():
            item = self.swatches.takeAt(0)
            if item.widget():  # hidden at once: a swatch waiting for deleteLater must take no more clicks
                item.widget().hide()
                item.widget().deleteLater()
        for i, colour in enumerate(self._palette):
            btn = QToolButton()
            btn.setFixedSize(24, 24)
            btn.setStyleSheet(f"background: {colour}; border: 1px solid palette(mid)")
            btn.setToolTip(f"{colour} — click to change")
            btn.clicked.connect(lambda _=False, i=i: self._edit(i))
            self.swatches.addWidget(btn)
        self.add_btn.setEnabled(len(self._palette) < MAX_PALETTE)
        self.remove_btn.setEnabled(len(self._palette) > 1)

    def _edit(self, i: int) -> None:
        if not 0 <= i < len(self._palette):
            return  # the click of a swatch that "−" removed, still in the event queue
        colour = QColorDialog.getColor(QColor(self._palette[i]), self, "Palette colour")
        if colour.isValid() and i < len(self._palette):  # the palette may change while the dialog is open
            self._palette[i] = colour.name()
            self._rebuild_swatches()
            self._emit()

    def _add(self) -> None:
        if len(self._palette) < MAX_PALETTE:
            self._palette.append("#ffffff")
            self._rebuild_swatches()
            self._edit(len(self._palette) - 1)

    def _remove(self) -> None:
        if len(self._palette) > 1:
            self._palette.pop()
            self._rebuild_swatches()
            self._emit()

    def pick_reference(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Take the colours of", "", "Images (*.png *.jpg *.jpeg *.webp "
                                              "*.bmp *.gif *.tif *.tiff)")
        if path:
            self.load_reference(Path(path))

    def load_reference(self, path: Path) -> bool:
        from ..core.sessions.translator import read_image

        try:
            stats = reference_stats(read_image(path))
        except (OSError, ValueError) as exc:
            warn(self, "Cannot use this image", f"{path.name}: {exc}")
            return False
        self.set_reference(stats, path.name)
        return True

    def _emit(self) -> None:
        if not self.signalsBlocked():
            self.changed.emit(self.step())
