"""Training checkpoints: plain tensors and numbers in a torch file (weights_only-loadable), atomic."""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any

import torch

from ..io.atomic import atomic_save, low_on_space

PREFIX = "ckpt-"


def save_checkpoint(run_dir: Path, step: int, state: dict[str, Any], keep: int = 2) -> Path:
    folder = Path(run_dir) / "checkpoints"
    path = folder / f"{PREFIX}{step:08d}.pt"
    try:
        atomic_save(path, lambda tmp: _save(state, tmp))
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


def _save(state: dict[str, Any], tmp: Path) -> None:
    """``torch.save`` through a Python file, whose C++ writer reports any failed write as "enforce fail … file
    write failed": the ``OSError`` the file itself raised (ENOSPC, EDQUOT, EFBIG) is raised instead, so the
    caller can say "disk full" plainly, whatever the free space looks like (a quota, a file size limit)."""
    with open(tmp, "wb") as fh:
        rec = _RecordingFile(fh)
        try:
            torch.save(state, rec)
        except RuntimeError as exc:
            if rec.error is not None:
                raise rec.error from exc
            if ("write" in str(exc) or "enforce fail" in str(exc)) and low_on_space(tmp.parent):
                raise OSError(errno.ENOSPC, "No space left on device") from exc
            raise


class _RecordingFile:
    """A writable file that keeps the ``OSError`` of a failed write (torch replaces it by its own message)."""

    def __init__(self, fh: Any) -> None:
        self._fh, self.error = fh, None

    def write(self, data: Any) -> int:
        try:
            return self._fh.write(data)
        except OSError as exc:
            self.error = exc
            raise

    def flush(self) -> None:
        self._fh.flush()


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


def graft_checkpoint(run_dir: Path, source: Path, keys: tuple[str, ...]) -> Path:
    """Replace ``keys`` of the run's latest checkpoint by those of ``source`` (another checkpoint of the same
    architecture), in place and atomically: e.g. roll Stage II back to an earlier state while Stage I keeps
    its progress. Tensor shapes must match, so a wrong source is refused before anything is written."""
    target = latest_checkpoint(run_dir)
    if target is None:
        raise FileNotFoundError(f"nothing to graft onto in {run_dir}: no checkpoint")
    st, src = load_checkpoint(target), load_checkpoint(Path(source))
    for key in keys:
        if key not in src or key not in st:
            raise ValueError(f"{source} has no {key!r} to graft (is it a checkpoint of this family?)")
        if isinstance(st[key], dict) and not key.startswith("opt_"):  # a module's state dict
            a, b = st[key], src[key]
            if set(a) != set(b) or any(getattr(a[k], "shape", None) != getattr(b[k], "shape", None) for k in a):
                raise ValueError(f"{source}: {key!r} does not match this run's architecture")
        st[key] = src[key]
    atomic_save(target, lambda tmp: _save(st, tmp))
    return target
