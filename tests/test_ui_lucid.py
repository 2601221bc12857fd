"""An imported lucidrains model in the real window: its own number of style inputs (log2(res) − 1, not StyleGen's
2·log2(res) − 2) reaches the explorer and every mixer preset, and real pixels come back without an error."""

import numpy as np
import pytest
import torch
from PySide6.QtCore import QSettings

from gan_studio.ui.main_window import MainWindow
from gan_studio.ui.qimage import qimage_pixels
from gan_studio.ui.worker import InferenceWorker
from tests.conftest import reference_library
from tests.lucid_fixtures import training_file

LUCID_ID = "lucid-test-64"


@pytest.fixture
def lucid_window(qtbot, tiny_library, tmp_path):
    from gan_studio.core.importers import import_checkpoint

    path = tmp_path / "model_7.pt"
    torch.save(training_file(latent=16, res=64, depth=1, capacity=2), path)
    card = import_checkpoint(path, name="Lucid test 64", library=tiny_library)
    assert card.id == LUCID_ID and card.family == "lucidrains"
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    settings.setValue("model_id", LUCID_ID)
    win = MainWindow(worker=InferenceWorker(), settings=settings)
    qtbot.addWidget(win)
    win.show()
    win.load_models()
    assert win.model_id == LUCID_ID
    qtbot.waitUntil(lambda: win.explorer.shown_image() is not None, timeout=30000)
    yield win
    win.close()


def _session():
    from gan_studio.core.sessions.open import open_session

    return open_session(LUCID_ID, library=reference_library(), device="cpu")


def _rgb(img):
    """What is on screen as RGB (an RGB model's QImage reads back as RGBA with an opaque alpha)."""
    px = qimage_pixels(img)
    assert (px[..., 3] == 255).all()
    return px[..., :3]


def test_explorer_and_every_mixer_preset_on_an_imported_lucidrains_model(lucid_window, qtbot):
    from gan_studio.core.sessions.requests import MixRequest, RenderRequest, Source

    win, sess = lucid_window, _session()
    assert sess.num_ws == 5  # 64 px: one w per block
    errors: list[str] = []
    win.worker.failed.connect(lambda key, tid, message, tb: errors.append(f"{key}: {message}"))
    win.explorer.seed_box.setValue(4)
    want = sess.render(RenderRequest(LUCID_ID, seed=4, psi=0.7))
    qtbot.waitUntil(lambda: np.array_equal(_rgb(win.explorer.shown_image()), want), timeout=20000)

    win.mixer_dock.raise_()
    qtbot.waitUntil(lambda: len(win.mixer.layer_boxes) == sess.num_ws, timeout=20000)
    assert [b.text() for b in win.mixer.layer_boxes] == ["0 (4px)", "1 (8px)", "2 (16px)", "3 (32px)", "4 (64px)"]
    win.mixer.rows_edit.setText("1,2")
    win.mixer.cols_edit.setText("3")
    win.mixer._sources_edited()
    for preset in ("coarse", "middle", "fine"):
        win.mixer.preset_buttons[preset].click()
        req = win.mixer.current_request()
        assert req.layers == sess.layer_groups[preset]
        want = sess.mix_grid(MixRequest(LUCID_ID, rows=(Source.from_seed(1), Source.from_seed(2)),
                                        cols=(Source.from_seed(3),), layers=req.layers, psi=0.7))
        qtbot.waitUntil(lambda w=want: win.mixer.view.image() is not None and
                        np.array_equal(_rgb(win.mixer.view.image()), w), timeout=20000)
        assert "⚠" not in win.mixer.note.text(), preset
    assert win.mixer.groups["fine"] == (4,)
    assert errors == []
