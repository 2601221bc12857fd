"""Sketch pad: draw with the mouse and a pix2pix model paints the drawing live, as you go.

The canvas is a 256 × 256 sheet of white paper (the convention of ``core.data.sketch``: dark ink on white);
the session resizes it to the model's resolution. Painting happens on the GUI thread with QPainter only;
the translation runs on the inference worker, throttled while the pen moves and sent at once when a
stroke ends.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QFileDialog,
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

from ...core.sessions.painting import export_painting, paint
from ..colour_box import ColourBox
from ..export_size import CHOSEN, ExportSizeBox, export_row, request_sized
from ..hint_tool import HintTool
from ..model_picker import add_model_row, model_picker
from ..qimage import gray_qimage, to_qimage
from ..sketch_canvas import CANVAS_SIDE, DEFAULT_BRUSH, SketchCanvas
from ..widgets import ImageView, LabeledSlider, throttle_timer
from .model_panel import ModelPanel

MAX_SEED = 2**31 - 1
THROTTLE_MS = 120  # live preview while the pen moves: at most one request per this many ms
CHECKED_STYLE = ("QToolButton { padding: 3px 8px; }"
                 "QToolButton:checked { background: palette(highlight); color: palette(highlighted-text);"
                 " border-radius: 3px; }")
NO_MODEL = ("No sketch model in your library yet.\nTrain one with\n"
            "gan-studio train --family pix2pix --pairs sketch …\nor import one; you can still draw.")


class SketchPanel(ModelPanel):
    """Sketch on the left, the model's painting on the right; a seed picks pix2pix's dropout variation."""
    name, title = "sketch", "Sketch pad"

    task = "sketch"

    def __init__(self, worker: Any, parent: QWidget | None = None) -> None:
        super().__init__(worker, parent)
        self.has_variation = False
        self.last_task = 0  # id of the newest live-preview task, so callers can wait for it
        self._shown = 0
        self._build()
        self._throttle = throttle_timer(self, THROTTLE_MS, self.refresh)

    # -- layout -------------------------------------------------------------------------------------
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

    # -- tools ---------------------------------------------------------------------------------------------
    def _tool_changed(self, _: bool = False) -> None:
        self.canvas.erasing = self.eraser_btn.isChecked()
        self.canvas.hinting, self.canvas.hint_colour = self.hint.button.isChecked(), self.hint.colour
        self.canvas.colour = QColor(0, 0, 0) if self.black_btn.isChecked() else QColor(255, 255, 255)
        self.canvas.update()

    def _brush_changed(self, value: float) -> None:
        self.canvas.brush_size = value
        self.canvas.update()

    def swap_colour(self) -> None:
        (self.white_btn if self.black_btn.isChecked() else self.black_btn).setChecked(True)

    def undo(self) -> None:
        self.canvas.undo()

    def redo(self) -> None:
        self.canvas.redo()

    def _history_changed(self, can_undo: bool, can_redo: bool) -> None:
        self.undo_btn.setEnabled(can_undo)
        self.redo_btn.setEnabled(can_redo)

    # -- models -------------------------------------------------------------------------------------------
    def _no_model(self) -> None:
        """Without a model the pad still draws and says what is missing."""
        self._set_model_controls(False)
        self.view.set_image(None)
        self.view.set_message(NO_MODEL)

    def _choose(self, model_id: str) -> None:
        self.has_variation = False
        self._set_model_controls(True)
        self._set_variation_available(False)

    def _load(self) -> None:
        self.view.set_message("Loading the model…")
        self.worker.request("sketch-info", self.model_id,
                            lambda s: {"variation": bool(s.has_variation), "resolution": int(s.resolution),
                                       "effect": s.variation_effect()}, convert=False).then(
            self._show_info, self._paint_failed)
        self.refresh()

    def _set_model_controls(self, on: bool) -> None:
        for w in (self.export_btn, self.load_btn):
            w.setEnabled(on)

    def _set_variation_available(self, on: bool) -> None:
        self.variation_box.setEnabled(on)
        self.variation_box.setToolTip("" if on else "This model paints one image per sketch (it has no dropout)")
        active = on and self.variation_check.isChecked()
        self.seed_box.setEnabled(active)
        self.dice_btn.setEnabled(active)

    def _variation_toggled(self, _: bool) -> None:
        self._set_variation_available(self.has_variation)
        self.refresh()

    def seed(self) -> int | None:
        """The dropout seed, or None for the model's single deterministic painting."""
        if self.has_variation and self.variation_check.isChecked():
            return self.seed_box.value()
        return None

    def random_seed(self) -> None:
        self.seed_box.setValue(random.randrange(MAX_SEED))

    # -- live translation -----------------------------------------------------------------------------------
    def _stroke_moved(self) -> None:
        if not self._throttle.isActive():
            self._throttle.start()

    def _edited(self) -> None:
        self._throttle.stop()
        self.refresh()

    def refresh(self) -> None:
        """Send the current drawing to the model (the worker keeps only the newest request)."""
        if not self.model_id or self._dirty:
            return
        arr, seed, colours, hints = self.canvas.pixels(), self.seed(), self.colours.step(), self.canvas.hint_pixels()
        handle = self.worker.request("sketch", self.model_id, lambda s: paint(s, arr, seed, colours, hints))
        handle.returned.connect(lambda image, ms, i=handle.id: self._painted(i, image, ms))
        handle.errored.connect(lambda message, _tb: self._paint_failed(message))
        self.last_task = handle.id

    def shown_image(self) -> QImage | None:
        return self.view.image()

    # -- load / export ---------------------------------------------------------------------------------
    def load_image_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Load image as sketch", "",
                                              "Images (*.png *.jpg *.jpeg *.webp *.bmp *.gif *.tif *.tiff)")
        if path:
            self.load_image(Path(path))

    def load_image(self, path: Path) -> int | None:
        """Trace ``path`` into a sketch on the worker (OpenCV edges); it replaces the paper when ready."""
        if not self.model_id:
            return None
        side = CANVAS_SIDE

        def trace(_session: Any) -> Any:
            from ...core.data.sketch import image_to_sketch
            from ...core.sessions.translator import read_image

            return image_to_sketch(read_image(path), side)

        self.info.setText(f"Tracing {path.name}…")
        return self.worker.request("sketch-load", self.model_id, trace, convert=False).then(
            self._traced, self._side_failed).id

    def export_dialog(self) -> None:
        if not self.model_id:
            self.status.emit("No sketch model to paint with.")
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export painting", "sketch-painting.png", "PNG image (*.png)")
        if path:
            self.export(Path(path))

    def export(self, path: Path, size: int | None | str = CHOSEN) -> int | None:
        """Write the painting (PNG + recipe, the drawing in it) at ``size`` (default: the box's, enlarged by the
        upscale model) and the sketch beside it as ``<name>-sketch.png``."""
        if not self.model_id:
            return None
        arr, seed, colours, hints = self.canvas.pixels(), self.seed(), self.colours.step(), self.canvas.hint_pixels()
        handle = request_sized(self.worker, "sketch-export", self.model_id, self.size_box,
                               lambda s, px, up: export_painting(s, arr, path, seed, colours, hints, px, up), size)
        return self.reported(handle, lambda result: self.info.setText(f"Exported {Path(result).name} and its sketch"),
                             lambda message: self.info.setText(f"⚠ {message}"))

    def restore_recipe(self, recipe: dict[str, Any], path: Path) -> bool:
        from ...core.sessions.recipes import sketch_from_recipe

        self.apply_recipe(sketch_from_recipe(recipe), path)
        return True

    def apply_recipe(self, rec: Any, png: Path) -> None:
        """Restore an export (a ``core.sessions.recipes.SketchRecipe``): model, variation seed and drawing.

        The drawing comes from the recipe; an older export without it restores from the sketch beside it."""
        if self.model_combo.findData(rec.model_id) < 0:
            raise ValueError(f"This painting was made with sketch model {rec.model_id!r}, which is not in your "
                             "library.")
        self.set_model(rec.model_id)
        self.variation_check.setChecked(rec.seed is not None)
        if rec.seed is not None:
            self.seed_box.setValue(rec.seed)
        self.colours.set_step(rec.colours)
        if rec.drawing is not None:
            self.canvas.restore(gray_qimage(rec.drawing), None if rec.hints is None else to_qimage(rec.hints))
        elif (beside := rec.sketch_beside(png)) is not None and rec.trace:
            self.load_image(beside)
        elif beside is not None and not (sheet := QImage(str(beside))).isNull():
            self.canvas.set_paper(sheet)
        else:
            self.info.setText(f"Restored the settings; the sketch {rec.sketch_file or ''} is not beside it")
            return
        self.info.setText(f"Restored {Path(png).name}")

    # -- results ---------------------------------------------------------------------------------------
    def _painted(self, task_id: int, image: QImage, ms: float) -> None:
        if task_id > self._shown:
            self._shown = task_id
            self.view.set_image(image)
            self.latency.setText(f"⏱ {ms:.0f} ms")
            self.frameTime.emit(ms)

    def _show_info(self, info: dict[str, Any]) -> None:
        self.has_variation = bool(info["variation"])
        self._set_variation_available(self.has_variation)
        if self.seed() is not None:
            self.refresh()  # the preview already sent had no seed
        self.info.setText(f"The model paints at {info['resolution']} px"
                          + (" · seeds give variations" if self.has_variation else ""))
        if self.has_variation:  # measured, so a small effect reads as the model's, not a broken control
            self.variation_check.setToolTip(
                f"Use the model's dropout with a fixed seed: on this model a seed changes a painting by about "
                f"{info['effect']:.0f} grey levels of 255 (its shapes stay; shading and colour vary)")

    def _traced(self, sketch: Any) -> None:
        self.canvas.set_paper(gray_qimage(sketch))
        self.info.setText("Image traced into a sketch (Ctrl+Z to undo)")

    def _paint_failed(self, message: str) -> None:
        self.view.set_message(f"Could not paint: {message}")
        self.error.emit(message)

    def _side_failed(self, message: str) -> None:
        self.info.setText(f"⚠ {message}")
        self.error.emit(message)
