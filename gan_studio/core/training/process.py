"""The training process's side of a job: who holds a run folder, its log file, and its last error.

``hold_run`` wraps `gan-studio train`: it records the process id (with its start time, so a reused pid is
never mistaken for the job), mirrors the log into ``log.txt`` and writes an ``error`` event when training
fails, so a panel that reattaches after a restart can tell running, stopped and failed runs apart.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..io.atomic import atomic_write_text

PROCESS_FILE = "process.json"
LOG_FILE = "log.txt"


class RunBusyError(RuntimeError):
    """Another live process is already training this run folder."""


def _start_time(pid: int) -> str | None:
    """The kernel's start time of ``pid`` (field 22 of /proc/PID/stat), or None where there is no /proc."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rfind(")") + 2:].split()
    if fields and fields[0] == "Z":
        return "zombie"
    return fields[19] if len(fields) > 19 else None


def pid_alive(pid: int, start_time: str | None = None) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    now = _start_time(pid)
    if now == "zombie":
        return False
    return start_time is None or now is None or now == start_time


def read_process(run_dir: Path) -> dict[str, Any]:
    try:
        return json.loads((Path(run_dir) / PROCESS_FILE).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {}


def running_pid(run_dir: Path) -> int | None:
    """The pid training ``run_dir`` right now, or None."""
    rec = read_process(run_dir)
    pid = rec.get("pid")
    if not pid or rec.get("ended"):
        return None
    return int(pid) if pid_alive(int(pid), rec.get("start_time")) else None


def append_event(run_dir: Path, event: dict[str, Any]) -> None:
    with open(Path(run_dir) / "progress.jsonl", "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"time": round(time.time(), 3), **event}) + "\n")


@contextlib.contextmanager
def hold_run(run_dir: Path, argv: list[str]) -> Iterator[None]:
    """Claim ``run_dir`` for this process for the duration of a training run."""
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    other = running_pid(run_dir)
    if other is not None and other != os.getpid():
        raise RunBusyError(f"{run_dir} is being trained by process {other}; cancel it first")
    pid = os.getpid()
    rec = {"pid": pid, "start_time": _start_time(pid), "started": round(time.time(), 3), "argv": argv}
    atomic_write_text(run_dir / PROCESS_FILE, json.dumps(rec) + "\n")
    handler = logging.FileHandler(run_dir / LOG_FILE, encoding="utf-8", errors="backslashreplace")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("gan_studio")
    root.addHandler(handler)
    ok = False
    try:
        yield
        ok = True
    except Exception as exc:
        append_event(run_dir, {"event": "error", "message": f"{type(exc).__name__}: {exc}"})
        root.error("training failed: %s", exc)
        raise
    finally:
        root.removeHandler(handler)
        handler.close()
        atomic_write_text(run_dir / PROCESS_FILE, json.dumps(rec | {"ended": round(time.time(), 3), "ok": ok}) + "\n")
