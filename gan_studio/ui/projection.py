"""Use my image: read or drop an image, project it into a model's latent space on the inference worker,
with a progress bar and a Cancel button.

Projection takes seconds, so it runs on the worker thread like any render. The session's ``progress_fn``
is called on that thread; it emits a signal of an :class:`ImageProjector` living on the GUI thread (a queued
connection), and ``abort_fn`` reads a ``threading.Event`` that Cancel sets. The GUI never waits.
"""

from __future__ import annotations

import itertools
import threading
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QImage, QImageReader
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

from .qimage import qimage_pixels

PROJECTION_STEPS = 200  # optimisation steps; a panel's ``projector.steps`` overrides it (tests use a few)
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff")
IMAGE_FILTER = "Images (" + " ".join(f"*{s}" for s in IMAGE_SUFFIXES) + ")"

# (session, image HWC uint8, steps, progress_fn, abort_fn) -> (Source, ProjectionResult); runs on the worker
ProjectFn = Callable[[Any, Any, int, Callable[[int, int, float], None], Callable[[], bool]], tuple[Any, Any]]

_live: weakref.WeakSet[ImageProjector] = weakref.WeakSet()
_labels = itertools.count(1)
_tokens = itertools.count(1)


def cancel_projections() -> None:
    """Ask every running projection to stop (the window is closing: the worker must not keep optimising)."""
    for projector in list(_live):
        projector.cancel()


def read_image(path: Path) -> tuple[Any, str]:
    """``path`` → (HWC uint8 RGBA pixels, "") or (None, a message saying why it cannot be read)."""
    from ..core.io.files import is_regular_file, not_regular

    if not is_regular_file(path):  # a FIFO would block the window until something wrote to it
        return None, f"Cannot open {not_regular(path)}"
    reader = QImageReader(str(path))
    reader.setAutoTransform(True)  # honour EXIF rotation, as the core's readers do
    image = reader.read()
    if image.isNull():
        return None, f"Cannot open {Path(path).name}: {reader.errorString()}"
    return qimage_pixels(image.convertToFormat(QImage.Format.Format_RGBA8888)), ""


def ask_image(parent: QWidget, title: str = "Use my image") -> Path | None:
    path, _ = QFileDialog.getOpenFileName(parent, title, "", IMAGE_FILTER)
    return Path(path) if path else None


def has_recipe(path: Path) -> dict[str, Any] | None:
    """The GAN Studio recipe stored in ``path``, or None (plain images are for projection)."""
    if not str(path).lower().endswith(".png"):
        return None
    from ..core.io.recipe import RecipeError, read_recipe

    try:
        return read_recipe(path)
    except RecipeError:
        return None


def dropped_image(event: Any, allow_recipes: bool = False) -> Path | None:
    """The first local image file of a drag/drop event. PNGs carrying a recipe are left to the window (it
    restores them) unless ``allow_recipes``: a panel ignores the event and Qt passes it to the parent."""
    mime = event.mimeData()
    for url in mime.urls() if mime.hasUrls() else []:
        if url.isLocalFile() and url.toLocalFile().lower().endswith(IMAGE_SUFFIXES):
            path = Path(url.toLocalFile())
            if allow_recipes or has_recipe(path) is None:
                return path
    return None


class ImageProjector(QObject):
    """Runs one projection at a time on the worker under ``key``; a new one cancels the one before."""

    progress = Signal(int, int, float)  # step, steps, loss
    projected = Signal(object, dict)  # Source, {"psnr", "feature_distance", "steps", "name"}
    failed = Signal(str)
    cancelled = Signal()
    busyChanged = Signal(bool)  # noqa: N815 (Qt naming)
    _step = Signal(int, int, int, float)  # token, step, steps, loss: emitted on the worker thread

    def __init__(self, worker: Any, key: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.key = key
        self.steps = PROJECTION_STEPS
        self.task_id = 0
        self.name = ""
        self._token = 0
        self._abort: threading.Event | None = None
        self._step.connect(self._on_step, Qt.ConnectionType.QueuedConnection)
        _live.add(self)

    def busy(self) -> bool:
        return self._abort is not None

    def start(self, model_id: str, image: Any, fn: ProjectFn, name: str = "") -> int:
        """Project ``image`` with ``fn`` on the session of ``model_id``; results come back as signals."""
        if self._abort is not None:
            self._abort.set()  # the older projection stops at its next step; its result is ignored
        abort = self._abort = threading.Event()
        steps, emit = int(self.steps), self._step.emit
        token = self._token = next(_tokens)

        def run(session: Any) -> dict[str, Any]:
            src, res = fn(session, image, steps, lambda i, n, loss: emit(token, i, n, loss), abort.is_set)
            return {"source": src, "psnr": float(res.psnr), "steps": int(res.steps),
                    "feature_distance": res.feature_distance}

        self.name = name
        handle = self.worker.request(self.key, model_id, run, convert=False)
        handle.returned.connect(lambda result, ms, i=handle.id: self._on_result(i, result, ms))
        handle.errored.connect(lambda message, _tb, i=handle.id: self._on_error(i, message))
        self.task_id = handle.id
        self.busyChanged.emit(True)
        self.progress.emit(0, steps, float("nan"))
        return self.task_id

    def cancel(self) -> None:
        if self._abort is not None:
            self._abort.set()

    def _on_step(self, token: int, step: int, steps: int, loss: float) -> None:
        if token == self._token and self._abort is not None:
            self.progress.emit(step, steps, loss)

    def _finish(self) -> None:
        self._abort = None
        self.busyChanged.emit(False)

    def _on_result(self, task_id: int, result: Any, ms: float) -> None:
        if task_id != self.task_id:  # an older projection, replaced by a newer one
            return
        cancelled = self._abort is not None and self._abort.is_set()
        self._finish()
        if cancelled:  # cancelled after the last step: keep what the user asked for
            self.cancelled.emit()
            return
        from dataclasses import replace

        n = next(_labels)
        src = replace(result.pop("source"), label="my image" if n == 1 else f"my image {n}")
        self.projected.emit(src, {**result, "name": self.name, "ms": ms})

    def _on_error(self, task_id: int, message: str) -> None:
        if task_id != self.task_id:
            return
        self._finish()
        if message.startswith("ProjectionAborted"):
            self.cancelled.emit()
        else:
            self.failed.emit(message)


class ProjectionBar(QWidget):
    """Progress of a projection and its Cancel button; says how it ended. Hidden parts while idle."""

    def __init__(self, projector: ImageProjector, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.projector = projector
        self.bar = QProgressBar()
        self.bar.setTextVisible(True)
        self.cancel_btn = QPushButton("Cancel")
        self.cancel_btn.setToolTip("Stop fitting the image (Esc)")
        self.label = QLabel("")
        self.label.setWordWrap(True)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.bar, 1)
        row.addWidget(self.cancel_btn)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addLayout(row)
        lay.addWidget(self.label)
        self.cancel_btn.clicked.connect(projector.cancel)
        self.cancel_btn.setShortcut("Esc")
        projector.busyChanged.connect(self._busy)
        projector.progress.connect(self._progress)
        projector.projected.connect(self._projected)
        projector.failed.connect(lambda msg: self.label.setText(f"⚠ Could not fit the image: {msg}"))
        projector.cancelled.connect(lambda: self.label.setText("Cancelled: the face was not changed."))
        self._busy(False)
        self.label.setVisible(False)

    def _busy(self, on: bool) -> None:
        self.bar.setVisible(on)
        self.cancel_btn.setVisible(on)
        self.cancel_btn.setEnabled(on)
        self.label.setVisible(True)
        if on:
            self.label.setText(f"Fitting {self.projector.name or 'your image'} to the model…")

    def _progress(self, step: int, steps: int, loss: float) -> None:
        self.bar.setRange(0, steps)
        self.bar.setValue(step)
        self.bar.setFormat("%v / %m")
        if loss == loss:  # not NaN: a step has run
            self.label.setText(f"Fitting {self.projector.name or 'your image'} to the model… loss {loss:.3f}")

    def _projected(self, src: Any, info: dict) -> None:
        self.label.setText(f"{info.get('name') or 'Image'} fitted as “{src.describe()}”: "
                           f"PSNR {info['psnr']:.1f} dB in {info['ms'] / 1000:.1f} s")
