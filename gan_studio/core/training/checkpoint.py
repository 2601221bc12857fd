"""Training checkpoints: plain tensors and numbers in a torch file (weights_only-loadable), atomic."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from ..io.atomic import atomic_save

PREFIX = "ckpt-"


def save_checkpoint(run_dir: Path, step: int, state: dict[str, Any], keep: int = 2) -> Path:
    folder = Path(run_dir) / "checkpoints"
    path = folder / f"{PREFIX}{step:08d}.pt"
    atomic_save(path, lambda tmp: torch.save(state, tmp))
    for old in sorted(folder.glob(f"{PREFIX}*.pt"))[:-keep]:
        old.unlink(missing_ok=True)
    return path


def latest_checkpoint(run_dir: Path) -> Path | None:
    found = sorted((Path(run_dir) / "checkpoints").glob(f"{PREFIX}*.pt"))
    return found[-1] if found else None


def load_checkpoint(path: Path) -> dict[str, Any]:
    """Load safely: weights_only refuses anything but tensors and plain containers."""
    return torch.load(path, map_location="cpu", weights_only=True)
