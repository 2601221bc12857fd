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

from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import (
    QFileDialog,
    QWidget,
)

from ...core.sessions.painting import export_painting, paint
from ..export_size import CHOSEN, request_sized
from ..qimage import gray_qimage, to_qimage
from ..sketch_canvas import CANVAS_SIDE
from ..widgets import MAX_SEED, throttle_timer
from .model_panel import ModelPanel
from .sketch_layout import SketchLayout

THROTTLE_MS = 120  # live preview while the pen moves: at most one request per this many ms
NO_MODEL = ("No sketch model in your library yet.\nTrain one with\n"
            "gan-studio train --family pix2pix --pairs sketch --data FOLDER --out runs/sketch …\n"
            "or import one; you can still draw.")


class SketchPanel(SketchLayout, ModelPanel):
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
