"""Registering a job's model runs on its own thread: exporting and measuring SWD/FD takes seconds."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QThread, Signal


class RegisterJob(QThread):
    done = Signal(str, str)  # model id, error text

    def __init__(self, job: Any, parent: Any = None, checkpoint: Any = None) -> None:
        super().__init__(parent)
        self.job, self.checkpoint = job, checkpoint

    def run(self) -> None:
        from ...core.jobs.results import register_result
        from ...core.library.cards import LibraryError

        try:
            card = register_result(self.job, checkpoint=self.checkpoint)
        except (LibraryError, OSError, ValueError, RuntimeError, KeyError) as exc:
            self.done.emit("", f"could not register {self.job.name}: {exc}")
            return
        self.done.emit(card.id, "")
