"""The inference worker: one QThread owns all interactive torch work.

Panels post requests under a key (one key per view). A request is data: ``Call("render", req)`` names the
session method and its arguments (a composite export may still send a function). Only the newest request of
each key runs; older ones are dropped before they start (StyleGAN3's AsyncRenderer idea); an export is posted
with ``replace=False`` and queued instead. ``request`` returns a ``TaskHandle`` whose ``returned`` / ``errored``
answer that request alone, to the caller that made it (superqt's worker signals, per request); ``superseded``
says it was dropped unrun. The worker-wide ``finished`` / ``failed`` report every task too, for the log and for
tests that wait on a key; no panel routes on them.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot

from .qimage import to_qimage

log = logging.getLogger("gan_studio.ui.worker")
_ids = itertools.count(1)


@dataclass(frozen=True)
class Call:
    """A request as data: ``session.<method>(*args)`` on the worker thread. Hashable where its arguments are,
    printable, and testable without running it (a test asks what a panel requested)."""

    method: str
    args: tuple[Any, ...] = ()

    def __init__(self, method: str, *args: Any) -> None:
        object.__setattr__(self, "method", method)
        object.__setattr__(self, "args", args)

    def __call__(self, session: Any, *_others: Any) -> Any:
        return getattr(session, self.method)(*self.args)


class TaskHandle(QObject):
    """The answer to one request, on the GUI thread: exactly one of ``returned``, ``errored``, ``superseded``."""

    returned = Signal(object, float)  # result (QImage | list | object), ms
    errored = Signal(str, str)  # message, traceback
    superseded = Signal()  # a newer request of the same key replaced it before it ran

    def __init__(self, key: str, task_id: int) -> None:
        super().__init__()
        self.key = key
        self.id = task_id

    def then(self, on_result: Callable[[Any], Any], on_error: Callable[[str], Any] | None = None) -> TaskHandle:
        """Connect the usual pair (result only, message only); returns self so a call can store the handle."""
        self.returned.connect(lambda result, _ms: on_result(result))
        if on_error is not None:
            self.errored.connect(lambda message, _tb: on_error(message))
        return self

    def __repr__(self) -> str:
        return f"TaskHandle({self.key!r}, {self.id})"


@dataclass(frozen=True)
class Task:
    """``fn(session)`` runs in the worker thread on the session of ``model_id``; with ``also``, as
    ``fn(session, *sessions of also)`` (an export that renders on one model and enlarges on another)."""

    key: str
    model_id: str
    fn: Call | Callable[..., Any]
    id: int = 0
    convert: bool = True
    also: tuple[str, ...] = ()
    replace: bool = True  # False: queued behind the others of its key, never dropped (an export)


class _Engine(QObject):
    finished = Signal(str, int, object, float)
    failed = Signal(str, int, str, str)
    superseded = Signal(int)
    _wake = Signal()

    def __init__(self, session_factory: Callable[[str], Any], threads: int | None) -> None:
        super().__init__()
        self._factory = session_factory
        self._sessions: dict[str, Any] = {}
        self._pending: dict[str | tuple[str, int], Task] = {}
        self._lock = threading.Lock()
        self._threads = threads
        self._default_threads: int | None = None  # torch's own count, read on the worker thread
        self.stopping = False
        self._wake.connect(self._drain)

    def post(self, task: Task) -> None:
        slot = task.key if task.replace else (task.key, task.id)
        with self._lock:
            old = self._pending.pop(slot, None)
            self._pending[slot] = task  # newest wins: a stale task is replaced before it starts
        if old is not None:
            self.superseded.emit(old.id)
        self._wake.emit()

    def set_threads(self, n: int | None) -> None:
        """Threads for the next tasks (0: torch's default); applied on the worker thread before its next task."""
        self._threads = n
        self._wake.emit()

    @Slot()
    def _drain(self) -> None:
        while not self.stopping:
            with self._lock:
                if not self._pending:
                    return
                key = next(iter(self._pending))
                task = self._pending.pop(key)
            self._apply_threads()
            self._run(task)

    def _apply_threads(self) -> None:
        """Set the thread count asked for, just before a task: importing torch for it alone (the jobs panel
        reports while the window is being built) held the GIL through the window's construction."""
        if self._threads is None:
            return
        import torch

        if self._default_threads is None:
            self._default_threads = torch.get_num_threads()
        torch.set_num_threads(min(self._threads, self._default_threads) or self._default_threads)
        self._threads = None

    def _run(self, task: Task) -> None:
        t0 = time.perf_counter()
        try:
            result = task.fn(*(self._session(m) for m in (task.model_id, *task.also)))
            if task.convert:
                result = _convert(result)
        except Exception as exc:  # every worker error reaches the user, never a crash
            tb = traceback.format_exc()
            log.error("task %s failed:\n%s", task.key, tb)
            self.failed.emit(task.key, task.id, f"{type(exc).__name__}: {exc}", tb)
            return
        self.finished.emit(task.key, task.id, result, (time.perf_counter() - t0) * 1000)

    def _session(self, model_id: str) -> Any:
        session = self._sessions.get(model_id)
        if session is None:
            session = self._sessions[model_id] = self._factory(model_id)
        return session

    def drop_session(self, model_id: str) -> None:
        self._sessions.pop(model_id, None)


def _convert(result: Any) -> Any:
    import numpy as np

    if isinstance(result, np.ndarray) and result.ndim == 3:
        return to_qimage(result)
    if isinstance(result, list) and result and isinstance(result[0], np.ndarray):
        return [to_qimage(r) for r in result]
    return result


class InferenceWorker(QObject):
    """GUI-side handle: ``request`` from the GUI thread; answers arrive on its handle, on the GUI thread."""

    finished = Signal(str, int, object, float)  # key, task id, result (QImage | list | object), ms
    failed = Signal(str, int, str, str)  # key, task id, message, traceback

    def __init__(self, session_factory: Callable[[str], Any] | None = None, threads: int | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName("gan-studio-inference")
        self._engine = _Engine(session_factory or _default_factory, threads)
        self._engine.moveToThread(self._thread)
        self._handles: dict[int, TaskHandle] = {}
        self._engine.finished.connect(self._finished)
        self._engine.failed.connect(self._failed)
        self._engine.superseded.connect(self._superseded)
        self._thread.start()

    def request(self, key: str, model_id: str, fn: Call | Callable[..., Any], convert: bool = True,
                also: tuple[str, ...] = (), replace: bool = True) -> TaskHandle:
        """Post ``fn`` (a ``Call``, or a function of the sessions) under ``key``; its answer comes on the handle
        returned, to this caller alone. ``replace=False`` queues it instead (an export the user asked for must
        not be dropped because another followed it)."""
        task = Task(key=key, model_id=model_id, fn=fn, id=next(_ids), convert=convert, also=tuple(also),
                    replace=replace)
        handle = self._handles[task.id] = TaskHandle(key, task.id)  # registered before posting: answers
        self._engine.post(task)  # arrive queued on this (the GUI) thread, later
        return handle

    def waiting(self) -> int:
        """Requests posted and not yet answered (run, failed or superseded)."""
        return len(self._handles)

    # The handle answers first, so by the time the worker-wide signal is seen the caller has what it asked for.
    def _finished(self, key: str, task_id: int, result: Any, ms: float) -> None:
        handle = self._handles.pop(task_id, None)
        if handle is not None:
            handle.returned.emit(result, ms)
        self.finished.emit(key, task_id, result, ms)

    def _failed(self, key: str, task_id: int, message: str, tb: str) -> None:
        handle = self._handles.pop(task_id, None)
        if handle is not None:
            handle.errored.emit(message, tb)
        self.failed.emit(key, task_id, message, tb)

    def _superseded(self, task_id: int) -> None:
        handle = self._handles.pop(task_id, None)
        if handle is not None:
            handle.superseded.emit()

    def stopping(self) -> bool:
        """True once the window is closing: a long task (an export's upscale passes) may stop between steps."""
        return self._engine.stopping

    def share_cores_with_jobs(self, job_threads: int) -> None:
        """Leave the cores that training jobs use to them: with two OpenMP threads beside a 1-thread job on two
        cores, a 64 px frame went from 38 to 78 ms (p50) and 47 to 188 ms (p95); one thread avoids that."""
        import os

        cores = os.cpu_count() or 1
        self._engine.set_threads(max(1, cores - job_threads) if job_threads else 0)

    def stop(self) -> None:
        """Drop queued work, let the running task finish, and end the thread."""
        self._engine.stopping = True
        self._thread.quit()
        self._thread.wait()
        self._handles.clear()

    @property
    def thread(self) -> QThread:
        return self._thread


def _default_factory(model_id: str) -> Any:
    from ..core.sessions.open import open_session

    return open_session(model_id, library=shared_library())


_LIBRARY: Any = None


def shared_library() -> Any:
    """One Library per process, so panels and the worker share the sha256 cache and loaded models."""
    global _LIBRARY
    if _LIBRARY is None:
        from ..core.library.registry import Library

        _LIBRARY = Library()
    return _LIBRARY
