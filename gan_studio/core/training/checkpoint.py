"""Training checkpoints: plain tensors and numbers in a torch file (weights_only-loadable), atomic."""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any

import torch

from ..io.atomic import atomic_save

PREFIX = "ckpt-"


def save_checkpoint(run_dir: Path, step: int, state: dict[str, Any], keep: int = 2) -> Path:
    folder = Path(run_dir) / "checkpoints"
    path = folder / f"{PREFIX}{step:08d}.pt"
    try:
        atomic_save(path, lambda tmp: torch.save(state, tmp))
    except OSError as exc:
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            raise
        prev = latest_checkpoint(run_dir)
        kept = f"the previous checkpoint {prev.name} is kept" if prev else "there is no earlier checkpoint"
        raise OSError(exc.errno, f"disk full while writing checkpoint {path.name} in {folder} ({exc.strerror}); "
                                 f"{kept}. Free some space and resume") from exc
    for old in sorted(folder.glob(f"{PREFIX}*.pt"))[:-keep]:
        old.unlink(missing_ok=True)
    return path


def latest_checkpoint(run_dir: Path) -> Path | None:
    found = sorted((Path(run_dir) / "checkpoints").glob(f"{PREFIX}*.pt"))
    return found[-1] if found else None


def load_checkpoint(path: Path) -> dict[str, Any]:
    """Load safely: weights_only refuses anything but tensors and plain containers."""
    return torch.load(path, map_location="cpu", weights_only=True)


def seed_run_from_model(card, run_dir: Path) -> Path:
    """Copy a model's saved training state (role ``train-state``) and config into a new run folder."""
    import shutil

    state = card.file_for("train-state")
    config = card.file_for("train-config")
    run_dir = Path(run_dir)
    if latest_checkpoint(run_dir) is not None:
        raise FileExistsError(f"{run_dir} already holds a run: use --resume, or pick a new --out")
    st = load_checkpoint(state)
    target = run_dir / "checkpoints" / f"{PREFIX}{int(st['step']):08d}.pt"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(state, target)
    shutil.copyfile(config, run_dir / "config.json")
    return target
