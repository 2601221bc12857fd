"""Runs jobs as separate `gan-studio train` processes (QProcess), one at a time by default, and watches
every job's run folder, so jobs started before a restart are reattached and shown the same way.

The GUI never trains: the process has its own threads (1 by default, see JobSpec.threads) and survives a
crash of the window; cancel and pause are SIGTERM (the loop checkpoints, then exits 0).
"""

from __future__ import annotations

import logging
import os

from PySide6.QtCore import QObject, QProcess, QTimer, Signal

from ..core.jobs import JobStore

log = logging.getLogger("gan_studio.ui")


class JobRunner(QObject):
    """Starts queued jobs detached (QProcess.startDetached, stdout to the run folder) and polls run folders."""

    changed = Signal()  # the list or a status changed

    def __init__(self, store: JobStore | None = None, max_running: int = 1, poll_ms: int = 1000,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store or JobStore()
        self.max_running = max_running
        self._last: dict[str, str] = {}
        self.timer = QTimer(self)
        self.timer.timeout.connect(self.poll)
        self.timer.start(poll_ms)

    def statuses(self) -> dict[str, str]:
        return dict(self._last)

    def poll(self) -> None:
        """Start the next queued job if a slot is free; report status changes."""
        job = self.store.next_queued(self.max_running)
        if job is not None:
            self.start(job.name)
        now = {j.name: j.status() for j in self.store.jobs()}
        if now != self._last:
            self._last = now
            self.changed.emit()

    def start(self, name: str) -> int:
        """Launch ``gan-studio train … --progress jsonl`` for a job; it outlives the window (it is detached,
        and its output goes to ``stdout.txt`` in the run folder, not to a pipe that would break)."""
        job = self.store.get(name)
        argv = job.train_argv()
        out = str(job.folder / "stdout.txt")
        if os.name == "posix":  # exec keeps the pid; output lands in the run folder, not a pipe that would break
            program, args = "/bin/sh", ["-c", 'exec "$@" >> "$0" 2>&1', out, *argv]
        else:
            program, args = argv[0], argv[1:]
        ok, pid = QProcess.startDetached(program, args, str(job.folder))
        if not ok:
            self.store.mark_started(job)
            self.store.mark_failed(job, f"could not start {argv[0]}")
        else:
            self.store.mark_started(job, int(pid))
            log.info("job %s started as process %s: %s", name, pid, " ".join(argv))
        self.changed.emit()
        return int(pid) if ok else 0

    # -- actions ---------------------------------------------------------------------------------------
    def pause(self, name: str) -> None:
        self.store.pause(name)
        self.poll()

    def cancel(self, name: str) -> None:
        self.store.cancel(name)
        self.poll()

    def resume(self, name: str) -> None:
        self.store.resume(name)
        self.poll()

    def delete(self, name: str) -> None:
        self.store.delete(name)
        self.poll()

    def shutdown(self) -> None:
        """On window close jobs keep training; the panel reattaches from their run folders next time."""
        self.timer.stop()
