"""Import a community checkpoint off the GUI thread (reading and converting a 1024-px model takes seconds), and
the window's side of it: the file dialog and the message that says what came of it."""

from __future__ import annotations

import logging
import traceback
from pathlib import Path
from typing import Any

from PySide6.QtCore import QThread, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox

from .messages import esc

log = logging.getLogger("gan_studio.ui.importer")
CHECKPOINT_FILTER = "GAN checkpoints (*.pkl *.pt *.pth *.ckpt);;All files (*)"


class ImportJob(QThread):
    """Runs ``core.importers.import_checkpoint`` in its own thread; ``done(card or None, error text)``."""

    done = Signal(object, str)

    def __init__(self, path: Path, name: str | None = None, parent=None) -> None:
        super().__init__(parent)
        self.path = Path(path)
        self.name = name
        self.setObjectName("gan-studio-import")

    def run(self) -> None:
        from ..core.importers import import_checkpoint
        from ..core.library.cards import LibraryError

        try:
            card = import_checkpoint(self.path, name=self.name)
        except LibraryError as exc:  # refused or unreadable: the message is meant for the user
            self.done.emit(None, str(exc))
            return
        except Exception as exc:  # every error reaches the user, never a crash
            log.error("import of %s failed:\n%s", self.path, traceback.format_exc())
            self.done.emit(None, f"{type(exc).__name__}: {exc}")
            return
        self.done.emit(card, "")


def looks_like_png(path: Path) -> bool:
    """Dropped files are routed by content: PNG recipes open, anything else is offered to the importer."""
    from ..core.io.files import is_regular_file

    if not is_regular_file(path):  # a FIFO would block this (the GUI) thread; the importer refuses it
        return False
    try:
        with Path(path).open("rb") as fh:
            return fh.read(8) == b"\x89PNG\r\n\x1a\n"
    except OSError:
        return False


class ImportsModels:
    """Mixed into MainWindow (which supplies ``statusBar``, ``load_models``, ``model_picker``, ``_show_error``)."""

    def import_model(self, path: Path, name: str | None = None) -> None:
        """Import off the GUI thread; the result comes back as a message and the model lists refresh."""
        job = ImportJob(Path(path), name, self)
        self._import_jobs = [j for j in getattr(self, "_import_jobs", []) if j.isRunning()] + [job]
        job.done.connect(lambda card, err, p=Path(path): self._imported(p, card, err))
        self.statusBar().showMessage(f"Importing {Path(path).name}…")
        job.start()

    def import_model_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import model", "", CHECKPOINT_FILTER)
        if path:
            self.import_model(Path(path))

    def _imported(self, path: Path, card: Any, error: str) -> None:
        box = QMessageBox(self)
        if card is None:
            self._show_error(f"Import of {path.name} refused: {error}")
            box.setIcon(QMessageBox.Icon.Warning)
            box.setWindowTitle("Import refused")
            box.setText(f"<b>{esc(path.name)}</b> was not imported.<br>{esc(error)}<br>Nothing from the file was run.")
        else:
            self.load_models()
            panel = "explorer" if "explore" in card.tasks else "translate"
            self.statusBar().showMessage(f"Imported {card.name} ({card.family}) — see the {panel} panel", 8000)
            box.setIcon(QMessageBox.Icon.Information)
            box.setWindowTitle("Model imported")
            box.setText(f"<b>{esc(card.name)}</b> is in your library as <code>{esc(card.id)}</code> "
                        f"({esc(card.family)}, {card.resolution} px; tasks: {esc(', '.join(card.tasks))}).")
            if "explore" in card.tasks:
                idx = self.model_picker.findData(card.id)
                if idx >= 0:
                    self.model_picker.setCurrentIndex(idx)
        self.import_box = box
        box.open()  # not exec(): the window stays responsive
