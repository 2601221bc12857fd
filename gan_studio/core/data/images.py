"""Scan and load an image folder into a training tensor, skipping (and explaining) what cannot be used.

The per-file checks and the square/alpha processing live in ``check.py``; this module keeps the
folder-level API the trainers, metrics and translator use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .check import IMAGE_SUFFIXES, MAX_PIXELS, Prep, SkipFile, check_file, iter_candidates, load_prepared

__all__ = ["IMAGE_SUFFIXES", "MAX_PIXELS", "FolderScan", "load_folder", "load_image", "scan_folder"]


@dataclass
class FolderScan:
    usable: list[Path] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)


def _require_folder(root: Path) -> Path:
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"not a folder: {root}")
    return root


def scan_folder(root: Path) -> FolderScan:
    """List image files under ``root`` (recursively, no symlink loops) and say why others are skipped."""
    scan = FolderScan()
    for path in iter_candidates(_require_folder(root)):
        reason = check_file(path)
        if reason is None:
            scan.usable.append(path)
        else:
            scan.skipped.append((path, reason))
    return scan


def load_image(path: Path, resolution: int, channels: int = 4, background: tuple[int, int, int] = (255, 255, 255),
               fit: str = "crop", alpha: str = "keep") -> np.ndarray:
    """Open, EXIF-rotate, make square (centre crop by default) and resize; RGB is composited on ``background``.

    Returns uint8 HWC with 3 channels, or 4 where the 4th is the original alpha (straight RGB on white
    plus alpha keeps previews correct on white even when the alpha channel is imperfect).
    Raises ``SkipFile`` (a ValueError) with the reason for an unusable file.
    """
    arr, _ = load_prepared(Path(path), Prep(resolution, channels, fit, alpha, background))
    return arr


def load_folder(root: Path, resolution: int, channels: int = 4, files: list[Path] | None = None,
                fit: str = "crop", alpha: str = "keep") -> tuple[np.ndarray, FolderScan]:
    """Load every usable image under ``root`` into an NHWC uint8 array (each file decoded once)."""
    prep = Prep(resolution, channels, fit, alpha)
    paths = iter_candidates(_require_folder(root)) if files is None else iter(files)
    scan = FolderScan()
    arrays = []
    for path in paths:
        try:
            arr, _ = load_prepared(Path(path), prep)
        except SkipFile as exc:
            scan.skipped.append((Path(path), str(exc)))
            continue
        scan.usable.append(Path(path))
        arrays.append(arr)
    if not arrays:
        raise ValueError(f"no usable images in {root} ({len(scan.skipped)} skipped)")
    return np.stack(arrays), scan
