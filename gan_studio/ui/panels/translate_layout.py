"""The translate panel's layout: its widgets and how they are wired, mixed into the panel class (which
supplies the slots it connects)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ..colour_box import ColourBox
from ..empty_state import DropZone
from ..export_size import ExportSizeBox
from ..model_picker import add_model_row, model_picker
from ..widgets import BeforeAfterView

FITS = {"model": "Model scale (fast, as trained)", "native": "Full resolution (tiled)"}
DROP_HINT = "Drop an image here to translate it"


class TranslateLayout:
    """``_build`` of the translate panel."""

    def _build(self) -> None:
        self.model_combo = model_picker("Translation model (two domains, e.g. symbol ↔ colour)",
                                        "(no translation model)")
        self.direction_combo = QComboBox()
        self.direction_combo.setToolTip("Which way to translate")
        self.fit_combo = QComboBox()
        for fit, label in FITS.items():
            self.fit_combo.addItem(label, fit)
        self.fit_combo.setToolTip("Model scale: the image is resized to what the model was trained on and back.\n"
                                  "Full resolution: runs on every pixel, in tiles for large images.")
        self.open_btn = QPushButton("Open image…")
        self.open_btn.setToolTip("Open an image to translate (or drop one onto the panel)")
        self.export_btn, self.size_box = QPushButton("Export result…"), ExportSizeBox()
        self.export_btn.setToolTip("Save the translation as PNG with its recipe (Ctrl+E)")
        self.side_check = QCheckBox("Side by side")
        self.side_check.setToolTip("Show before and after next to each other instead of split")
        self.caption = QLabel("")
        self.caption.setWordWrap(True)

        form = QFormLayout()
        add_model_row(form, self.model_combo)
        form.addRow("Direction", self.direction_combo)
        form.addRow("Work at", self.fit_combo)
        form.addRow("Export size", self.size_box)
        row = QHBoxLayout()
        row.addWidget(self.open_btn)
        row.addWidget(self.export_btn)

        batch = QGroupBox("Batch")
        self.batch_btn = QPushButton("Translate folder…")
        self.batch_btn.setToolTip("Translate every image in a folder into another folder, in the background, "
                                  "at the translation's own size (the export size is the single result's)")
        self.cancel_btn = QPushButton("Cancel")
        self.cancel_btn.setToolTip("Stop after the current image")
        self.progress = QProgressBar()
        self.progress.setTextVisible(True)
        self.batch_label = QLabel("")
        self.batch_label.setWordWrap(True)
        self.skipped_list = QListWidget()
        self.skipped_list.setToolTip("Files the batch skipped, with the reason")
        self.skipped_list.setMaximumHeight(140)
        bl = QVBoxLayout(batch)
        brow = QHBoxLayout()
        brow.addWidget(self.batch_btn, 1)
        brow.addWidget(self.cancel_btn)
        bl.addLayout(brow)
        bl.addWidget(self.progress)
        bl.addWidget(self.batch_label)
        bl.addWidget(self.skipped_list)

        side = QVBoxLayout()
        side.addLayout(form)
        side.addLayout(row)
        side.addWidget(self.side_check)
        self.colours = ColourBox()
        side.addWidget(self.colours)
        side.addWidget(self.caption)
        side.addWidget(batch)
        side.addStretch(1)
        side_w = QWidget()
        side_w.setLayout(side)
        side_w.setMaximumWidth(320)
        self.view = BeforeAfterView(192)
        self.view.setObjectName("translateView")
        self.drop_zone = DropZone(DROP_HINT)  # until an image is opened: one hint, one button
        self.stage = QStackedWidget()
        self.stage.addWidget(self.drop_zone)
        self.stage.addWidget(self.view)
        lay = QHBoxLayout(self)
        lay.addWidget(side_w)
        lay.addWidget(self.stage, 1)

        self.model_combo.currentIndexChanged.connect(self._picked)
        self.direction_combo.currentIndexChanged.connect(lambda _: self.refresh())
        self.fit_combo.currentIndexChanged.connect(lambda _: self.refresh())
        self.open_btn.clicked.connect(self.open_image_dialog)
        self.drop_zone.openClicked.connect(self.open_image_dialog)
        self.export_btn.clicked.connect(self.export_dialog)
        self.side_check.toggled.connect(self.view.set_side_by_side)
        self.colours.changed.connect(lambda _: self.refresh())
        self.batch_btn.clicked.connect(self.batch_dialog)
        self.cancel_btn.clicked.connect(self.cancel_batch)
        self._batch_idle()
        self._set_model_controls(False)

    def _set_model_controls(self, on: bool) -> None:
        for w in (self.direction_combo, self.fit_combo, self.batch_btn):
            w.setEnabled(on and (w is not self.batch_btn or self.job is None))
        self.export_btn.setEnabled(on and self._input is not None)

    def _batch_idle(self) -> None:
        self.cancel_btn.setEnabled(False)
        self.progress.setVisible(False)
        self.batch_btn.setEnabled(self.model_id is not None)
        self.skipped_list.setVisible(self.skipped_list.count() > 0)
