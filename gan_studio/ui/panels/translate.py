"""Translation panel: one image through a two-domain model (CycleGAN), compared before/after; whole folders
in a background batch job.

The interactive translation goes through the shared inference worker (newest request wins). A folder batch
runs in its own QThread with its own session, so the panel stays live while hundreds of files are written,
and it is cancelled between images.
"""

from __future__ import annotations

import threading
import traceback
from pathlib import Path
from typing import Any

from PySide6.QtCore import QThread, Signal
from PySide6.QtGui import QImage, QImageReader
from PySide6.QtWidgets import (
    QFileDialog,
    QMessageBox,
    QWidget,
)

from ...core.colour import apply_colours
from ..qimage import qimage_pixels
from .model_panel import ModelPanel
from .translate_export import TranslateExports
from .translate_layout import DROP_HINT, TranslateLayout

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff")
NO_MODEL = ("No translation model in your library yet.\nTrain one with\n"
            "gan-studio train --family cyclegan --data FOLDER --out runs/translate …\n"
            "(FOLDER holds trainA/ and trainB/)\nor import one.")


class BatchJob(QThread):
    """Translates a folder in its own thread with its own session; ``cancel()`` stops between images.

    It opens a private Library so its nets are not the interactive worker's (tiled runs patch norm layers
    in place, which must not race with a live preview of the same model).
    """

    progress = Signal(int, int, str)  # done, total, current file
    reported = Signal(object)  # BatchReport
    failed = Signal(str, str)  # message, traceback

    def __init__(self, model_id: str, src: Path, dst: Path, direction: str | None, fit: str,
                 parent: Any = None, colours: Any = None) -> None:
        super().__init__(parent)
        self.setObjectName("gan-studio-batch")
        self.model_id, self.src, self.dst, self.direction, self.fit = model_id, src, dst, direction, fit
        self.colours = colours
        self._abort = threading.Event()

    def cancel(self) -> None:
        self._abort.set()

    def cancelled(self) -> bool:
        return self._abort.is_set()

    def run(self) -> None:
        try:
            from ...core.library.registry import Library
            from ...core.sessions.open import open_session

            session = open_session(self.model_id, library=Library())
            report = session.translate_folder(
                self.src, self.dst, self.direction, fit=self.fit,
                progress_fn=lambda done, total, path: self.progress.emit(done, total, str(path)),
                abort_fn=self._abort.is_set, colours=self.colours)
        except Exception as exc:  # reaches the user as a message, never a crash
            self.failed.emit(f"{type(exc).__name__}: {exc}", traceback.format_exc())
            return
        self.reported.emit(report)


def is_image_file(path: str) -> bool:
    return path.lower().endswith(IMAGE_SUFFIXES)


def _droppable(event: Any) -> list[Any]:
    """Dropped local images to translate: any picture, other panels' exports too, but not our own exports."""
    from ..projection import has_recipe

    urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
    return [u for u in urls if u.isLocalFile() and is_image_file(u.toLocalFile())
            and (has_recipe(Path(u.toLocalFile())) or {}).get("kind") != "translate"]


class TranslatePanel(TranslateLayout, TranslateExports, ModelPanel):
    """Open (or drop) an image, pick a direction, compare before/after; batch a folder in the background."""
    name, title = "translate", "Translate"

    task = "translate"

    batchFinished = Signal(object)  # noqa: N815 (BatchReport, or None when the job failed)

    def __init__(self, worker: Any, parent: QWidget | None = None) -> None:
        super().__init__(worker, parent)
        self.source: Path | None = None
        self.last_task = 0
        self.job: BatchJob | None = None
        self._input: Any = None  # HWC uint8 RGBA of the opened image
        self._want_direction: str | None = None  # a restored recipe's, until the model's directions arrive
        self._note = ""  # what a restored recipe could not restore, kept until the directions arrive
        self._shown = 0
        self._build()
        self.setAcceptDrops(True)

    # -- models -------------------------------------------------------------------------------------------
    def _no_model(self) -> None:
        self._set_model_controls(False)
        self.view.set_message(NO_MODEL)
        self.drop_zone.set_hint(NO_MODEL)

    def _choose(self, model_id: str) -> None:
        self._set_model_controls(True)
        self.drop_zone.set_hint(DROP_HINT)
        self.direction_combo.blockSignals(True)
        self.direction_combo.clear()
        self.direction_combo.blockSignals(False)

    def _load(self) -> None:
        self.caption.setText("Loading the model…")
        self.worker.request("translate-info", self.model_id, lambda s: dict(s.directions), convert=False).then(
            self._fill_directions, self._translate_failed)

    def direction(self) -> str | None:
        return self.direction_combo.currentData()

    def fit(self) -> str:
        return str(self.fit_combo.currentData())

    def set_direction(self, key: str) -> None:
        idx = self.direction_combo.findData(key)
        if idx < 0:
            raise ValueError(f"{self.model_id} has no direction {key!r}")
        self.direction_combo.setCurrentIndex(idx)

    # -- input --------------------------------------------------------------------------------------------
    def open_image_dialog(self) -> None:
        filters = "Images (" + " ".join(f"*{s}" for s in IMAGE_SUFFIXES) + ")"
        path, _ = QFileDialog.getOpenFileName(self, "Open image to translate", "", filters)
        if path:
            self.open_image(Path(path))

    def open_image(self, path: Path) -> bool:
        """Show ``path`` as the 'before' and translate it; an unreadable file gives a message."""
        self._note = ""
        from ...core.io.files import is_regular_file, not_regular

        if not is_regular_file(path):  # a FIFO would block the window until something wrote to it
            msg = f"Cannot open {not_regular(path)}"
            self.caption.setText(f"⚠ {msg}")
            self.error.emit(msg)
            return False
        reader = QImageReader(str(path))
        reader.setAutoTransform(True)  # honour EXIF rotation, as the core's readers do
        image = reader.read()
        if image.isNull():
            msg = f"Cannot open {Path(path).name}: {reader.errorString()}"
            self.caption.setText(f"⚠ {msg}")
            self.error.emit(msg)
            return False
        image = image.convertToFormat(QImage.Format.Format_RGBA8888)
        self.source = Path(path)
        self._input = qimage_pixels(image)
        self.view.set_before(image)
        self.stage.setCurrentWidget(self.view)
        self.export_btn.setEnabled(self.model_id is not None)
        self.caption.setText(f"{self.source.name} · {image.width()}×{image.height()}")
        if self.model_id is None:
            self.view.set_message(NO_MODEL)
        self.refresh()
        return True

    def dragEnterEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if _droppable(event):
            event.acceptProposedAction()
        else:
            event.ignore()  # a translation exported here goes to the window, which restores its settings

    def dropEvent(self, event) -> None:  # noqa: N802 (Qt API)
        for url in _droppable(event):
            event.acceptProposedAction()
            self.open_image(Path(url.toLocalFile()))
            return

    # -- translation ------------------------------------------------------------------------------------------
    def refresh(self) -> None:
        if self._input is None or not self.model_id or self._dirty or self.direction() is None:
            return
        arr, direction, fit, colours = self._input, self.direction(), self.fit(), self.colours.step()
        handle = self.worker.request("translate", self.model_id,
                                     lambda s: apply_colours(s.run(arr, direction, fit=fit), colours))
        handle.returned.connect(lambda image, ms, i=handle.id: self._translated(i, image, ms))
        handle.errored.connect(lambda message, _tb: self._translate_failed(message))
        self.last_task = handle.id

    def shown_image(self) -> QImage | None:
        return self.view.after()

    # -- batch ------------------------------------------------------------------------------------------
    def batch_dialog(self) -> None:
        if not self.model_id:
            return
        src = QFileDialog.getExistingDirectory(self, "Folder of images to translate")
        if not src:
            return
        dst = QFileDialog.getExistingDirectory(self, "Folder for the translations")
        if not dst:
            return
        src_p, dst_p = Path(src).resolve(), Path(dst).resolve()
        if dst_p == src_p or src_p in dst_p.parents:
            QMessageBox.warning(self, "Choose another output folder",
                                "The output folder must be outside the input folder, so the originals are "
                                "never overwritten and the translations are not translated again.")
            return
        self.start_batch(src_p, dst_p)

    def start_batch(self, src: Path, dst: Path) -> BatchJob:
        """Run ``translate_folder`` in a background thread; the panel stays usable meanwhile."""
        if self.job is not None:
            raise RuntimeError("a batch is already running")
        if not self.model_id:
            raise RuntimeError("no translation model")
        job = BatchJob(self.model_id, Path(src), Path(dst), self.direction(), self.fit(), self,
                       colours=self.colours.step())
        job.progress.connect(self._batch_progress)
        job.reported.connect(self._batch_reported)
        job.failed.connect(self._batch_failed)
        job.finished.connect(self._batch_ended)
        self.job = job
        self.skipped_list.clear()
        self.skipped_list.setVisible(False)
        self.batch_btn.setEnabled(False)
        self.cancel_btn.setEnabled(True)
        self.progress.setVisible(True)
        self.progress.setRange(0, 0)  # busy until the first image is done
        self.batch_label.setText(f"Translating {src.name}/ → {dst.name}/ …")
        job.start()
        return job

    def cancel_batch(self) -> None:
        if self.job is not None:
            self.job.cancel()
            self.cancel_btn.setEnabled(False)
            self.batch_label.setText("Cancelling after the current image…")

    def _batch_progress(self, done: int, total: int, path: str) -> None:
        self.progress.setRange(0, total)
        self.progress.setValue(done)
        if self.job is not None and not self.job.cancelled():
            self.batch_label.setText(f"{done} / {total}: {Path(path).name}")

    def _batch_reported(self, report: Any) -> None:
        n = len(report.written)
        where = report.written[0].parent if report.written else None
        text = f"Wrote {n} image{'s' * (n != 1)}" + (f" to {where}" if where else "")
        if report.cancelled:
            text = f"Cancelled: {text.lower()} before stopping"
        if report.skipped:
            text += f"; skipped {len(report.skipped)}:"
        self.batch_label.setText(text)
        for path, reason in report.skipped:
            self.skipped_list.addItem(f"{Path(path).name} — {reason}")
        self.status.emit(text.rstrip(":"))
        self.batchFinished.emit(report)

    def _batch_failed(self, message: str, tb: str) -> None:
        self.batch_label.setText(f"⚠ Batch failed: {message}")
        self.error.emit(message)
        self.batchFinished.emit(None)

    def _batch_ended(self) -> None:
        job, self.job = self.job, None
        if job is not None:
            job.deleteLater()
        self._batch_idle()

    def shutdown(self) -> None:
        """Cancel a running batch and wait for its thread (the window is closing)."""
        if self.job is not None:
            self.job.cancel()
            self.job.wait()

    def restore_recipe(self, recipe: dict[str, Any], path: Path) -> bool:
        from ...core.sessions.recipes import translate_from_recipe

        self.apply_recipe(translate_from_recipe(recipe), path)
        return True

    def apply_recipe(self, rec: Any, png: Path) -> None:
        """Restore an export (a ``core.sessions.recipes.TranslateRecipe``): model, direction, fit, and the image
        translated where it still sits beside the export (the recipe keeps only its name)."""
        if self.model_combo.findData(rec.model_id) < 0:
            raise ValueError(f"This translation was made with model {rec.model_id!r}, which is not in your "
                             "library.")
        self.fit_combo.blockSignals(True)
        self.fit_combo.setCurrentIndex(max(0, self.fit_combo.findData(rec.fit)))
        self.fit_combo.blockSignals(False)
        self.colours.set_step(rec.colours)
        self._want_direction = rec.direction  # the directions arrive with the model (translate-info)
        self.set_model(rec.model_id)
        source = rec.source_beside(png)
        if source is not None:
            self.open_image(source)
        else:
            self._note = (f"Restored the settings; open {rec.source or 'the original image'} to translate it again "
                          "(it is not beside the export)")
            self.caption.setText(self._note)

    # -- results ---------------------------------------------------------------------------------------
    def _translated(self, task_id: int, image: QImage, ms: float) -> None:
        if task_id > self._shown:
            self._shown = task_id
            self.view.set_after(image)
            note = f" — {self._note}" if self._note else ""  # kept until another image is opened
            self.caption.setText(f"{self.source.name if self.source else ''} · {self.direction_combo.currentText()}"
                                 f" · {ms:.0f} ms{note}")
            self.frameTime.emit(ms)

    def _translate_failed(self, message: str) -> None:
        self.view.set_message(f"Could not translate: {message}")
        self.error.emit(message)

    def _fill_directions(self, directions: dict[str, str]) -> None:
        keep, self._want_direction = self._want_direction or self.direction(), None
        self.direction_combo.blockSignals(True)
        self.direction_combo.clear()
        for key, label in directions.items():
            self.direction_combo.addItem(label, key)
        idx = self.direction_combo.findData(keep)
        self.direction_combo.setCurrentIndex(max(0, idx))
        self.direction_combo.blockSignals(False)
        if self.direction_combo.currentData() != keep and keep is not None:
            self.caption.setText(f"⚠ {self.model_id} has no direction {keep!r}; showing {self.direction()}")
        else:
            ready = f"{self.source.name} ready" if self.source else ""  # the drop zone says what to do
            self.caption.setText(self._note or ready)
        self.refresh()
