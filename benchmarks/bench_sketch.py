"""Sketch pad and translation latency end to end through the worker, with the bundled models.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_sketch.py [--strokes 40]
Sketch pad: mouse release at the end of a stroke → the painting for that stroke is on screen (p50/p95).
Translation: opening an image → the translated image is on screen (p50/p95), per direction.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PySide6.QtCore import QPoint, QSettings, Qt  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from _machine import machine  # noqa: E402


def _wait(app, cond, timeout=120.0) -> None:
    end = time.perf_counter() + timeout
    while not cond() and time.perf_counter() < end:
        app.processEvents()


def bench_sketch(win, app, strokes: int) -> list[float]:
    win.show_panel("sketch")
    panel = win.sketch
    _wait(app, lambda: panel.model_id is not None and panel.shown_image() is not None)
    canvas = panel.canvas
    rng = np.random.RandomState(0)
    lat = []
    for _ in range(strokes):
        w, h = canvas.width(), canvas.height()
        pts = [QPoint(int(x), int(y)) for x, y in rng.uniform(0.2, 0.8, (6, 2)) * (w, h)]
        QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pts[0])
        for p in pts[1:]:
            QTest.mouseMove(canvas, p)
            app.processEvents()
        shown_before = panel._shown
        t0 = time.perf_counter()
        QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, pts[-1])
        task = panel.last_task
        _wait(app, lambda task=task, b=shown_before: panel._shown >= task and panel._shown > b)
        lat.append((time.perf_counter() - t0) * 1000)
    return lat


def bench_translate(win, app, image: Path, repeats: int) -> dict[str, list[float]]:
    win.show_panel("translate")
    panel = win.translate
    _wait(app, lambda: panel.model_id is not None and panel.direction_combo.count() > 0)
    out: dict[str, list[float]] = {}
    for i in range(panel.direction_combo.count()):
        panel.direction_combo.setCurrentIndex(i)
        lat = []
        for _ in range(repeats):
            before = panel._shown
            t0 = time.perf_counter()
            panel.open_image(image)
            _wait(app, lambda before=before: panel._shown > before)
            lat.append((time.perf_counter() - t0) * 1000)
        out[panel.direction_combo.currentText()] = lat
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--strokes", type=int, default=40)
    ap.add_argument("--repeats", type=int, default=10)
    args = ap.parse_args()
    app = QApplication([])
    from PIL import Image, ImageDraw

    from gan_studio.ui.main_window import MainWindow

    tmp = Path(tempfile.mkdtemp())
    os.environ["GAN_STUDIO_HOME"] = str(tmp)
    img = Image.new("RGBA", (512, 512), (0, 0, 0, 0))
    ImageDraw.Draw(img).ellipse([64, 64, 448, 448], outline=(0, 0, 0, 255), width=24)
    img.save(tmp / "symbol.png")
    win = MainWindow(settings=QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat))
    win.show()
    win.load_models()
    print(f"machine: {machine()}")
    lat = bench_sketch(win, app, args.strokes)
    print(f"{'sketch pad: stroke end → painting shown':48s} p50 {np.percentile(lat, 50):6.1f} ms"
          f"  p95 {np.percentile(lat, 95):6.1f} ms  ({len(lat)} strokes, model {win.sketch.model_id})")
    for label, lat in bench_translate(win, app, tmp / "symbol.png", args.repeats).items():
        print(f"{'translate 512 px image, ' + label:48s} p50 {np.percentile(lat, 50):6.1f} ms"
              f"  p95 {np.percentile(lat, 95):6.1f} ms  (model {win.translate.model_id})")
    win.close()


if __name__ == "__main__":
    main()
