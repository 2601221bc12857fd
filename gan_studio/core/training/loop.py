"""The training loop every family shares: budget, abort, progress events, previews, checkpoints, resume.

A family supplies a ``Trainer`` subclass with ``load_data``, ``train_step``, ``state``/``load_state`` and
``preview``; this module runs it (StyleGAN3's training_loop idea, without Qt). Every random draw of a
trainer comes from generators whose state goes into the checkpoint, so a resumed run continues exactly.
"""

from __future__ import annotations

import json
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import torch

from ..device import tune_allocator
from .checkpoint import latest_checkpoint, load_checkpoint, save_checkpoint
from .config import TrainConfig, with_declared_options
from .ddp import is_distributed

log = logging.getLogger("gan_studio.train")
ProgressFn = Callable[[dict[str, Any]], None]
AbortFn = Callable[[], bool]


@dataclass
class RunResult:
    run_dir: Path
    step: int
    kimg: float
    finished: bool
    aborted: bool


class Trainer:
    """Base of the family trainers: owns the loop; subclasses own nets, optimisers and data."""

    @classmethod
    def fresh_config(cls, cfg: TrainConfig) -> TrainConfig:
        """The family's defaults for a new run, written into its config.json; a resume reads them back, so a
        run keeps the architecture it started with when a later version changes the defaults."""
        return cfg

    def __init__(self, cfg: TrainConfig, device: torch.device | None = None) -> None:
        self.cfg = cfg
        self.device = device or torch.device("cpu")
        if self.device.type == "cuda":  # TF32 convs/matmuls: GAN training does not need full fp32 mantissas
            torch.backends.cuda.matmul.allow_tf32 = True
            torch.backends.cudnn.allow_tf32 = True
            torch.backends.cudnn.benchmark = True
        self.run_dir = Path(cfg.out)
        self.step = 0
        self.elapsed_s = 0.0
        self.gen = torch.Generator().manual_seed(cfg.seed)
        self.loaded = False
        self.world_size = 1  # DDP replicas (ddp.py); cfg.batch is then each replica's share

    # -- what a family provides ----------------------------------------------------------------------
    def load_data(self) -> None:
        raise NotImplementedError

    def train_step(self) -> dict[str, float]:
        raise NotImplementedError

    # The nets and optimisers a plain GAN trainer checkpoints, by attribute name; with ``net_cfg`` (saved as "arch")
    # that is the whole family state of pix2pix, SR and DCGAN. Others override the two methods below.
    STATE_PARTS: tuple[str, ...] = ()

    def family_state(self) -> dict[str, Any]:
        if not self.STATE_PARTS:
            raise NotImplementedError
        return {**{name: getattr(self, name).state_dict() for name in self.STATE_PARTS},
                "arch": json.dumps(self.net_cfg.to_dict())}

    def load_family_state(self, st: dict[str, Any]) -> None:
        if not self.STATE_PARTS:
            raise NotImplementedError
        for name in self.STATE_PARTS:
            getattr(self, name).load_state_dict(st[name])

    def preview(self) -> Path:
        raise NotImplementedError

    def write_preview(self, image: Any) -> Path:
        """Save a preview sheet (HWC uint8) as previews/step-NNNNNN.png, atomically."""
        from ..io.images import save_png

        path = self.run_dir / "previews" / f"step-{self.step:06d}.png"
        save_png(image, path)
        return path

    def extra_progress(self) -> dict[str, Any]:
        return {}

    def agree(self, flags: list[bool]) -> list[bool]:
        """Stop decisions every replica shares (DDP overrides it with an all-reduce); one process: as is."""
        return flags

    # -- state -------------------------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        return {**self.family_state(), "step": self.step, "elapsed_s": self.elapsed_s,
                "rng_cpu": torch.get_rng_state(), "rng_gen": self.gen.get_state()}

    def load_state(self, st: dict[str, Any]) -> None:
        self.load_family_state(st)
        self.step = int(st["step"])
        self.elapsed_s = float(st["elapsed_s"])
        torch.set_rng_state(st["rng_cpu"])
        self.gen.set_state(st["rng_gen"])

    @property
    def kimg(self) -> float:
        return self.step * self.cfg.batch * self.world_size / 1000.0

    def checkpoint(self) -> Path:
        return save_checkpoint(self.run_dir, self.step, self.state(), keep=self.cfg.keep_checkpoints)

    # -- the loop ------------------------------------------------------------------------------------
    def run(self, progress_fn: ProgressFn | None = None, abort_fn: AbortFn | None = None) -> RunResult:
        cfg = self.cfg
        self.run_dir.mkdir(parents=True, exist_ok=True)
        if not self.loaded:
            self.load_data()
            self.loaded = True
        budget_s = cfg.minutes * 60 if cfg.minutes else math.inf
        start = acc_from = time.monotonic()
        t_progress = t_ckpt = t_preview = start
        window_start, window_step = start, self.step
        first_step = self.step
        aborted = False
        while True:
            done_kimg = cfg.kimg is not None and self.kimg >= cfg.kimg
            done_time = time.monotonic() - start >= budget_s
            done, abort = self.agree([done_kimg or done_time, abort_fn is not None and abort_fn()])
            if done:
                break
            if abort:
                aborted = True
                break
            stats = self.train_step()
            now = time.monotonic()
            if not all(math.isfinite(v) for v in stats.values()):
                raise FloatingPointError(f"training diverged at step {self.step}: {stats}")
            if now - t_progress >= 10 or self.step == 1:
                rate = (self.step - window_step) * cfg.batch * self.world_size / max(now - window_start, 1e-6)
                window_start, window_step = now, self.step
                self._report(stats, rate, start, budget_s, progress_fn)
                t_progress = now
            if now - t_preview >= cfg.preview_every_s or self.step == first_step + 1:  # the first within seconds
                self.preview()
                t_preview = now
            if now - t_ckpt >= cfg.checkpoint_every_s:
                acc_from = self._account(acc_from)
                self.checkpoint()
                t_ckpt = time.monotonic()
        self._account(acc_from)
        self.preview()
        self.checkpoint()
        event = {"event": "aborted" if aborted else "finished", "step": self.step, "kimg": self.kimg,
                 "elapsed_s": round(self.elapsed_s, 1)}
        self._emit(event, progress_fn)
        return RunResult(self.run_dir, self.step, self.kimg, not aborted, aborted)

    def _account(self, since: float) -> float:
        now = time.monotonic()
        self.elapsed_s += now - since
        return now

    def _report(self, stats: dict[str, float], rate: float, start: float, budget_s: float,
                progress_fn: ProgressFn | None) -> None:
        eta = None
        if self.cfg.kimg is not None and rate > 0:
            eta = (self.cfg.kimg - self.kimg) * 1000 / rate
        if math.isfinite(budget_s):
            left = budget_s - (time.monotonic() - start)
            eta = left if eta is None else min(eta, left)
        event = {"event": "progress", "step": self.step, "kimg": round(self.kimg, 3),
                 "images_per_s": round(rate, 2), "eta_s": None if eta is None else round(eta, 1),
                 **self.extra_progress(), **{k: round(v, 5) for k, v in stats.items()}}
        self._emit(event, progress_fn)

    def _emit(self, event: dict[str, Any], progress_fn: ProgressFn | None) -> None:
        event = {"time": round(time.time(), 3), **event}
        with open(self.run_dir / "progress.jsonl", "a", encoding="utf-8") as fh:
            fh.write(json.dumps(event) + "\n")
        if progress_fn is not None:
            progress_fn(event)


def resumed_config(saved: TrainConfig, asked: TrainConfig) -> TrainConfig:
    """A resume keeps the run's own settings except those asked for: the budget (kimg, minutes), the family's
    options declared ``resume=True`` (the layout, refiner L1 and IMLE weights), and ``arch`` keys (only ones that
    keep the weights' shapes load; a shape change fails clearly)."""
    from ..families import trainer

    changed = {o.dest: asked.options[o.dest] for o in trainer(saved.family).options
               if o.resume and asked.options.get(o.dest) is not None}
    return replace(saved, out=asked.out,
                   kimg=asked.kimg if asked.kimg is not None else saved.kimg,
                   minutes=asked.minutes if asked.minutes is not None else saved.minutes,
                   options={**saved.options, **changed},
                   arch={**saved.arch, **asked.arch},
                   threads=asked.threads or saved.threads)


def train_run(trainer_cls: type[Trainer], cfg: TrainConfig, resume: bool = False,
              progress_fn: ProgressFn | None = None, abort_fn: AbortFn | None = None,
              device: torch.device | None = None) -> RunResult:
    """Train (or resume exactly) a run in ``cfg.out`` with the given family trainer."""
    tune_allocator()
    run_dir = Path(cfg.out)
    run_dir.mkdir(parents=True, exist_ok=True)
    clean_stale_temps(run_dir)
    ckpt, state = None, None
    if resume and not any((run_dir / "checkpoints").glob("ckpt-*.pt")) and (run_dir / "config.json").is_file():
        # Stopped before its first checkpoint: the exact resume is the run again from step 0, as it was set up.
        log.info("%s has no checkpoint yet: starting it again from step 0 with its saved settings", run_dir)
    elif resume:
        ckpt, state = newest_loadable_checkpoint(run_dir)
    if resume:
        cfg = resumed_config(TrainConfig.load(run_dir), cfg)
    else:
        cfg = with_declared_options(trainer_cls.fresh_config(cfg))
    if cfg.threads:  # after the saved config is read: a resume uses the run's own thread count (bit-exact)
        torch.set_num_threads(cfg.threads)
    if is_distributed():
        from .ddp import run_replica

        return run_replica(trainer_cls, cfg, ckpt, progress_fn, abort_fn, device)
    cfg.save(run_dir)
    trainer = trainer_cls(cfg, device)
    if ckpt is not None:
        trainer.load_state(state)
        log.info("resumed from %s at step %d", ckpt, trainer.step)
    return trainer.run(progress_fn, abort_fn)


def clean_stale_temps(run_dir: Path) -> list[Path]:
    """Remove the temp files a kill during a checkpoint write leaves (``.ckpt-*.tmp``); nothing else."""
    removed = []
    for tmp in (Path(run_dir) / "checkpoints").glob(".ckpt-*.tmp"):
        tmp.unlink(missing_ok=True)
        removed.append(tmp)
    if removed:
        log.info("removed %d stale checkpoint temp file(s) in %s", len(removed), run_dir)
    return removed


def newest_loadable_checkpoint(run_dir: Path) -> tuple[Path, dict[str, Any]]:
    """The newest kept checkpoint that loads, and its state: a damaged newest one falls back to the one before
    (said in the log); none loading is a clear error, never a traceback."""
    import pickle
    import struct
    import zipfile

    found = sorted((Path(run_dir) / "checkpoints").glob("ckpt-*.pt"), reverse=True)
    if not found:
        raise FileNotFoundError(f"nothing to resume in {run_dir}: no checkpoint")
    problems = []
    for path in found:
        try:
            state = load_checkpoint(path)
        except (RuntimeError, EOFError, OSError, ValueError, struct.error, pickle.UnpicklingError,
                zipfile.BadZipFile) as exc:
            problems.append(f"{path.name}: {str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__}")
            log.warning("checkpoint %s is damaged (%s); trying the previous one", path, exc)
            continue
        if not isinstance(state, dict) or "step" not in state:
            problems.append(f"{path.name}: not a training checkpoint")
            continue
        if problems:
            log.warning("resuming from %s: newer checkpoint(s) were damaged: %s", path.name, "; ".join(problems))
        return path, state
    raise ValueError(f"cannot resume {run_dir}: no checkpoint loads ({'; '.join(problems)})")


def export_generator(run_dir: Path, folder: Path, model_id: str, name: str, family: str, tasks: list[str],
                     build: Callable[[dict[str, Any]], Any], card_fields: dict[str, Any]) -> Any:
    """A one-generator family's export: ``build(checkpoint)`` returns (generator to store, its architecture
    dict); the card records the run's training."""
    from ..library.cards import ModelCard
    from ..library.weights import write_model

    card_fields.pop("with_train_state", None)
    st, _, training = finished_run(run_dir, card_fields)
    G, arch = build(st)
    card = ModelCard(id=model_id, name=name, family=family, tasks=tasks, resolution=arch["resolution"],
                     channels=arch["img_channels"], architecture=arch, files=[], training=training, **card_fields)
    return write_model(Path(folder), card, {"generator": G})


def finished_run(run_dir: Path, card_fields: dict[str, Any]) -> tuple[dict[str, Any], TrainConfig, dict[str, Any]]:
    """What every family's export needs: the latest checkpoint, the run's config, and the card's training
    record (config, step, kimg, minutes, plus ``card_fields['training']``, which is popped)."""
    from dataclasses import asdict

    ckpt = latest_checkpoint(run_dir)
    if ckpt is None:
        raise FileNotFoundError(f"no checkpoint in {run_dir}")
    st = load_checkpoint(ckpt)
    cfg = TrainConfig.load(run_dir)
    training = {"config": asdict(cfg), "step": int(st["step"]), "kimg": int(st["step"]) * cfg.batch / 1000,
                "wall_minutes": round(float(st["elapsed_s"]) / 60, 1)}
    training.update(card_fields.pop("training", {}))
    return st, cfg, training
