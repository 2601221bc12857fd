"""Import a community checkpoint off the GUI thread (reading and converting a 1024-px model takes seconds)."""

from __future__ import annotations

import logging
import traceback
from pathlib import Path

from PySide6.QtCore import QThread, Signal

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
