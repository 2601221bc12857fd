"""One training run, as every family's command line runs it: SIGTERM/SIGINT → graceful checkpoint, DDP launch,
the run lock, an optional Stage II graft and the export. Qt-free and argparse-free: a front end builds a
:class:`TrainRequest` and passes the family's train and export functions."""

from __future__ import annotations

import contextlib
import json
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .config import TrainConfig


class TrainingError(Exception):
    """A user error in a training request: shown as one line, nothing trained."""


@dataclass(frozen=True)
class TrainRequest:
    """A training run's config plus how to run it (resume, processes, progress, export)."""

    config: TrainConfig
    resume: bool = False
    continue_model: str | None = None  # seed the run folder from this library model's training state first
    refiner_from: str | None = None  # graft these keys of another checkpoint into the run's latest (with resume)
    graft_keys: tuple[str, ...] = ()
    nproc: int = 1
    progress: str = "none"  # jsonl | none
    device: str | None = None
    export: str | None = None  # library folder to write the finished model into
    model_id: str | None = None
    name: str | None = None
    description: str | None = None
    license: str = ""
    export_train_state: bool = False
    argv: tuple[str, ...] = field(default_factory=lambda: tuple(sys.argv))

    @property
    def command(self) -> str:
        return "gan-studio " + " ".join(self.argv[1:])


def match_base(card: Any, family: str) -> tuple[dict[str, Any], int, int]:
    """Transfer learning needs the base's architecture, resolution and channels: (arch, resolution, channels)
    from its card, or a ValueError when the base is of another family."""
    if card.family != family:
        raise ValueError(f"{card.id} is a {card.family} model; {family} training cannot start from it")
    arch = {k: v for k, v in card.architecture.items() if k not in ("resolution", "img_channels")}
    # The trained resolution: a text card's own is Stage II's output, twice its Stage I.
    resolution = int(card.architecture.get("resolution", card.resolution))
    return arch, resolution, int(card.channels)


def config_from_base(cfg: TrainConfig, card: Any) -> TrainConfig:
    """``cfg`` with the base model's architecture (the run's own --arch settings on top), resolution, channels.
    A family whose trainer would ignore the base's weights is refused: a run "from" a base that starts from
    scratch would be a silent loss."""
    from ..families import trainable

    fine_tuning = [s.name for s in trainable() if s.trainer.takes_base]
    if cfg.family not in fine_tuning:
        raise TrainingError(f"{cfg.family} training starts from scratch and cannot take --base {card.id}; "
                            f"--base works for {', '.join(fine_tuning)}")
    try:
        arch, resolution, channels = match_base(card, cfg.family)
    except ValueError as exc:
        raise TrainingError(str(exc)) from exc
    return replace(cfg, arch=arch | dict(cfg.arch), resolution=resolution, channels=channels)


def check_checkpoint(path: Path) -> None:
    """Refuse a file that is not one of our checkpoints before a trainer meets it (torch's own error advises
    weights_only=False, which would run the file's code)."""
    from .checkpoint import load_checkpoint

    try:
        state = load_checkpoint(Path(path))
    except FileNotFoundError as exc:
        raise TrainingError(f"no checkpoint {path}") from exc
    except Exception as exc:  # noqa: BLE001 - whatever torch raises on a foreign or damaged file
        raise TrainingError(f"{path} is not a GAN Studio checkpoint (only tensors and numbers load; "
                            f"{type(exc).__name__}); nothing was loaded") from exc
    if not isinstance(state, dict):
        raise TrainingError(f"{path} is not a GAN Studio checkpoint (no training state in it)")


def prepare(req: TrainRequest) -> TrainRequest:
    """Checks that need no training: the budget, --data, the continued model and a resumable checkpoint."""
    cfg = req.config
    if req.continue_model:
        from ..library.registry import Library
        from .checkpoint import seed_run_from_model

        seed_run_from_model(Library().card(req.continue_model), Path(cfg.out))
        req = replace(req, resume=True)
    if not req.resume and not cfg.data:
        raise TrainingError("--data is required unless --resume")
    if req.refiner_from and not req.resume:
        raise TrainingError("--refiner-from needs --resume")
    if not req.resume and cfg.minutes is None and cfg.kimg is None:
        raise TrainingError("give a budget: --minutes N or --kimg N")
    if req.resume:
        from .checkpoint import latest_checkpoint

        latest = latest_checkpoint(Path(cfg.out))
        if latest is not None:
            check_checkpoint(latest)
    if req.refiner_from:
        check_checkpoint(Path(req.refiner_from))
    return req


def run_training(req: TrainRequest, train_fn: Callable[..., Any], export_fn: Callable[..., Any]) -> int:
    """Train until the budget or a signal (then checkpoint), across ``nproc`` processes; export when finished."""
    from ..device import pick_device
    from .ddp import is_distributed, rank
    from .process import hold_run

    req = prepare(req)
    cfg = req.config
    stop = {"flag": False}

    def on_term(signum: int, frame: Any) -> None:
        stop["flag"] = True

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)

    def progress(event: dict[str, Any]) -> None:
        if req.progress == "jsonl" and not stop.get("no_stdout"):
            try:
                print(json.dumps(event), flush=True)
            except OSError:  # the reader (a window that closed) is gone: training goes on, the run folder has it
                stop["no_stdout"] = True

    argv = list(req.argv)
    if req.nproc > 1 and not is_distributed():
        from .ddp import launch

        with hold_run(Path(cfg.out), argv):
            code = launch(req.nproc, argv[1:])
        if code:
            raise TrainingError(f"distributed training exited with code {code}")
        return 0
    with hold_run(Path(cfg.out), argv) if not is_distributed() else contextlib.nullcontext():
        if req.refiner_from:
            _graft(req)
        result = train_fn(cfg, resume=req.resume, progress_fn=progress, abort_fn=lambda: stop["flag"],
                          device=pick_device(req.device))
    if req.export and result.finished and rank() == 0:  # one replica exports
        model_id = req.model_id or Path(cfg.out).name
        kwargs: dict[str, Any] = {"with_train_state": True} if req.export_train_state else {}
        kwargs["training"] = {"command": req.command, "data": str(cfg.data or "")}
        kwargs["license"] = req.license
        if req.description:
            kwargs["description"] = req.description
        export_fn(Path(cfg.out), Path(req.export), model_id, req.name or model_id, **kwargs)
    return 0


def _graft(req: TrainRequest) -> None:
    """``refiner_from``: the graft keys from another checkpoint, written into the run's latest one (run held)."""
    from .checkpoint import graft_checkpoint

    try:
        into = graft_checkpoint(Path(req.config.out), Path(req.refiner_from or ""), req.graft_keys)
    except (OSError, ValueError) as exc:
        raise TrainingError(str(exc)) from exc
    print(f"Stage II taken from {req.refiner_from} into {into}", file=sys.stderr)
