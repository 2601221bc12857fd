"""Job folders: create, discover, derive state, queue, pause/resume/cancel, delete.

State is never kept in memory only: ``job.json`` holds what the user asked for (``requested``), the
training process records itself in ``process.json`` and its events in ``progress.jsonl``; ``Job.status``
derives the state from those, so the panel and the CLI agree and a restarted window reattaches.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..data.check import DatasetCheck, Prep, check_folder, display_path, write_prepared
from ..io.atomic import atomic_write_text
from ..library.registry import home_dir
from ..training.process import LOG_FILE, pid_alive, read_process, running_pid
from .spec import JobSpec, check_options, gan_studio_command, slug, with_defaults

JOB_FILE = "job.json"
STATES = ("queued", "running", "stopping", "paused", "cancelled", "finished", "failed", "interrupted")
ACTIVE = ("running", "stopping")


class JobError(RuntimeError):
    """A job operation that cannot be done; the message is for the user."""


def read_events(run_dir: Path, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """Events appended to ``progress.jsonl`` since byte ``offset`` (a torn last line waits for its end)."""
    path = Path(run_dir) / "progress.jsonl"
    try:
        with open(path, "rb") as fh:
            fh.seek(offset)
            data = fh.read()
    except OSError:
        return [], offset
    end = data.rfind(b"\n") + 1
    events = []
    for line in data[:end].splitlines():
        try:
            events.append(json.loads(line))
        except (json.JSONDecodeError, UnicodeDecodeError):
            continue  # a line torn by SIGKILL mid-write
    return events, offset + end


@dataclass
class Job:
    """One run folder with its ``job.json``."""

    folder: Path
    record: dict[str, Any]

    @property
    def name(self) -> str:
        return self.folder.name

    @property
    def spec(self) -> JobSpec:
        return JobSpec.from_json(self.record["spec"])

    @property
    def requested(self) -> str:
        return self.record.get("requested", "queued")

    def save(self) -> None:
        atomic_write_text(self.folder / JOB_FILE, json.dumps(self.record, indent=2) + "\n")

    def pid(self) -> int | None:
        """The live training process: the one recorded in process.json, or the one just launched that has
        not written it yet (importing torch takes seconds)."""
        pid = running_pid(self.folder)
        if pid is not None:
            return pid
        launched = self.record.get("launch_pid")
        if launched and self.requested in ("run", "pause", "cancel") and pid_alive(int(launched)):
            started = float(read_process(self.folder).get("started", 0))
            if started < float(self.record.get("launched", 0)):
                return int(launched)
        return None

    def events(self) -> list[dict[str, Any]]:
        return read_events(self.folder)[0]

    def last_progress(self) -> dict[str, Any] | None:
        return next((e for e in reversed(self.events()) if e.get("event") == "progress"), None)

    def has_checkpoint(self) -> bool:
        return any((self.folder / "checkpoints").glob("ckpt-*.pt"))

    def checkpoints(self) -> list[Path]:
        return sorted((self.folder / "checkpoints").glob("ckpt-*.pt"))

    def previews(self) -> list[Path]:
        return sorted((self.folder / "previews").glob("step-*.png"))

    def log_tail(self, max_bytes: int = 20000) -> str:
        try:
            with open(self.folder / LOG_FILE, "rb") as fh:
                fh.seek(max(0, fh.seek(0, os.SEEK_END) - max_bytes))
                return fh.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def status(self) -> str:
        """Derived from what was asked, whether the process lives, and how the last run ended."""
        if self.pid() is not None:
            return "stopping" if self.requested in ("pause", "cancel") else "running"
        last = next((e for e in reversed(self.events()) if e.get("event") in ("finished", "aborted", "error")), None)
        started = float(read_process(self.folder).get("started", 0))
        if last is not None and float(last.get("time", 0)) < started:
            last = None  # that event ended an earlier run; the newest one died without a word
        if self.requested == "queued":
            return "queued"
        if self.requested == "cancel":
            return "cancelled"
        if self.requested == "pause":
            return "paused"
        if last is None:
            return "interrupted"  # killed or crashed mid-run: resumable from its last checkpoint
        return {"finished": "finished", "error": "failed", "aborted": "paused"}[last["event"]]

    def error(self) -> str | None:
        last = next((e for e in reversed(self.events()) if e.get("event") == "error"), None)
        return None if last is None else str(last.get("message"))

    def summary(self) -> dict[str, Any]:
        p = self.last_progress() or {}
        return {"name": self.name, "status": self.status(), "family": self.spec.family, "base": self.spec.base,
                "data": self.spec.data, "step": p.get("step", 0), "kimg": p.get("kimg", 0.0),
                "images_per_s": p.get("images_per_s"), "eta_s": p.get("eta_s"), "augment_p": p.get("augment_p"),
                "model_id": self.record.get("model_id"), "error": self.error(), "folder": str(self.folder),
                "created": self.record.get("created")}

    def elapsed_s(self) -> float:
        """Training seconds so far (from the last event that knows, else the checkpoint)."""
        for e in reversed(self.events()):
            if "elapsed_s" in e:
                return float(e["elapsed_s"])
        ckpts = self.checkpoints()
        if ckpts:
            from ..training.checkpoint import load_checkpoint

            return float(load_checkpoint(ckpts[-1])["elapsed_s"])
        return 0.0

    def train_argv(self) -> list[str]:
        """The `gan-studio train` command that starts or resumes this job (progress as JSON lines)."""
        from .. import families

        s = self.spec
        family = families.trainer(s.family)
        data = self.record.get("train_data", s.data)
        argv = [*gan_studio_command(), "train", "--family", s.family, "--out", str(self.folder),
                "--progress", "jsonl"]
        if s.threads:
            argv += ["--threads", str(s.threads)]
        if s.nproc > 1:
            argv += ["--nproc", str(s.nproc)]
        if self.has_checkpoint():
            argv.append("--resume")
            if s.kimg is not None:
                argv += ["--kimg", str(s.kimg)]
            elif s.minutes is not None:
                left = max(0.05, s.minutes - self.elapsed_s() / 60)
                argv += ["--minutes", f"{left:.3f}"]
            return argv
        argv += ["--data", str(data), "--resolution", str(s.resolution), "--channels", str(s.channels),
                 "--batch", str(s.batch), "--augment", s.augment, "--augment-p", str(s.augment_p),
                 "--r1-gamma", str(s.r1_gamma), "--seed", str(s.seed), "--arch", json.dumps(s.arch),
                 "--preview-every", str(s.preview_every_s), "--checkpoint-every", str(s.checkpoint_every_s),
                 *family.train_args, *family.option_args(s.options)]
        if s.freeze_d:
            argv += ["--freeze-d", str(s.freeze_d)]
        if s.base:
            argv += ["--base", s.base]
        argv += ["--kimg", str(s.kimg)] if s.kimg is not None else ["--minutes", str(s.minutes)]
        return argv


def _match_base(spec: JobSpec) -> JobSpec:
    """Transfer learning needs the base's architecture, resolution and channels."""
    from dataclasses import replace

    from ..library.registry import Library
    from ..training.runner import match_base

    try:
        arch, resolution, channels = match_base(Library().card(spec.base or ""), spec.family)
    except ValueError as exc:
        raise JobError(str(exc)) from exc
    return replace(spec, arch=arch, resolution=resolution, channels=channels)


class JobStore:
    """All jobs under ``<home>/jobs`` (``GAN_STUDIO_HOME`` moves it, as for the library)."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root is not None else home_dir() / "jobs"

    def jobs(self) -> list[Job]:
        if not self.root.is_dir():
            return []
        out = []
        for folder in sorted(self.root.iterdir()):
            try:
                record = json.loads((folder / JOB_FILE).read_text(encoding="utf-8"))
                out.append(Job(folder, record))
            except (OSError, json.JSONDecodeError, UnicodeDecodeError):
                continue  # not a job folder (or a half-created one)
        return sorted(out, key=lambda j: (j.record.get("created", 0), j.name))

    def get(self, name: str) -> Job:
        folder = self.root / name
        try:
            return Job(folder, json.loads((folder / JOB_FILE).read_text(encoding="utf-8")))
        except (OSError, json.JSONDecodeError) as exc:
            known = ", ".join(j.name for j in self.jobs()) or "none"
            raise JobError(f"no job {name!r}; jobs: {known}") from exc

    def unique_name(self, wanted: str) -> str:
        base = slug(wanted)
        name, n = base, 2
        while (self.root / name).exists():
            name, n = f"{base}-{n}", n + 1
        return name

    def create(self, spec: JobSpec, check: DatasetCheck | None = None) -> Job:
        """Check the data, write the processed copy (single-folder families) and queue the job."""
        from .. import families

        family = families.trainer(spec.family)
        name = self.unique_name(spec.name)
        if spec.base:
            spec = _match_base(spec)
        try:
            check_options(spec)
        except ValueError as exc:
            raise JobError(str(exc)) from exc
        prep = Prep(spec.resolution, spec.channels, spec.fit, spec.alpha, tuple(spec.background))
        single = family.data == "folder"
        if check is None or check.prep != prep or (single and check.images is None):
            check = check_folder(Path(spec.data), prep, load=single)
        if not check.usable:
            raise JobError(f"no usable images in {display_path(Path(spec.data))} ({len(check.skipped)} skipped)")
        spec = with_defaults(spec, len(check.usable))
        folder = self.root / name
        folder.mkdir(parents=True)
        train_data = spec.data
        if single:
            write_prepared(check, folder / "data")
            if family.classes_option and spec.options.get(family.classes_option):
                from ..data.classes import write_prepared_labels

                write_prepared_labels(check, folder / "data")
            train_data = str(folder / "data")
        record = {"spec": spec.to_json() | {"name": name}, "requested": "queued", "created": time.time(),
                  "train_data": train_data, "model_id": None,
                  "data_check": {k: v for k, v in check.to_json().items() if k != "notes"}}
        job = Job(folder, record)
        job.save()
        return job

    # -- queue -----------------------------------------------------------------------------------------
    def running(self) -> list[Job]:
        return [j for j in self.jobs() if j.status() in ACTIVE]

    def next_queued(self, max_running: int = 1) -> Job | None:
        """The oldest queued job, if a slot is free."""
        if len(self.running()) >= max_running:
            return None
        return next((j for j in self.jobs() if j.status() == "queued"), None)

    def mark_started(self, job: Job, pid: int | None = None) -> None:
        job.record["requested"] = "run"
        job.record["launch_pid"], job.record["launched"] = pid, time.time()
        job.record["attempts"] = int(job.record.get("attempts", 0)) + 1
        job.save()

    def mark_failed(self, job: Job, message: str) -> None:
        """Record a failure the process could not write itself (bad arguments, a crash before training)."""
        from ..training.process import append_event

        append_event(job.folder, {"event": "error", "message": message})

    def _stop(self, job: Job, requested: str) -> int | None:
        job.record["requested"] = requested
        job.save()
        pid = job.pid()
        if pid is not None:
            os.kill(pid, signal.SIGTERM)  # the loop finishes its step, checkpoints, exits 0
        return pid

    def pause(self, name: str) -> int | None:
        job = self.get(name)
        if job.status() not in ACTIVE:
            raise JobError(f"{name} is {job.status()}, not running")
        return self._stop(job, "pause")

    def cancel(self, name: str) -> int | None:
        job = self.get(name)
        if job.status() in ("finished", "cancelled"):
            raise JobError(f"{name} is already {job.status()}")
        return self._stop(job, "cancel")

    def resume(self, name: str) -> Job:
        """Queue a stopped job again; it continues from its last checkpoint."""
        job = self.get(name)
        st = job.status()
        if st in ACTIVE or st == "queued":
            raise JobError(f"{name} is already {st}")
        if st == "finished" and job.spec.kimg is None and job.elapsed_s() / 60 >= (job.spec.minutes or 0) - 0.01:
            raise JobError(f"{name} has finished its budget; start a new fine-tune to train longer")
        job.record["requested"] = "queued"
        job.save()
        return job

    def delete(self, name: str, wait_s: float = 30.0) -> None:
        job = self.get(name)
        pid = job.pid()
        if pid is not None:
            self._stop(job, "cancel")
            deadline = time.monotonic() + wait_s
            while job.pid() is not None and time.monotonic() < deadline:
                time.sleep(0.1)
            if job.pid() is not None:
                os.kill(pid, signal.SIGKILL)
        shutil.rmtree(job.folder)
