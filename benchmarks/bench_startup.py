"""Start-up: process start → main window shown, and → first generated image on screen (explorer).

    .venv/bin/python benchmarks/bench_startup.py [--runs 5]

Each run is a fresh `python` process going through `gan_studio.ui.app.run_app` (the path `gan-studio` takes)
on an offscreen display; the parent stamps the wall clock just before spawning it.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def probe() -> None:
    """Child: report seconds since the parent's stamp when the window shows and when the image does."""
    t0 = float(os.environ["BENCH_T0"])
    from PySide6.QtCore import QEvent, QObject, QTimer
    from PySide6.QtWidgets import QApplication

    app = QApplication(sys.argv[:1])
    marks: dict[str, float] = {}

    class Shown(QObject):
        def eventFilter(self, obj, ev):  # noqa: N802 (Qt's name)
            if ev.type() == QEvent.Type.Show and hasattr(obj, "explorer") and "window" not in marks:
                marks["window"] = time.time() - t0
            if (ev.type() == QEvent.Type.Paint and obj.objectName() == "explorerView" and "image" not in marks
                    and obj.image() is not None and not obj.image().isNull()):
                marks["image"] = time.time() - t0  # painted: from the frame cache, or the model's first frame
            return False

    flt = Shown()
    app.installEventFilter(flt)

    def poll() -> None:
        win = next((w for w in app.topLevelWidgets() if hasattr(w, "explorer") and w.isVisible()), None)
        if win is not None and win.explorer._shown["main"] > 0 and "image" in marks:
            marks["rendered"] = time.time() - t0  # the worker's first frame (torch imported, model loaded)
            print(json.dumps(marks), flush=True)
            win.close()  # closing keeps the frame for the next start, as it does for a user
            app.quit()
        else:
            QTimer.singleShot(5, poll)

    QTimer.singleShot(0, poll)
    from gan_studio.ui.app import run_app

    run_app(panel="explorer")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--probe", action="store_true")
    args = ap.parse_args()
    if args.probe:
        probe()
        return
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from _machine import machine

    home = tempfile.mkdtemp(prefix="bench-startup-")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "GAN_STUDIO_HOME": home, "XDG_CONFIG_HOME": home}
    frames = Path(home) / "cache" / "frames"

    def start() -> dict:
        env["BENCH_T0"] = repr(time.time())
        out = subprocess.run(
            [sys.executable, __file__, "--probe"], env=env, capture_output=True, text=True, timeout=300
        )
        line = [x for x in out.stdout.splitlines() if x.startswith("{")]
        if not line:
            raise SystemExit(f"probe failed: {out.stderr.strip()[-500:]}")
        return json.loads(line[-1])

    # Pairs of starts: the first without the explorer's frame cache (a first start after install), the
    # second with the frame the first one left. The first pair warms the OS file cache and is not counted.
    cold, warm = [], []
    for _ in range(args.runs + 1):
        shutil.rmtree(frames, ignore_errors=True)
        cold.append(start())
        warm.append(start())
    cold, warm = cold[1:], warm[1:]
    print(f"machine: {machine()}")
    print(f"{'start-up (offscreen, warm file cache)':50s} {'median s':>9s} {'max s':>7s} {'target':>7s}")
    for rows, key, label, target in (
        (cold + warm, "window", "process start → window shown", "1.5"),
        (cold, "image", "→ first image, first start (model renders it)", "4.0"),
        (warm, "image", "→ first image, later starts (frame cache)", "4.0"),
        (warm, "rendered", "→ model's own first frame, later starts", ""),
    ):
        v = [r[key] for r in rows]
        print(f"{label:50s} {np.median(v):9.2f} {max(v):7.2f} {target:>7s}")


if __name__ == "__main__":
    main()
