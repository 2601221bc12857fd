"""The sketch panel's layout: its widgets and how they are wired, mixed into the panel class (which
supplies the slots it connects)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..colour_box import ColourBox
from ..export_size import ExportSizeBox, export_row
from ..hint_tool import HintTool
from ..model_picker import add_model_row, model_picker
from ..sketch_canvas import DEFAULT_BRUSH, SketchCanvas
from ..widgets import MAX_SEED, ImageView, LabeledSlider

CHECKED_STYLE = ("QToolButton { padding: 3px 8px; }"
                 "QToolButton:checked { background: palette(highlight); color: palette(highlighted-text);"
                 " border-radius: 3px; }")


class SketchLayout:
    """``_build`` of the sketch panel."""

    def _build(self) -> None:
        self.model_combo = model_picker("Sketch model (pix2pix) that paints your drawing", "(no sketch model)")

        tools = QGroupBox("Brush")
        self.pen_btn = self._tool("✎ Pen", "Draw (B)")
        self.eraser_btn = self._tool("⌫ Eraser", "Erase to white paper (E)")
        self.pen_btn.setChecked(True)
        self.tool_group = QButtonGroup(self)
        self.hint = HintTool()
        self.hint.button.setStyleSheet(CHECKED_STYLE)
        for b in (self.pen_btn, self.eraser_btn, self.hint.button):
            self.tool_group.addButton(b)
        self.black_btn = self._tool("● Black", "Ink (X swaps)")
        self.white_btn = self._tool("○ White", "White pen for corrections (X swaps)")
        self.black_btn.setChecked(True)
        self.colour_group = QButtonGroup(self)
        self.colour_group.addButton(self.black_btn)
        self.colour_group.addButton(self.white_btn)
        self.brush = LabeledSlider(1, 40, DEFAULT_BRUSH, step=1, fmt="{:.0f} px")
        self.brush.setToolTip("Brush size on the 256 px paper ([ smaller, ] larger)")
        tl = QFormLayout(tools)
        row = QHBoxLayout()
        row.addWidget(self.pen_btn)
        row.addWidget(self.eraser_btn)
        tl.addRow("Tool", row)
        tl.addRow("Colour hint", self.hint)
        row = QHBoxLayout()
        row.addWidget(self.black_btn)
        row.addWidget(self.white_btn)
        tl.addRow("Colour", row)
        tl.addRow("Size", self.brush)

        self.undo_btn = QPushButton("↶ Undo")
        self.undo_btn.setToolTip("Undo the last stroke (Ctrl+Z)")
        self.redo_btn = QPushButton("↷ Redo")
        self.redo_btn.setToolTip("Redo (Ctrl+Shift+Z or Ctrl+Y)")
        self.clear_btn = QPushButton("Clear")
        self.clear_btn.setToolTip("Start on a blank sheet (undoable)")
        self.load_btn = QPushButton("Load image as sketch…")
        self.load_btn.setToolTip("Trace the edges of any picture into a sketch you can keep drawing on")
        edit = QHBoxLayout()
        edit.addWidget(self.undo_btn)
        edit.addWidget(self.redo_btn)
        edit.addWidget(self.clear_btn)

        self.variation_box = QGroupBox("Variation")
        self.variation_check = QCheckBox("Vary the painting")
        self.variation_check.setToolTip("Use the model's dropout with a fixed seed: each seed paints the same "
                                        "sketch differently")
        self.seed_box = QSpinBox()
        self.seed_box.setRange(0, MAX_SEED)
        self.seed_box.setKeyboardTracking(False)
        self.seed_box.setToolTip("Variation seed")
        self.dice_btn = QToolButton()
        self.dice_btn.setText("🎲")
        self.dice_btn.setToolTip("Random variation seed")
        vl = QVBoxLayout(self.variation_box)
        vl.addWidget(self.variation_check)
        row = QHBoxLayout()
        row.addWidget(QLabel("Seed"))
        row.addWidget(self.seed_box, 1)
        row.addWidget(self.dice_btn)
        vl.addLayout(row)

        self.export_btn, self.size_box = QPushButton("Export image…"), ExportSizeBox()
        self.export_btn.setToolTip("Save the painting as PNG with its recipe, and the sketch beside it (Ctrl+E)")
        self.latency = QLabel("")
        self.latency.setToolTip("Time the model took for the last painting")
        self.info = QLabel("")
        self.info.setWordWrap(True)

        form = QFormLayout()
        add_model_row(form, self.model_combo)
        side = QVBoxLayout()
        side.addLayout(form)
        side.addWidget(tools)
        side.addLayout(edit)
        side.addWidget(self.load_btn)
        side.addWidget(self.variation_box)
        self.colours = ColourBox()
        self.colours.setToolTip("The model paints in the colours it learned; pick yours here")
        side.addWidget(self.colours)
        side.addLayout(export_row(self.size_box, self.export_btn))
        side.addWidget(self.latency)
        side.addWidget(self.info)
        side.addStretch(1)
        side_w = QWidget()
        side_w.setLayout(side)
        side_w.setMaximumWidth(300)

        self.canvas = SketchCanvas()
        self.view = ImageView(192, margin=4)  # the paper's margin: both squares the same size, same top
        self.view.setObjectName("sketchOutput")
        self.view.setToolTip("The model's painting of your sketch (checkerboard = transparent)")
        pair = QHBoxLayout()
        for title, w in (("Sketch", self.canvas), ("Painting", self.view)):
            col = QVBoxLayout()
            cap = QLabel(title)
            cap.setAlignment(Qt.AlignmentFlag.AlignCenter)
            col.addWidget(cap)
            col.addWidget(w, 1)
            pair.addLayout(col, 1)
        lay = QHBoxLayout(self)
        lay.addWidget(side_w)
        lay.addLayout(pair, 1)

        for b in (self.pen_btn, self.hint.button, self.black_btn):
            b.toggled.connect(self._tool_changed)
        self.hint.colourChanged.connect(self._tool_changed)
        self.brush.valueChanged.connect(self._brush_changed)
        self.undo_btn.clicked.connect(self.canvas.undo)
        self.redo_btn.clicked.connect(self.canvas.redo)
        self.clear_btn.clicked.connect(self.canvas.clear)
        self.load_btn.clicked.connect(self.load_image_dialog)
        self.variation_check.toggled.connect(self._variation_toggled)
        self.seed_box.valueChanged.connect(lambda _: self.refresh())
        self.colours.changed.connect(lambda _: self.refresh())
        self.dice_btn.clicked.connect(self.random_seed)
        self.export_btn.clicked.connect(self.export_dialog)
        self.canvas.strokeMoved.connect(self._stroke_moved)
        self.canvas.edited.connect(self._edited)
        self.canvas.historyChanged.connect(self._history_changed)
        self.model_combo.currentIndexChanged.connect(self._picked)

        # Panel-local keys (only while focus is inside the panel, so they never clash with other panels).
        for key, slot in (("B", lambda: self.pen_btn.setChecked(True)),
                          ("E", lambda: self.eraser_btn.setChecked(True)),
                          ("H", lambda: self.hint.button.setChecked(True)),
                          ("X", self.swap_colour),
                          ("[", lambda: self.brush.set_value(max(1.0, self.brush.value() - 1))),
                          ("]", lambda: self.brush.set_value(min(40.0, self.brush.value() + 1))),
                          (QKeySequence.StandardKey.Delete, self.canvas.clear)):
            sc = QShortcut(QKeySequence(key), self)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(slot)
        self._history_changed(False, False)
        self._set_variation_available(False)
        self._set_model_controls(False)

    def _tool(self, text: str, tip: str) -> QToolButton:
        b = QToolButton()
        b.setText(text)
        b.setToolTip(tip)
        b.setCheckable(True)
        b.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        b.setStyleSheet(CHECKED_STYLE)
        return b

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt API): sketch and painting, one square size
        super().resizeEvent(event)
        side = min(self.canvas.width(), self.canvas.height(), self.view.width(), self.view.height()) - 8
        self.canvas.side_limit = self.view.side_limit = max(1, side)
