"""MP4 export: encode + decode-check time of a walk, H.264 (PyAV) beside OpenCV's MPEG-4 Part 2 fallback.

    .venv/bin/python benchmarks/bench_video.py [--model stylegen-faces-64] [--size 512] [--runs 3]

The walk's frames are rendered once; each run times ``write_video`` alone (encode, decode-back check, atomic
rename), so the figure is what an export adds on top of rendering.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from _machine import machine
from gan_studio.core.io import mp4
from gan_studio.core.io.export import write_video
from gan_studio.core.sessions.generator import GeneratorSession, Source, WalkRequest


def _unavailable(*args: object) -> None:
    raise RuntimeError("benchmark: timing the fallback")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="stylegen-faces-64")
    ap.add_argument("--size", type=int, default=512)
    ap.add_argument("--frames", type=int, default=24, help="frames between keyframes")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()

    print(machine())
    sess = GeneratorSession.open(args.model)
    req = WalkRequest(sess.model_id, keys=tuple(Source.from_seed(s) for s in (1, 5, 9)),
                      frames_per_key=args.frames, loop=True)
    frames = sess.walk_frames(req)
    print(f"{args.model}: {len(frames)} frames at {frames[0].shape[0]} px, written at {args.size} px")
    h264 = mp4.write_h264
    with tempfile.TemporaryDirectory() as tmp:
        for name in ("h264", "mpeg4"):
            if name == "mpeg4":
                mp4.write_h264 = _unavailable  # what a machine without PyAV writes
            times = []
            for _ in range(args.runs):
                t0 = time.perf_counter()
                v = write_video(frames, Path(tmp) / f"walk-{name}.mp4", fps=24, size=args.size)
                times.append(time.perf_counter() - t0)
            size = v.path.stat().st_size
            print(f"| {v.codec} | {min(times):.2f} s (best of {args.runs}) | {size / 1024:.0f} KiB |")
    mp4.write_h264 = h264


if __name__ == "__main__":
    main()
