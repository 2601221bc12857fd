"""Export: PNG with its recipe, larger sizes, and GIF/MP4 of walks."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from .atomic import DiskFullError, atomic_save, low_on_space
from .images import resize, to_pil
from .mp4 import decode_mp4, even, write_mp4
from .recipe import png_info

log = logging.getLogger(__name__)

MP4_SIZE = 512  # default MP4 size where the caller picks one: a 64/128 px model's walk is upscaled to it


def export_png(img: np.ndarray, path: Path, recipe: dict[str, Any] | None = None, size: int | None = None) -> Path:
    """Write ``img`` (HWC uint8) as PNG, optionally enlarged to ``size`` px, with the recipe embedded."""
    if size is not None and not 8 <= size <= 8192:
        raise ValueError(f"export size must be 8 … 8192 px, not {size}")
    out = resize(img, size) if size else img
    # a caller that sized the image itself (core.sessions.sized_export) records the size it chose
    info = png_info({**recipe, "export_size": size or recipe.get("export_size") or img.shape[0]}) if recipe else None
    atomic_save(path, lambda tmp: to_pil(out).save(tmp, format="PNG", pnginfo=info))
    return path


def _flatten(frame: np.ndarray, background: tuple[int, int, int] = (255, 255, 255)) -> np.ndarray:
    if frame.shape[2] == 3:
        return frame
    a = frame[..., 3:4].astype(np.float32) / 255.0
    bg = np.array(background, np.float32)
    return (frame[..., :3] * a + bg * (1 - a)).round().astype(np.uint8)


@dataclass(frozen=True)
class VideoFile:
    """A written video: path-like (``str()`` / ``open()`` give the file), plus what was encoded."""

    path: Path
    codec: str  # "h264", "mpeg4" (OpenCV's fallback) or "gif"
    frames: int
    width: int
    height: int

    def __fspath__(self) -> str:
        return str(self.path)

    def __str__(self) -> str:
        return str(self.path)

    def describe(self) -> str:
        """For a status line: which codec, since the fallback plays in fewer places."""
        name = {"h264": "H.264", "mpeg4": "MPEG-4 Part 2 (fallback)", "gif": "GIF"}.get(self.codec, self.codec)
        return f"{self.path} ({name}, {self.width}×{self.height}, {self.frames} frames)"


def write_video(frames: list[np.ndarray], path: Path, fps: int = 24, size: int | None = None) -> VideoFile:
    """GIF (Pillow) or MP4 (H.264 via PyAV, else OpenCV's MPEG-4 Part 2); alpha is composited on white.

    Every file is decoded back before it replaces anything, so a torn write never lands."""
    if not frames:
        raise ValueError("no frames to write")
    if not 1 <= fps <= 120:
        raise ValueError(f"fps must be 1 … 120, not {fps}")
    frames = [_flatten(resize(f, size) if size else f) for f in frames]
    suffix = path.suffix.lower()
    h, w = frames[0].shape[:2]
    if suffix == ".gif":
        pils = [Image.fromarray(f) for f in frames]
        atomic_save(path, lambda tmp: pils[0].save(tmp, format="GIF", save_all=True, append_images=pils[1:],
                                                   duration=round(1000 / fps), loop=0),
                    verify=lambda tmp: _check_gif(tmp, path))
        return VideoFile(path, "gif", len(frames), w, h)
    if suffix != ".mp4":
        raise ValueError(f"unsupported video format {suffix!r}: use .gif or .mp4")
    frames = [even(f) for f in frames]
    h, w = frames[0].shape[:2]
    used: dict[str, str] = {}
    atomic_save(path, lambda tmp: used.update(codec=write_mp4(frames, tmp, fps)),
                verify=lambda tmp: _check_mp4(tmp, path, (len(frames), w, h), used.get("codec", "")))
    log.info("wrote %s: %d frames, %d×%d, %s", path, len(frames), w, h, used["codec"])
    return VideoFile(path, used["codec"], len(frames), w, h)


def _undecodable(path: Path, tmp: Path, what: str) -> OSError:
    """The written video is not what was meant: most often a full disk (the encoders do not report it)."""
    old = "the old file is unchanged" if path.exists() else "nothing was written"
    if low_on_space(tmp.parent):
        import errno

        return DiskFullError(errno.ENOSPC, f"disk full: {path.name} was not written completely ({what}); {old}. "
                                           "Free some space and try again")
    return OSError(f"{path.name}: the written file does not decode ({what}); {old}")


def _check_mp4(tmp: Path, path: Path, want: tuple[int, int, int], codec: str) -> None:
    """Decode the new MP4 before it replaces anything: every frame must come back, at its size, in the codec
    written."""
    frames, w, h = want
    try:
        got = decode_mp4(tmp, frames)
    except ValueError as exc:
        raise _undecodable(path, tmp, str(exc)) from exc
    if got.frames != frames:
        raise _undecodable(path, tmp, f"{got.frames} of {frames} frames decode")
    if (got.width, got.height) != (w, h):
        raise _undecodable(path, tmp, f"it decodes at {got.width}×{got.height}, not {w}×{h}")
    if codec and got.codec != codec:
        raise _undecodable(path, tmp, f"it reads as {got.codec}, not the {codec} written")


def _check_gif(tmp: Path, path: Path) -> None:
    try:
        with Image.open(tmp) as im:
            for i in range(getattr(im, "n_frames", 1)):
                im.seek(i)
                im.load()
    except (OSError, ValueError, EOFError, SyntaxError) as exc:
        raise _undecodable(path, tmp, str(exc)) from exc
