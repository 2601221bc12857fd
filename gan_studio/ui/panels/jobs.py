"""Jobs panel: the queue of fine-tunes and a live view of the selected one (progress, ETA, images/s, kimg,
loss curves, augmentation p, preview grid, log, diversity-collapse warning). It reads only run folders,
so jobs started before a restart (or from the CLI) show up the same way."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidgetItem,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ...core.jobs.diversity import collapse_warning, grid_diversity
from ...core.jobs.status_line import fraction, plain_status
from ...core.jobs.store import JobError, read_events
from ..empty_state import HintList
from ..job_runner import JobRunner
from ..loss_plot import LossPlot
from ..messages import ask, plain_labels, warn
from ..widgets import ImageView
from .contract import PanelDefaults


def _eta(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    m, s = divmod(int(seconds), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class JobsPanel(PanelDefaults, QWidget):
    name, title = "jobs", "Jobs"
    modelRegistered = Signal(str)  # noqa: N815  model id, so the window refreshes its pickers
    status = Signal(str)

    def __init__(self, runner: JobRunner | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.runner = runner or JobRunner(parent=self)
        self.current: str | None = None
        self._offset = 0
        self._previews: list[Path] = []
        self._diversity: list[float] = []
        self._registering: Any = None
        self.list = HintList("No jobs yet — New fine-tune… trains a model on your own folder of images")
        self.new_button = QPushButton("New fine-tune…")
        self.pause_button = QPushButton("Pause")
        self.resume_button = QPushButton("Resume")
        self.cancel_button = QPushButton("Cancel")
        self.delete_button = QPushButton("Delete")
        self.register_button = QPushButton("Add model to library")
        self.register_button.setToolTip("Register the latest checkpoint as a model, with SWD/FD on your images")
        buttons = QHBoxLayout()
        for b in (self.new_button, self.pause_button, self.resume_button, self.cancel_button, self.delete_button,
                  self.register_button):
            buttons.addWidget(b)
        self.progress = QProgressBar()
        self.stats = QLabel("No job selected")  # one plain sentence (core.jobs.status_line)
        self.stats.setTextFormat(Qt.TextFormat.PlainText)
        self.stats.setWordWrap(True)
        self.details = QLabel("")  # the figures a developer reads: step, kimg, img/s, augment p
        self.details.setTextFormat(Qt.TextFormat.PlainText)
        self.details.setStyleSheet("color: palette(mid)")
        self.log_button = QPushButton("Show log")
        self.log_button.setCheckable(True)
        self.log_button.setToolTip("The training process's own log (for bug reports)")
        self.warning = QLabel("")
        self.warning.setStyleSheet("color: #d93025")
        self.warning.setWordWrap(True)
        self.plot = LossPlot()
        self.preview = ImageView(160)
        self.log = QPlainTextEdit()
        self.log.setReadOnly(True)
        self.log.setMaximumBlockCount(2000)
        live = QWidget()
        lv = QVBoxLayout(live)
        lv.addWidget(self.progress)
        lv.addWidget(self.stats)
        details = QHBoxLayout()
        details.addWidget(self.details, 1)
        details.addWidget(self.log_button)
        lv.addLayout(details)
        lv.addWidget(self.warning)
        row = QSplitter(Qt.Orientation.Horizontal)
        row.addWidget(self.plot)
        row.addWidget(self.preview)
        lv.addWidget(row, 2)
        lv.addWidget(self.log, 1)
        self.log.setVisible(False)  # one click away: Show log
        self.log_button.toggled.connect(self.log.setVisible)
        self.log_button.toggled.connect(lambda on: self.log_button.setText("Hide log" if on else "Show log"))
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.list)
        split.addWidget(live)
        split.setStretchFactor(1, 3)
        lay = QVBoxLayout(self)
        lay.addLayout(buttons)
        lay.addWidget(split)
        self.new_button.clicked.connect(self.new_dialog)
        self.pause_button.clicked.connect(lambda: self._act(self.runner.pause))
        self.resume_button.clicked.connect(lambda: self._act(self.runner.resume))
        self.cancel_button.clicked.connect(lambda: self._act(self.runner.cancel))
        self.delete_button.clicked.connect(self._delete)
        self.register_button.clicked.connect(self.register_current)
        self.list.currentItemChanged.connect(lambda item, _old: self.select(item.data(Qt.ItemDataRole.UserRole)
                                                                            if item else None))
        self.runner.changed.connect(self.refresh_list)
        self.live_timer = QTimer(self)
        self.live_timer.timeout.connect(self.update_live)
        self.live_timer.start(1000)
        self.refresh_list()

    # -- list ----------------------------------------------------------------------------------------------
    def refresh_list(self) -> None:
        jobs = self.runner.store.jobs()
        self.list.blockSignals(True)
        self.list.clear()
        for job in jobs:
            st = job.status()
            item = QListWidgetItem(f"{job.name}  —  {st}")
            item.setData(Qt.ItemDataRole.UserRole, job.name)
            self.list.addItem(item)
            if job.name == self.current:
                self.list.setCurrentItem(item)
        self.list.blockSignals(False)
        if self.current is None and jobs:
            self.list.setCurrentRow(len(jobs) - 1)
        elif self.current and self.current not in {j.name for j in jobs}:
            self.select(None)
        self._update_buttons()

    def select(self, name: str | None) -> None:
        if name == self.current:
            return
        self.current, self._offset, self._previews, self._diversity = name, 0, [], []
        self.plot.clear()
        self.log.clear()
        self.warning.clear()
        self.preview.set_image(None)
        self.update_live()

    def _update_buttons(self) -> None:
        st = self._status()
        for b, ok in ((self.pause_button, st in ("running",)), (self.cancel_button, st in ("running", "queued")),
                      (self.resume_button, st in ("paused", "cancelled", "interrupted", "failed")),
                      (self.delete_button, st is not None), (self.register_button, st is not None)):
            b.setEnabled(ok)

    def _status(self) -> str | None:
        if self.current is None:
            return None
        try:
            return self.runner.store.get(self.current).status()
        except JobError:
            return None

    # -- live view -----------------------------------------------------------------------------------------
    def update_live(self) -> None:
        """Read what the run folder gained since the last tick: events, previews, log."""
        if self.current is None:
            self.stats.setText("No job selected")
            self.details.setText("")
            self.progress.setValue(0)
            return
        try:
            job = self.runner.store.get(self.current)
        except JobError:
            return
        events, self._offset = read_events(job.folder, self._offset)
        spec = job.spec
        for e in events:
            if e.get("event") == "progress":
                self.plot.add(e["kimg"], {k: e[k] for k in ("loss_g", "loss_d", "augment_p") if k in e})
        last = dict(job.last_progress() or {})
        newest = next((e for e in reversed(job.events()) if "kimg" in e), None)  # an end event is newer
        if newest is not None:
            last.update(step=newest.get("step", 0), kimg=newest["kimg"])
        st = job.status()
        elapsed = job.elapsed_s()
        frac = fraction(st, last, spec.kimg, spec.minutes, elapsed)
        self.progress.setValue(int(frac * 100))
        self.stats.setText(plain_status(st, last, frac, elapsed, job.error()))
        p = last.get("augment_p")
        eta = f" · ETA {_eta(last.get('eta_s'))}" if st == "running" else ""  # no countdown once it stopped
        self.details.setText(f"step {last.get('step', 0)} · {last.get('kimg', 0):.2f} kimg · "
                             f"{last.get('images_per_s', 0) or 0:.1f} img/s{eta} · "
                             f"augment p {'—' if p is None else f'{p:.3f}'}")
        previews = job.previews()
        if previews and previews != self._previews:
            new = [p for p in previews if p not in self._previews]
            self._previews = previews
            for path in new:
                try:
                    self._diversity.append(grid_diversity(path))
                except (OSError, ValueError):
                    continue
            self.preview.set_image(QImage(str(previews[-1])))
            self.warning.setText(collapse_warning(self._diversity) or "")
        log = job.log_tail()
        if log != self.log.toPlainText():
            self.log.setPlainText(log)
            self.log.verticalScrollBar().setValue(self.log.verticalScrollBar().maximum())
        self._update_buttons()

    # -- actions ---------------------------------------------------------------------------------------------
    def _act(self, fn: Any) -> None:
        if self.current is None:
            return
        try:
            fn(self.current)
        except JobError as exc:
            self.status.emit(f"⚠ {exc}")
        self.refresh_list()

    def _delete(self) -> None:
        if self.current is None:
            return
        if ask(self, "Delete job", f"Delete {self.current} and its checkpoints?"):
            self._act(self.runner.delete)

    def new_dialog(self) -> None:
        from ..fine_tune_dialog import FineTuneDialog
        from ..worker import shared_library

        dlg = FineTuneDialog(shared_library().cards(), self)
        plain_labels(dlg)  # its summary names the folder a user picked
        if dlg.exec():
            self.start_job(dlg.spec(), dlg.check)

    def start_job(self, spec: Any, check: Any = None) -> str | None:
        """Create (check + prepare data) and queue a job; the runner starts it when a slot is free."""
        try:
            job = self.runner.store.create(spec, check)
        except (JobError, OSError, ValueError, KeyError) as exc:
            self.status.emit(f"⚠ {exc}")
            warn(self, "Cannot start", str(exc))
            return None
        self.current = None
        self.runner.poll()
        self.select(job.name)
        self.refresh_list()
        return job.name

    def register_current(self) -> None:
        """Register the job's latest checkpoint off the GUI thread (measuring takes a while)."""
        from .jobs_register import RegisterJob

        if self.current is None or self._registering is not None:
            return
        self.status.emit(f"Adding {self.current} to your library (measuring SWD and FD on your images)…")
        self._registering = RegisterJob(self.runner.store.get(self.current), self)
        self._registering.done.connect(self._registered)
        self._registering.start()

    def _registered(self, model_id: str, error: str) -> None:
        self._registering.wait()
        self._registering = None
        if error:
            self.status.emit(f"⚠ {error}")
            return
        self.status.emit(f"{model_id} is in your library")
        self.modelRegistered.emit(model_id)

    def shutdown(self) -> None:
        self.live_timer.stop()
        self.runner.shutdown()
        if self._registering is not None:
            self._registering.wait()
