"""Explorer latency end to end through the worker: request → QImage shown; p50/p95 per model.

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/bench_explorer.py [--frames 60] [--no-training]
Also measures the GUI thread's longest stall during 200 rapid ψ-slider moves. Then everything again while a
fine-tune job trains beside it (a `gan-studio train` process with the jobs panel's 1 thread).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from _machine import machine  # noqa: E402
from gan_studio.ui.stall import StallMeter  # noqa: E402


def make_random_256(folder: Path) -> str:
    """A StyleGAN2 at 256 px with random weights, written as a library model."""
    import torch

    from gan_studio.core.library.cards import ModelCard
    from gan_studio.core.library.weights import write_model
    from gan_studio.core.nets.stylegen import Generator, StyleGenConfig

    torch.manual_seed(0)
    cfg = StyleGenConfig(
        resolution=256, img_channels=3, z_dim=512, w_dim=512, mapping_layers=8, channel_base=16384, channel_max=512
    )
    card = ModelCard(
        id="random-256",
        name="StyleGAN2 256 px (random weights)",
        family="stylegen",
        tasks=["explore", "mix"],
        resolution=256,
        channels=3,
        architecture=cfg.to_dict(),
        files=[],
    )
    write_model(folder / "random-256", card, {"generator": Generator(cfg)})
    return "random-256"


class SeedFrames:
    """Pick a model in the window, then time seed changes: request → the panel has set the image."""

    def __init__(self, win, model_id: str) -> None:
        from PySide6.QtCore import QEventLoop, QTimer

        win.model_picker.setCurrentIndex(win.model_picker.findData(model_id))
        self.ex = win.explorer
        self.loop = QEventLoop()
        # Connected after the panel's own slot, so the image is already set on the view when this runs. The
        # GUI thread waits in its event loop like a user's window does (busy-polling took a core from torch).
        self.ex.worker.finished.connect(self._on_finished)
        self.guard = QTimer()
        self.guard.setSingleShot(True)
        self.guard.timeout.connect(self.loop.quit)

    def _on_finished(self, key: str, *_a: object) -> None:
        if key == "explorer-main":
            self.loop.quit()

    def __call__(self, seed: int, timeout_ms: int = 30000) -> float:
        t0 = time.perf_counter()
        self.guard.start(timeout_ms)
        self.ex.seed_box.setValue(seed)
        self.loop.exec()
        self.guard.stop()
        return (time.perf_counter() - t0) * 1000

    def close(self) -> None:
        self.ex.worker.finished.disconnect(self._on_finished)


def measure(win, app, model_id: str, frames: int) -> tuple[list[float], float]:
    frame = SeedFrames(win, model_id)
    ex = frame.ex
    frame(1000, 120000)  # warm up (model load, first allocations)
    lat = [frame(2000 + i, 30000) for i in range(frames)]
    frame.close()
    # GUI stall during 200 rapid slider moves.
    meter = StallMeter()
    rng = np.random.RandomState(0)
    for v in rng.randint(0, ex.psi.slider.maximum(), 200):
        ex.psi.slider.setValue(int(v))
        end = time.perf_counter() + 0.005
        while time.perf_counter() < end:
            app.processEvents()
    end = time.perf_counter() + 1.0
    while time.perf_counter() < end:
        app.processEvents()
    return lat, meter.stop()


def open_window() -> tuple[object, list[str], Path]:
    """The main window on a fresh home with the bundled models plus ``random-256``; and the models to time."""
    from gan_studio.core.library.registry import Library
    from gan_studio.ui.main_window import MainWindow

    tmp = Path(tempfile.mkdtemp())
    os.environ["GAN_STUDIO_HOME"] = str(tmp)
    bundled = Library().ids()
    # In a child process: the GUI thread must not run torch. Any torch op on it starts an OpenMP thread pool
    # there, and with two pools on two cores the worker's frames ran 1.6–2.4× slower (measured: 22.5 ms
    # per 64 px frame with torch on the worker thread only, 40–65 ms once the main thread had run torch).
    subprocess.run([sys.executable, __file__, "--make-random-256", str(tmp / "models")], check=True)
    win = MainWindow(settings=QSettings(str(tmp / "s.ini"), QSettings.Format.IniFormat))
    win.show()
    win.load_models()
    return win, [m for m in bundled if m.startswith("stylegen")] + ["random-256"], tmp


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=60)
    ap.add_argument("--no-training", action="store_true", help="skip the run beside a training job")
    ap.add_argument("--make-random-256", metavar="DIR", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.make_random_256:
        make_random_256(Path(args.make_random_256))
        return
    app = QApplication([])
    win, models, tmp = open_window()
    print(f"machine: {machine()}")
    print(f"{'model':28s} {'job':>9s} {'p50 ms':>8s} {'p95 ms':>8s} {'max GUI stall during 200 slider moves':>40s}")
    for training in (False,) if args.no_training else (False, True):
        job = start_training(tmp) if training else None
        # What the window does when its jobs panel runs a job (this one is started here, outside the panel).
        win.worker.share_cores_with_jobs(1 if job else 0)
        try:
            for model_id in models:
                lat, stall = measure(win, app, model_id, args.frames)
                print(
                    f"{model_id:28s} {'training' if job else 'idle':>9s} {np.percentile(lat, 50):8.1f} "
                    f"{np.percentile(lat, 95):8.1f} {stall:38.1f} ms",
                    flush=True,
                )
        finally:
            if job is not None:
                job.terminate()
                job.wait()
    win.close()


def start_training(tmp: Path) -> subprocess.Popen:
    """A fine-tune like the jobs panel starts: separate process, 1 thread, starter → faces; warmed up 20 s."""
    data = Path(__file__).resolve().parent.parent / "data/starter/faces/train"
    if not data.is_dir():
        raise SystemExit("needs data/starter (gan-studio dataset build-starter --out data/starter)")
    cmd = [
        sys.executable,
        "-m",
        "gan_studio.cli",
        "train",
        "--family",
        "stylegen",
        "--data",
        str(data),
        "--out",
        str(tmp / "job"),
        "--base",
        "stylegen-faces-64",
        "--resolution",
        "64",
        "--batch",
        "16",
        "--threads",
        "1",
        "--minutes",
        "30",
        "--progress",
        "none",
        "--arch",
        '{"channel_base":4096,"channel_max":256,"d_channel_base":4096,"d_channel_max":256}',
    ]
    job = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(20)
    return job


if __name__ == "__main__":
    main()
