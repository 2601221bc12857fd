"""MP4 export is H.264 (yuv420p, faststart) that browsers play; OpenCV's MPEG-4 Part 2 is the fallback."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import av
import numpy as np
import pytest

from gan_studio.cli import main
from gan_studio.core.io import export, mp4
from gan_studio.core.io.export import write_video
from tests.conftest import TINY_ID


def _decode(path: Path) -> tuple[str, str, list[np.ndarray]]:
    with av.open(str(path)) as inp:
        stream = inp.streams.video[0]
        frames = [f.to_ndarray(format="rgb24") for f in inp.decode(stream)]
        return stream.codec_context.name, stream.codec_context.pix_fmt, frames


def _frames(n: int = 12, h: int = 32, w: int = 32) -> list[np.ndarray]:
    """A red square moving across grey: big flat areas, so the decoded pixels can be compared closely."""
    out = []
    for i in range(n):
        f = np.full((h, w, 3), 128, np.uint8)
        f[4:14, i:i + 10] = (230, 20, 20)
        out.append(f)
    return out


def test_cli_video_writes_h264_at_512_by_default(tiny_library, tmp_path, capsys):
    out = tmp_path / "walk.mp4"
    assert main(["video", "--model", TINY_ID, "--seeds", "1,2", "--frames", "4", "-o", str(out)]) == 0
    assert "H.264, 512×512, 4 frames" in capsys.readouterr().out
    codec, pix_fmt, frames = _decode(out)
    assert (codec, pix_fmt, len(frames)) == ("h264", "yuv420p", 4)
    assert frames[0].shape == (512, 512, 3)
    from gan_studio.core.io.images import resize
    from gan_studio.core.sessions.generator import GeneratorSession, RenderRequest

    # seed 1 at the CLI's default ψ
    first = GeneratorSession.open(TINY_ID, library=tiny_library).render(RenderRequest(TINY_ID, seed=1, psi=0.7))
    want = export._flatten(resize(first, 512)).astype(np.int16)
    assert np.abs(frames[0].astype(np.int16) - want).mean() < 6  # the walk's first frame is seed 1, upscaled
    head = out.read_bytes()[:4096]
    assert b"moov" in head and head.find(b"moov") < max(head.find(b"mdat"), 4096)  # faststart: index first

    small = tmp_path / "small.mp4"
    assert main(["video", "--model", TINY_ID, "--seeds", "1,2", "--frames", "3", "--size", "64",
                 "-o", str(small)]) == 0
    _, _, frames = _decode(small)
    assert len(frames) == 3 and frames[0].shape == (64, 64, 3)


def test_h264_pixels_come_back_and_odd_sizes_are_made_even(tmp_path):
    src = _frames(h=33, w=31)
    v = write_video(src, tmp_path / "odd.mp4", fps=12)
    assert (v.codec, v.frames, v.width, v.height) == ("h264", 12, 32, 34)
    codec, pix_fmt, frames = _decode(v.path)
    assert (codec, pix_fmt, len(frames), frames[0].shape) == ("h264", "yuv420p", 12, (34, 32, 3))
    for i, (got, want) in enumerate(zip(frames, src, strict=True)):
        assert np.abs(got[:33, :31].astype(int) - want).mean() < 4
        assert np.abs(got[8, i + 5].astype(int) - (230, 20, 20)).max() < 40  # the square moved with the frame
        assert np.abs(got[33, :31].astype(int) - want[32]).max() < 40  # the added row repeats the last


def test_fallback_to_opencv_when_av_is_missing(tmp_path, monkeypatch, caplog):
    monkeypatch.setitem(sys.modules, "av", None)  # `import av` now raises ImportError
    with caplog.at_level(logging.WARNING, logger="gan_studio.core.io.mp4"):
        v = write_video(_frames(), tmp_path / "w.mp4", fps=12)
    assert v.codec == "mpeg4" and "MPEG-4 Part 2 (fallback)" in v.describe()
    assert "PyAV is not installed" in caplog.text
    monkeypatch.undo()
    codec, _, frames = _decode(v.path)
    assert codec == "mpeg4" and len(frames) == 12


def test_fallback_to_opencv_when_the_h264_encoder_fails(tmp_path, monkeypatch, caplog):
    def broken(frames, tmp, fps):
        raise RuntimeError("libx264 not found")

    monkeypatch.setattr(mp4, "write_h264", broken)
    with caplog.at_level(logging.WARNING, logger="gan_studio.core.io.mp4"):
        v = write_video(_frames(), tmp_path / "w.mp4", fps=12)
    assert v.codec == "mpeg4" and "libx264 not found" in caplog.text
    codec, _, frames = _decode(v.path)
    assert codec == "mpeg4" and len(frames) == 12


def test_a_file_in_the_wrong_codec_never_replaces_a_good_one(tmp_path, monkeypatch):
    walk = tmp_path / "walk.mp4"
    write_video(_frames(), walk, fps=12)
    good = walk.read_bytes()

    def lying(frames, tmp, fps):  # says H.264, wrote MPEG-4 Part 2
        mp4.write_mp4v(frames, tmp, fps)
        return "h264"

    monkeypatch.setattr(export, "write_mp4", lying)
    with pytest.raises(OSError, match="reads as mpeg4, not the h264 written"):
        write_video(_frames(), walk, fps=12)
    assert walk.read_bytes() == good
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
