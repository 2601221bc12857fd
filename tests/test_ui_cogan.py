"""A CoGAN pair in the real window (issue 22): the explorer shows both images of a seed side by side, names the
two domains, and its export writes the pair and each image."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PySide6.QtCore import QSettings

from gan_studio.ui.main_window import MainWindow
from gan_studio.ui.qimage import qimage_pixels
from gan_studio.ui.worker import InferenceWorker
from tests.test_cogan import ARCH, domains  # noqa: F401  (fixture)


@pytest.fixture
def pair_window(qtbot, tiny_library, tmp_path, domains):  # noqa: F811
    from gan_studio.cli import main

    models = tmp_path / "models"  # tiny_library's bundled folder
    assert main(["train", "--family", "cogan", "--data", str(domains), "--out", str(tmp_path / "run"),
                 "--resolution", "16", "--batch", "8", "--kimg", "0.08", "--arch", json.dumps(ARCH), "--threads", "1",
                 "--preview-every", "1e9", "--export", str(models / "pair"), "--id", "pair"]) == 0
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue("model_id", "pair")
    win = MainWindow(worker=InferenceWorker(), settings=settings)
    qtbot.addWidget(win)
    win.show()
    win.load_models()
    assert win.model_id == "pair"
    qtbot.waitUntil(lambda: win.explorer.shown_image() is not None, timeout=30000)
    yield win
    win.close()


def test_the_explorer_shows_and_exports_both_images_of_a_seed(pair_window, qtbot, tmp_path):
    from PIL import Image

    from gan_studio.core.library.registry import Library
    from gan_studio.core.sessions.open import open_session
    from gan_studio.core.sessions.requests import RenderRequest

    win = pair_window
    sess = open_session("pair", library=Library(), device="cpu")
    win.explorer.seed_box.setValue(7)
    want = sess.render(RenderRequest("pair", seed=7, psi=win.explorer.state.psi))
    qtbot.waitUntil(lambda: np.array_equal(qimage_pixels(win.explorer.shown_image()), want), timeout=20000)
    shown = qimage_pixels(win.explorer.shown_image())
    gap = sess.G.cfg.gap
    assert shown.shape == (16, 32 + gap, 4) and not shown[:, 16:16 + gap, 3].any()
    assert not np.array_equal(shown[:, :16], shown[:, -16:])  # two images, one per domain
    qtbot.waitUntil(lambda: win.explorer.caption.text().startswith("disc  ◂ │ ▸  square · seed 7"), timeout=20000)
    assert not win.explorer.noise_mode.isVisibleTo(win)  # a CoGAN has no noise inputs: no controls for them
    out = tmp_path / "export" / "pair7.png"
    win.export_image(out, 64)
    qtbot.waitUntil(lambda: (tmp_path / "export" / "pair7-square.png").exists(), timeout=20000)
    assert (tmp_path / "export" / "pair7-disc.png").exists()
    assert np.asarray(Image.open(out)).shape == (64, 4 * (32 + gap), 4)
