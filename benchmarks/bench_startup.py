"""Start-up: process start → main window shown, and → first generated image on screen (explorer).

    .venv/bin/python benchmarks/bench_startup.py [--runs 5]

Each run is a fresh `python` process going through `gan_studio.ui.app.run_app` (the path `gan-studio` takes)
on an offscreen display; the parent stamps the wall clock just before spawning it.
"""

from __future__ import annotations

import argparse
import json
import os
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
            return False

    flt = Shown()
    app.installEventFilter(flt)

    def poll() -> None:
        win = next((w for w in app.topLevelWidgets() if hasattr(w, "explorer") and w.isVisible()), None)
        img = win.explorer.shown_image() if win is not None else None
        if img is not None and not img.isNull():
            marks["image"] = time.time() - t0
            print(json.dumps(marks), flush=True)
            win.close()
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
    rows = []
    for _ in range(args.runs + 1):  # the first run warms the OS file cache and is not counted
        env["BENCH_T0"] = repr(time.time())
        out = subprocess.run(
            [sys.executable, __file__, "--probe"], env=env, capture_output=True, text=True, timeout=300
        )
        line = [x for x in out.stdout.splitlines() if x.startswith("{")]
        if not line:
            raise SystemExit(f"probe failed: {out.stderr.strip()[-500:]}")
        rows.append(json.loads(line[-1]))
    rows = rows[1:]
    print(f"machine: {machine()}")
    print(f"{'start-up (offscreen, warm file cache)':40s} {'median s':>9s} {'max s':>7s} {'target':>7s}")
    for key, label, target in (
        ("window", "process start → window shown", 1.5),
        ("image", "process start → first image shown", 4.0),
    ):
        v = [r[key] for r in rows]
        print(f"{label:40s} {np.median(v):9.2f} {max(v):7.2f} {target:7.1f}")


if __name__ == "__main__":
    main()
