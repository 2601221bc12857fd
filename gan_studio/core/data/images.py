"""Scan and load an image folder into a training tensor, skipping (and explaining) what cannot be used."""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff"}
MAX_PIXELS = 64_000_000  # beyond this a file is treated as a decompression bomb


@dataclass
class FolderScan:
    usable: list[Path] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)


def scan_folder(root: Path) -> FolderScan:
    """List image files under ``root`` (recursively, no symlink loops) and say why others are skipped."""
    scan = FolderScan()
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"not a folder: {root}")
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(dirpath) / name
            if path.suffix.lower() not in IMAGE_SUFFIXES:
                continue
            reason = _check(path)
            if reason is None:
                scan.usable.append(path)
            else:
                scan.skipped.append((path, reason))
    return scan


def _check(path: Path) -> str | None:
    try:
        if path.stat().st_size == 0:
            return "empty file"
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                if im.width * im.height > MAX_PIXELS:
                    return f"too large ({im.width}×{im.height}): possible decompression bomb"
                if min(im.size) < 8:
                    return f"too small ({im.width}×{im.height})"
                im.verify()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return "decompression bomb"
    except OSError as exc:
        return f"unreadable: {exc}"
    except (ValueError, SyntaxError) as exc:
        return f"not a valid image: {exc}"
    return None


def load_image(path: Path, resolution: int, channels: int = 4, background: tuple[int, int, int] = (255, 255, 255)
               ) -> np.ndarray:
    """Open, EXIF-rotate, centre-crop to square and resize; RGB is composited on ``background``.

    Returns uint8 HWC with 3 channels, or 4 where the 4th is the original alpha (straight RGB on white
    plus alpha keeps previews correct on white even when the alpha channel is imperfect).
    """
    with Image.open(path) as im:
        im = ImageOps.exif_transpose(im)
        im.load()
        rgba = im.convert("RGBA")
    side = min(rgba.size)
    left, top = (rgba.width - side) // 2, (rgba.height - side) // 2
    rgba = rgba.crop((left, top, left + side, top + side))
    if side != resolution:
        rgba = rgba.resize((resolution, resolution), Image.Resampling.LANCZOS)
    flat = Image.new("RGBA", rgba.size, (*background, 255))
    flat.alpha_composite(rgba)
    rgb = np.asarray(flat.convert("RGB"))
    if channels == 3:
        return rgb
    return np.concatenate([rgb, np.asarray(rgba.getchannel("A"))[..., None]], axis=2)


def load_folder(root: Path, resolution: int, channels: int = 4, files: list[Path] | None = None
                ) -> tuple[np.ndarray, FolderScan]:
    """Load every usable image under ``root`` into an NHWC uint8 array."""
    scan = scan_folder(root) if files is None else FolderScan(usable=list(files))
    arrays = []
    for path in scan.usable:
        try:
            arrays.append(load_image(path, resolution, channels))
        except (OSError, ValueError) as exc:
            scan.skipped.append((path, f"failed to decode: {exc}"))
    if not arrays:
        raise ValueError(f"no usable images in {root} ({len(scan.skipped)} skipped)")
    return np.stack(arrays), scan
