"""Issue 3's "tried as a new user would", through the real window: New fine-tune (dialog, dataset check) on a
folder the starter never saw → cancel halfway → resume → finish → Add model to library → the explorer
draws from the new model. Screenshots of each stage go to OUT; the card's before/after figures are printed.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/finetune_gui.py --data DIR --minutes 30 --out OUT

Runs in its own GAN_STUDIO_HOME (OUT/home) so the job and the registered model do not touch yours.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--minutes", type=float, default=30.0)
    ap.add_argument("--out", default="runs/finetune-gui")
    args = ap.parse_args()
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    os.environ["GAN_STUDIO_HOME"] = str(out / "home")

    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    from gan_studio.core.jobs import JobStore
    from gan_studio.ui.fine_tune_dialog import FineTuneDialog
    from gan_studio.ui.main_window import MainWindow
    from gan_studio.ui.worker import shared_library

    win = MainWindow(settings=QSettings(str(out / "settings.ini"), QSettings.Format.IniFormat))
    win.resize(1400, 900)
    win.show()
    win.load_models()
    t0 = time.monotonic()

    def log(msg: str) -> None:
        print(f"[{(time.monotonic() - t0) / 60:5.1f} min] {msg}", flush=True)

    def wait(cond, timeout_s: float) -> bool:
        end = time.monotonic() + timeout_s
        while time.monotonic() < end:
            app.processEvents()
            if cond():
                return True
            time.sleep(0.02)
        return False

    def shot(name: str) -> None:
        win.grab().save(str(out / f"{name}.png"))

    # New fine-tune: the dialog's dataset check, then its spec (starter as base, data-efficient defaults).
    dlg = FineTuneDialog(shared_library().cards(), win)
    dlg.set_folder(Path(args.data))
    dlg.run_check()
    wait(lambda: dlg.check is not None, 300)
    dlg.budget_kind.setCurrentText("minutes")
    dlg.budget.setValue(args.minutes)
    dlg.name.setText("new-user-finetune")
    dlg.show()
    app.processEvents()
    dlg.grab().save(str(out / "0-dialog.png"))
    log(f"dataset check: {dlg.summary.text()}")
    spec, check = dlg.spec(), dlg.check
    dlg.close()
    win.show_panel("jobs")
    name = win.jobs.start_job(spec, check)
    store = JobStore()
    assert name is not None, "the job did not start"
    log(f"job {name} started: base {spec.base}, {args.minutes:g} min")
    wait(lambda: store.get(name).status() == "running", 120)
    wait(lambda: False, args.minutes * 60 / 2)
    shot("1-halfway")
    win.jobs.select(name)
    wait(lambda: win.jobs.cancel_button.isEnabled(), 30)  # buttons follow the job's status (1 s timer)
    win.jobs.cancel_button.click()
    wait(lambda: store.get(name).status() not in ("running", "stopping"), 300)
    p = store.get(name).last_progress() or {}
    log(f"cancelled halfway: status {store.get(name).status()}, step {p.get('step')}, kimg {p.get('kimg')}")
    shot("2-cancelled")
    wait(lambda: win.jobs.resume_button.isEnabled(), 30)
    win.jobs.resume_button.click()
    wait(lambda: store.get(name).status() == "running", 120)
    log("resumed")
    wait(lambda: store.get(name).status() not in ("running", "stopping", "queued"), args.minutes * 60 + 600)
    p = store.get(name).last_progress() or {}
    log(f"ended: {store.get(name).status()}, step {p.get('step')}, kimg {p.get('kimg')}, "
        f"{p.get('images_per_s')} img/s")
    win.jobs.update_live()
    shot("3-finished")
    registered: list[str] = []
    win.jobs.modelRegistered.connect(registered.append)
    wait(lambda: win.jobs.register_button.isEnabled(), 30)
    win.jobs.register_button.click()
    wait(lambda: bool(registered), 1800)
    model_id = registered[0]
    log(f"registered {model_id}")
    card = shared_library().card(model_id)
    print(json.dumps({"model": model_id, "training": {k: card.training.get(k) for k in ("kimg", "wall_minutes")},
                      "metrics": card.metrics}, indent=2))
    win.show_panel("explorer")
    idx = win.model_picker.findData(model_id)
    win.model_picker.setCurrentIndex(idx)
    wait(lambda: False, 5)
    wait(lambda: win.explorer.shown_image() is not None, 120)
    wait(lambda: False, 2)
    shot("4-explorer")
    log(f"screenshots in {out}")
    win.close()


if __name__ == "__main__":
    main()
