"""MP4 encoders: H.264 through PyAV (plays in browsers and editors), OpenCV's MPEG-4 Part 2 as the fallback.

PyAV's wheel bundles libx264; where it is missing or its encoder fails, OpenCV's ``mp4v`` still gives a file
(that fewer players open), and the result says which codec was used.
"""

from __future__ import annotations

import errno
import logging
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np

from .atomic import DISK_FULL_ERRNOS

log = logging.getLogger(__name__)

H264_CRF = 18  # visually lossless for generated images; a 2 s 512 px walk stays around a megabyte
H264_PRESET = "medium"


@dataclass(frozen=True)
class Decoded:
    """What a written MP4 decodes back to."""

    codec: str
    frames: int
    width: int
    height: int


def even(frame: np.ndarray) -> np.ndarray:
    """yuv420p needs even width and height: repeat the last row/column where one is odd."""
    h, w = frame.shape[:2]
    if h % 2 == 0 and w % 2 == 0:
        return frame
    return np.pad(frame, ((0, h % 2), (0, w % 2), (0, 0)), mode="edge")


def write_mp4(frames: list[np.ndarray], tmp: Path, fps: int) -> str:
    """Encode RGB frames (even width and height: see ``even``) to ``tmp``; returns the codec used: "h264" or
    "mpeg4"."""
    try:
        write_h264(frames, tmp, fps)
        return "h264"
    except ImportError as exc:
        log.warning("PyAV is not installed (%s): writing MPEG-4 Part 2 with OpenCV instead of H.264", exc)
    except OSError as exc:
        if exc.errno in DISK_FULL_ERRNOS:
            raise
        log.warning("the H.264 encoder failed (%s): writing MPEG-4 Part 2 with OpenCV instead", exc)
    except (ValueError, RuntimeError) as exc:  # av.FFmpegError's subclasses are ValueError/OSError/RuntimeError
        log.warning("the H.264 encoder failed (%s): writing MPEG-4 Part 2 with OpenCV instead", exc)
    write_mp4v(frames, tmp, fps)
    return "mpeg4"


def write_h264(frames: list[np.ndarray], tmp: Path, fps: int) -> None:
    """H.264 High, yuv420p, BT.709 tagged, moov atom first (faststart) so a browser starts before the end."""
    import av

    h, w = frames[0].shape[:2]
    try:
        with av.open(str(tmp), mode="w", format="mp4", options={"movflags": "+faststart"}) as out:
            stream = out.add_stream("libx264", rate=Fraction(fps))
            stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
            stream.options = {"crf": str(H264_CRF), "preset": H264_PRESET}
            cc = stream.codec_context
            cc.colorspace, cc.color_primaries, cc.color_trc, cc.color_range = 1, 1, 1, 1  # BT.709, limited
            for f in frames:
                rgb = av.VideoFrame.from_ndarray(np.ascontiguousarray(f), format="rgb24")
                yuv = rgb.reformat(format="yuv420p", dst_colorspace="ITU709")
                out.mux(stream.encode(yuv))
            out.mux(stream.encode(None))
    except av.FFmpegError as exc:
        if isinstance(exc, OSError) and exc.errno in DISK_FULL_ERRNOS:
            raise OSError(errno.ENOSPC, "No space left on device") from exc
        raise RuntimeError(str(exc)) from exc


def write_mp4v(frames: list[np.ndarray], tmp: Path, fps: int) -> None:
    """OpenCV's bundled MPEG-4 Part 2 encoder (it wants a .mp4 name, so write beside and rename)."""
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


def decode_mp4(path: Path, limit: int) -> Decoded:
    """Decode up to ``limit`` + 1 frames (PyAV where installed, else OpenCV); raises ValueError if unreadable."""
    try:
        import av
    except ImportError:
        return _decode_cv2(path, limit)
    try:
        with av.open(str(path)) as inp:
            stream = inp.streams.video[0]
            n, w, h = 0, stream.codec_context.width, stream.codec_context.height
            for frame in inp.decode(stream):
                n, w, h = n + 1, frame.width, frame.height
                if n > limit:
                    break
            return Decoded(stream.codec_context.name, n, w, h)
    except (av.FFmpegError, IndexError) as exc:
        raise ValueError(str(exc) or type(exc).__name__) from exc


def _decode_cv2(path: Path, limit: int) -> Decoded:
    import cv2

    cap = cv2.VideoCapture(str(path))
    try:
        n, w, h = 0, 0, 0
        while cap.isOpened() and n <= limit:
            ok, img = cap.read()
            if not ok:
                break
            n, (h, w) = n + 1, img.shape[:2]
        fourcc = int(cap.get(cv2.CAP_PROP_FOURCC))
    finally:
        cap.release()
    codec = fourcc.to_bytes(4, "little").decode("ascii", "replace").strip("\0 ").lower()
    return Decoded({"avc1": "h264", "h264": "h264", "mp4v": "mpeg4", "fmp4": "mpeg4"}.get(codec, codec), n, w, h)
