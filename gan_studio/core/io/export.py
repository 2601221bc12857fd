"""Export: PNG with its recipe, larger sizes, and GIF/MP4 of walks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from .atomic import DiskFullError, atomic_save, low_on_space
from .images import resize, to_pil
from .recipe import png_info


def export_png(img: np.ndarray, path: Path, recipe: dict[str, Any] | None = None, size: int | None = None) -> Path:
    """Write ``img`` (HWC uint8) as PNG, optionally enlarged to ``size`` px, with the recipe embedded."""
    if size is not None and not 8 <= size <= 8192:
        raise ValueError(f"export size must be 8 … 8192 px, not {size}")
    out = resize(img, size) if size else img
    info = png_info({**recipe, "export_size": size or img.shape[0]}) if recipe else None
    atomic_save(path, lambda tmp: to_pil(out).save(tmp, format="PNG", pnginfo=info))
    return path


def _flatten(frame: np.ndarray, background: tuple[int, int, int] = (255, 255, 255)) -> np.ndarray:
    if frame.shape[2] == 3:
        return frame
    a = frame[..., 3:4].astype(np.float32) / 255.0
    bg = np.array(background, np.float32)
    return (frame[..., :3] * a + bg * (1 - a)).round().astype(np.uint8)


def write_video(frames: list[np.ndarray], path: Path, fps: int = 24, size: int | None = None) -> Path:
    """GIF (Pillow) or MP4 (OpenCV's bundled encoder); alpha is composited on white."""
    if not frames:
        raise ValueError("no frames to write")
    if not 1 <= fps <= 120:
        raise ValueError(f"fps must be 1 … 120, not {fps}")
    frames = [_flatten(resize(f, size) if size else f) for f in frames]
    suffix = path.suffix.lower()
    if suffix == ".gif":
        pils = [Image.fromarray(f) for f in frames]
        atomic_save(path, lambda tmp: pils[0].save(tmp, format="GIF", save_all=True, append_images=pils[1:],
                                                   duration=round(1000 / fps), loop=0),
                    verify=lambda tmp: _check_gif(tmp, path))
    elif suffix == ".mp4":
        atomic_save(path, lambda tmp: _write_mp4(frames, tmp, fps), verify=lambda tmp: _check_mp4(tmp, path,
                                                                                                  len(frames)))
    else:
        raise ValueError(f"unsupported video format {suffix!r}: use .gif or .mp4")
    return path


def _write_mp4(frames: list[np.ndarray], tmp: Path, fps: int) -> None:
    import cv2

    h, w = frames[0].shape[:2]
    real = tmp.with_suffix(".mp4")
    writer = cv2.VideoWriter(str(real), cv2.VideoWriter_fourcc(*"mp4v"), fps, (w, h))
    if not writer.isOpened():
        raise OSError("the MP4 encoder is not available in this OpenCV build")
    try:
        for f in frames:
            writer.write(np.ascontiguousarray(f[..., ::-1]))
    finally:
        writer.release()
    real.replace(tmp)


def _undecodable(path: Path, tmp: Path, what: str) -> OSError:
    """The written video is not what was meant: most often a full disk (the encoders do not report it)."""
    old = "the old file is unchanged" if path.exists() else "nothing was written"
    if low_on_space(tmp.parent):
        import errno

        return DiskFullError(errno.ENOSPC, f"disk full: {path.name} was not written completely ({what}); {old}. "
                                           "Free some space and try again")
    return OSError(f"{path.name}: the written file does not decode ({what}); {old}")


def _check_mp4(tmp: Path, path: Path, frames: int) -> None:
    """Decode the new MP4 before it replaces anything: every frame must come back."""
    import cv2

    cap = cv2.VideoCapture(str(tmp))
    try:
        n = 0
        while cap.isOpened() and n <= frames:
            ok, _ = cap.read()
            if not ok:
                break
            n += 1
    finally:
        cap.release()
    if n != frames:
        raise _undecodable(path, tmp, f"{n} of {frames} frames decode")


def _check_gif(tmp: Path, path: Path) -> None:
    try:
        with Image.open(tmp) as im:
            for i in range(getattr(im, "n_frames", 1)):
                im.seek(i)
                im.load()
    except (OSError, ValueError, EOFError, SyntaxError) as exc:
        raise _undecodable(path, tmp, str(exc)) from exc
