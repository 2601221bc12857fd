"""GUI smoke test: start the real app offscreen, wait until the explorer shows a generated image, save it, exit 0.

    QT_QPA_PLATFORM=offscreen python packaging/smoke_gui.py OUT_DIR      # an installed gan_studio (wheel test)
    GAN_STUDIO_SMOKE_GUI=OUT_DIR dist/gan-studio/gan-studio              # the PyInstaller bundle (entry script)

It goes through ``gan_studio.ui.app.run_app``, the same start-up path as ``gan-studio``; exit 1 on time-out.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

TIMEOUT_S = float(os.environ.get("GAN_STUDIO_SMOKE_TIMEOUT", "180"))


def run(out_dir: Path) -> int:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from gan_studio.ui.app import run_app

    out_dir.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication(sys.argv[:1])
    start = time.monotonic()
    result = {"code": 1}

    def poll() -> None:
        win = next((w for w in app.topLevelWidgets() if hasattr(w, "explorer") and w.isVisible()), None)
        image = win.explorer.shown_image() if win is not None else None
        if image is not None and not image.isNull():
            image.save(str(out_dir / "generated.png"))
            win.grab().save(str(out_dir / "window.png"))
            print(f"smoke: window shows a {image.width()}x{image.height()} image after "
                  f"{time.monotonic() - start:.1f} s; saved to {out_dir}", flush=True)
            result["code"] = 0
            win.close()
            app.quit()
        elif time.monotonic() - start > TIMEOUT_S:
            print(f"smoke: no image on screen after {TIMEOUT_S:.0f} s", file=sys.stderr, flush=True)
            if win is not None:
                win.grab().save(str(out_dir / "window-timeout.png"))
                win.close()
            app.quit()
        else:
            QTimer.singleShot(250, poll)

    QTimer.singleShot(250, poll)
    code = run_app()
    return result["code"] if code == 0 else code


if __name__ == "__main__":
    sys.exit(run(Path(sys.argv[1] if len(sys.argv) > 1 else "smoke-gui")))
