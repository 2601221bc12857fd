"""Where an explorer frame's time goes: each stage from the seed box to the image on the view, per model.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/profile_explorer.py [--frames 60]
Same window and requests as bench_explorer.py; the stages are timed by wrapping the functions on the path
(GUI handler → queue to the worker → w (mapping) → synthesis → uint8 → QImage → back to the GUI → view).
"""

from __future__ import annotations

import argparse
import os
import time
from collections import defaultdict

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from bench_explorer import SeedFrames, open_window  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from _machine import machine  # noqa: E402

STAGES = ("gui handler", "queue to worker", "w (mapping)", "synthesis", "to uint8", "to QImage",
          "back to GUI", "view.set_image", "total")


def instrument(win) -> dict[str, float]:
    """Wrap the path's functions; returns the dict they write their timestamps into."""
    from gan_studio.core.sessions import generator as gen_mod
    from gan_studio.ui import worker as worker_mod

    marks: dict[str, float] = {}
    ex = win.explorer

    def timed(name: str, fn):
        def wrapper(*a, **k):
            t0 = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                marks[name] = marks.get(name, 0.0) + time.perf_counter() - t0
        return wrapper

    submit = ex.worker.submit

    def submit_wrapped(*a, **k):
        marks["submit"] = time.perf_counter()
        return submit(*a, **k)

    ex.worker.submit = submit_wrapped
    run = worker_mod._Engine._run

    def run_wrapped(self, task):
        if task.key == "explorer-main":
            marks["run_start"] = time.perf_counter()
        run(self, task)

    worker_mod._Engine._run = run_wrapped
    convert = worker_mod._convert

    def convert_wrapped(result):  # the worker's last step before it emits the result
        out = convert(result)
        marks["run_end"] = time.perf_counter()
        return out

    worker_mod._convert = convert_wrapped
    gen_mod.GeneratorSession.w_of = timed("w (mapping)", gen_mod.GeneratorSession.w_of)
    synth_orig = gen_mod.GeneratorSession.synth

    def synth_wrapped(self, ws, noise_mode, noise_strength):
        orig = self.G.synthesize
        self.G.synthesize = timed("synthesis", orig)
        try:
            return synth_orig(self, ws, noise_mode, noise_strength)
        finally:
            del self.G.synthesize

    gen_mod.GeneratorSession.synth = synth_wrapped
    gen_mod.to_uint8 = timed("to uint8", gen_mod.to_uint8)
    worker_mod.to_qimage = timed("to QImage", worker_mod.to_qimage)
    set_image = ex.view.set_image

    def set_image_wrapped(img):
        marks["slot"] = time.perf_counter()
        set_image(img)
        marks["shown"] = time.perf_counter()

    ex.view.set_image = set_image_wrapped
    return marks


def profile(win, model_id: str, frames: int, marks: dict[str, float]) -> dict[str, list[float]]:
    frame = SeedFrames(win, model_id)
    out: dict[str, list[float]] = defaultdict(list)
    for i in range(frames + 1):
        marks.clear()
        t0 = time.perf_counter()
        frame(5000 + i, 120000)
        if i == 0 or "shown" not in marks:
            continue  # warm-up frame (model load)
        inner = sum(marks.get(k, 0.0) for k in ("w (mapping)", "synthesis", "to uint8", "to QImage"))
        rows = {
            "gui handler": marks["submit"] - t0,
            "queue to worker": marks["run_start"] - marks["submit"],
            "w (mapping)": marks.get("w (mapping)", 0.0),
            "synthesis": marks.get("synthesis", 0.0),
            "to uint8": marks.get("to uint8", 0.0),
            "to QImage": marks.get("to QImage", 0.0),
            "worker other": marks["run_end"] - marks["run_start"] - inner,
            "back to GUI": marks["slot"] - marks["run_end"],
            "view.set_image": marks["shown"] - marks["slot"],
            "total": marks["shown"] - t0,
        }
        for k, v in rows.items():
            out[k].append(v * 1000)
    frame.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=60)
    args = ap.parse_args()
    app = QApplication([])
    win, models, _ = open_window()
    marks = instrument(win)
    print(f"machine: {machine()}")
    for model_id in models:
        res = profile(win, model_id, args.frames, marks)
        print(f"\n{model_id}: median ms per stage over {args.frames} seed changes (p95 of the total)")
        for k, v in res.items():
            extra = f"   p95 {np.percentile(v, 95):.1f}" if k == "total" else ""
            print(f"  {k:18s} {np.median(v):8.2f}{extra}")
    win.close()
    del app


if __name__ == "__main__":
    main()
