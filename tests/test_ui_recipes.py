"""Issue 22 in the window: the fine-tune dialog's Recipe group (DCGAN's options from their declarations, the
classic recipes as presets, core refusing what cannot train) reaching the job's `gan-studio train` argv, and
the explorer's class picker for a CGAN, checked on the real pixels it shows."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QDialog, QDialogButtonBox

from gan_studio.core import families
from gan_studio.core.jobs import JobSpec, JobStore
from gan_studio.core.jobs.store import JobError
from gan_studio.ui.fine_tune_dialog import FineTuneDialog
from gan_studio.ui.qimage import qimage_pixels

from .conftest import TINY_ID

CGAN_ID = "tiny-cgan-16"
ARCH = {"ngf": 8, "ndf": 8, "z_dim": 16, "shared_dim": 8}


def _class_folder(root: Path) -> Path:
    """Two classes at 16 px: red circles and blue squares, 8 each."""
    for name, colour in (("circles", (230, 20, 20, 255)), ("squares", (20, 20, 230, 255))):
        (root / name).mkdir(parents=True)
        for i in range(8):
            im = Image.new("RGBA", (16, 16), (255, 255, 255, 255))
            box = [1 + i % 3, 1 + i % 2, 14, 14]
            (ImageDraw.Draw(im).ellipse if name == "circles" else ImageDraw.Draw(im).rectangle)(box, fill=colour)
            im.save(root / name / f"{i}.png")
    return root


# -- the dialog ---------------------------------------------------------------------------------------------
def _dialog(qtbot, cards, folder: Path, family: str = "dcgan", resolution: int = 16) -> FineTuneDialog:
    dlg = FineTuneDialog(cards)
    qtbot.addWidget(dlg)
    dlg.family.setCurrentIndex(dlg.family.findData(family))
    dlg.resolution.setCurrentIndex(dlg.resolution.findData(resolution))
    dlg.set_folder(folder)
    dlg.run_check()
    qtbot.waitUntil(lambda: dlg.check is not None, timeout=30000)
    return dlg


def _ok(dlg: FineTuneDialog):
    return dlg.buttons.button(QDialogButtonBox.StandardButton.Ok)


def test_the_recipe_group_follows_the_familys_declarations(qtbot, tiny_library):
    dlg = FineTuneDialog(tiny_library.cards())
    qtbot.addWidget(dlg)
    assert dlg.family.currentData() == "stylegen" and dlg.recipe.isHidden()  # Freeze-D has its own row
    dlg.family.setCurrentIndex(dlg.family.findData("dcgan"))
    assert not dlg.recipe.isHidden()
    declared = families.trainer("dcgan").options
    assert list(dlg.recipe.widgets) == [o.dest for o in declared]
    loss = dlg.recipe.widgets["loss"]
    assert [loss.itemData(i) for i in range(loss.count())] == ["nsgan", "wgan", "wgan-gp", "hinge"]
    assert loss.toolTip() == declared[0].help and dlg.recipe.widgets["gp_weight"].value() == 10.0
    presets = [dlg.recipe.preset.itemText(i) for i in range(dlg.recipe.preset.count())]
    assert presets[:-1] == [name for name, _ in families.trainer("dcgan").presets] and presets[-1] == "Custom"
    assert dlg.recipe.preset.currentText() == "DCGAN (paper)" and dlg.recipe.values() == {}
    dlg.family.setCurrentIndex(dlg.family.findData("text"))  # its job fixes --imle: not offered twice
    assert "imle_weight" not in dlg.recipe.widgets and "refiner_l1" in dlg.recipe.widgets
    assert dlg.recipe.preset.isHidden()


def test_the_wgan_gp_preset_reaches_the_job_spec_and_its_argv(qtbot, tiny_library, image_folder):
    dlg = _dialog(qtbot, tiny_library.cards(), image_folder)
    dlg.recipe.choose_preset("WGAN-GP")
    assert dlg.recipe.widgets["loss"].currentData() == "wgan-gp" and _ok(dlg).isEnabled()
    dlg.accept()
    assert dlg.result() == QDialog.DialogCode.Accepted
    spec = dlg.spec()
    assert spec.family == "dcgan" and spec.options == {"loss": "wgan-gp"}
    store = JobStore()
    job = store.create(spec, dlg.check)
    argv = store.get(job.name).train_argv()  # from job.json: the options round-trip through JSON
    assert argv[argv.index("--loss") + 1] == "wgan-gp"
    assert not {"--clip", "--gp-weight", "--spectral-norm", "--conditional"} & set(argv)  # defaults stay out
    # Editing a widget leaves the preset: the combo says Custom, and a switch becomes a bare flag.
    dlg.recipe.widgets["spectral_norm"].setChecked(True)
    assert dlg.recipe.preset.currentText() == "Custom"
    assert dlg.spec().options == {"loss": "wgan-gp", "spectral_norm": True}
    assert families.trainer("dcgan").option_args(dlg.spec().options) == ["--loss", "wgan-gp", "--spectral-norm"]


def test_an_attention_size_the_resolution_lacks_is_refused(qtbot, tiny_library, image_folder):
    dlg = _dialog(qtbot, tiny_library.cards(), image_folder)
    assert _ok(dlg).isEnabled()
    dlg.recipe.choose_preset("SAGAN (self-attention + spectral norm)")  # attention on 16 px maps
    assert "attention at 16 px: a 16 px DCGAN has feature maps of 4, 8 px" in dlg.recipe.error.text()
    assert not dlg.recipe.error.isHidden() and not _ok(dlg).isEnabled()
    dlg.accept()
    assert dlg.result() != QDialog.DialogCode.Accepted
    dlg.recipe.widgets["attention"].setValue(8)
    assert dlg.recipe.error.isHidden() and _ok(dlg).isEnabled()
    assert dlg.spec().options == {"loss": "hinge", "attention": 8, "spectral_norm": True}
    dlg.resolution.setCurrentIndex(dlg.resolution.findData(32))  # 8 px maps exist at 32 px too
    assert dlg.recipe.error.isHidden()
    with pytest.raises(JobError, match="attention at 12 px"):  # the job store asks core too
        JobStore().create(replace(dlg.spec(), options={"attention": 12}))
    with pytest.raises(JobError, match="takes no option 'freeze_d'"):
        JobStore().create(replace(dlg.spec(), options={"freeze_d": 1}))


def test_a_cgan_job_from_the_dialog_trains_on_the_folders_classes(qtbot, tiny_library, tmp_path):
    from gan_studio.cli import main

    dlg = FineTuneDialog(tiny_library.cards())
    qtbot.addWidget(dlg)
    dlg.family.setCurrentIndex(dlg.family.findData("dcgan"))
    dlg.recipe.choose_preset("CGAN (class subfolders)")
    assert "one subfolder per class" in dlg.recipe.error.text()  # no folder yet
    flat = tmp_path / "flat"
    flat.mkdir()
    Image.new("RGB", (16, 16)).save(flat / "a.png")
    dlg.set_folder(flat)
    assert "at least two classes" in dlg.recipe.error.text()
    dlg.resolution.setCurrentIndex(dlg.resolution.findData(16))
    dlg.set_folder(_class_folder(tmp_path / "classes"))
    dlg.run_check()
    qtbot.waitUntil(lambda: dlg.check is not None, timeout=30000)
    assert dlg.recipe.error.isHidden() and _ok(dlg).isEnabled()
    spec = replace(dlg.spec(), kimg=0.02, minutes=None, batch=4, arch=ARCH)
    assert spec.options == {"conditional": True}
    job = JobStore().create(spec, dlg.check)
    labels = (job.folder / "data" / "labels.csv").read_text(encoding="utf-8").splitlines()
    assert labels[0] == "file,label" and len(labels) == 17
    assert {row.split(",")[1] for row in labels[1:]} == {"circles", "squares"}
    argv = job.train_argv()
    assert "--conditional" in argv
    assert main(argv[argv.index("train"):]) == 0  # the job's own command, in this process
    saved = json.loads((job.folder / "config.json").read_text(encoding="utf-8"))
    assert saved["arch"]["classes"] == ["circles", "squares"]


def test_an_old_job_json_without_options_still_loads_and_runs(tiny_library, image_folder):
    store = JobStore()
    job = store.create(JobSpec(name="old", data=str(image_folder), family="dcgan", resolution=16, kimg=0.02))
    del job.record["spec"]["options"]  # written before the recipes
    job.save()
    again = store.get("old")
    assert again.spec.options == {} and again.spec.family == "dcgan"
    assert "--loss" not in again.train_argv()
    assert JobSpec.from_json(again.spec.to_json()) == again.spec


@pytest.mark.parametrize("name,values", families.trainer("dcgan").presets)
def test_every_preset_can_train_a_64_px_dcgan(name, values, tmp_path):
    folder = _class_folder(tmp_path / "classes")
    families.trainer("dcgan").check_options(values, 64, 4, str(folder))


# -- the explorer's class picker -------------------------------------------------------------------------------
def _train_cgan(tmp_path: Path) -> None:
    """A tiny CGAN DCGAN (20 steps of 8 at a high rate: its classes already draw apart) into the test library."""
    from gan_studio.cli import main

    code = main(["train", "--family", "dcgan", "--data", str(_class_folder(tmp_path / "classes")),
                 "--out", str(tmp_path / "run"), "--resolution", "16", "--batch", "8", "--kimg", "0.16",
                 "--lr", "1e-3", "--arch", json.dumps(ARCH), "--threads", "1", "--preview-every", "1e9",
                 "--conditional", "--export", str(tmp_path / "models" / CGAN_ID), "--id", CGAN_ID,
                 "--name", "Tiny CGAN"])
    assert code == 0


@pytest.fixture
def window(qtbot, tiny_library, tmp_path):
    from gan_studio.ui.main_window import MainWindow
    from gan_studio.ui.worker import InferenceWorker

    _train_cgan(tmp_path)  # beside the tiny StyleGen in the bundled folder of the test library
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(worker=InferenceWorker(), settings=settings)
    qtbot.addWidget(win)
    win.show()
    win.load_models()
    qtbot.waitUntil(lambda: win.explorer.shown_image() is not None, timeout=30000)
    yield win
    win.close()


def _wait_shown(qtbot, win, expected: np.ndarray) -> None:
    qtbot.waitUntil(lambda: win.explorer.shown_image() is not None and
                    np.array_equal(qimage_pixels(win.explorer.shown_image()), expected), timeout=20000)


def test_the_class_picker_changes_the_pixels_undo_and_recipes_keep_the_class(window, qtbot, tmp_path):
    from gan_studio.core.io.recipe import read_recipe
    from gan_studio.core.library.registry import Library
    from gan_studio.core.sessions.class_conditional import ClassConditionalSession

    ex, picker = window.explorer, window.explorer.class_picker
    window.model_picker.setCurrentIndex(window.model_picker.findData(CGAN_ID))
    qtbot.waitUntil(lambda: not picker.isHidden(), timeout=20000)
    assert picker.classes == ["circles", "squares"] and picker.currentText() == "circles"
    # A library of its own: the window's worker renders the cached nets of the shared one, class and all.
    sess = ClassConditionalSession.open(CGAN_ID, library=Library(), device="cpu")
    req = ex.current_request()
    circles, squares = sess.render(req), sess.render(replace(req, class_name="squares"))
    assert np.abs(circles.astype(int) - squares.astype(int)).max() > 0  # the classes draw different pixels
    _wait_shown(qtbot, window, circles)

    picker.setCurrentIndex(1)
    assert ex.state.class_name == "squares" and "squares" in ex.caption.text()
    _wait_shown(qtbot, window, squares)
    ex.undo()
    assert ex.state.class_name is None and picker.currentText() == "circles"
    _wait_shown(qtbot, window, circles)
    ex.redo()
    assert picker.currentText() == "squares"
    _wait_shown(qtbot, window, squares)

    out = tmp_path / "square.png"  # the class travels in the export's recipe, and reopening picks it
    with qtbot.waitSignal(window.worker.finished, timeout=20000, check_params_cb=lambda key, *a: key == "export"):
        window.export_image(out)
    assert read_recipe(out)["class_name"] == "squares"
    picker.setCurrentIndex(0)
    _wait_shown(qtbot, window, circles)
    window.open_recipe(out)
    assert ex.state.class_name == "squares" and picker.currentText() == "squares"
    _wait_shown(qtbot, window, squares)

    window.model_picker.setCurrentIndex(window.model_picker.findData(TINY_ID))  # an unconditional StyleGen
    assert ex.state.class_name is None
    qtbot.waitUntil(lambda: window.mixer.num_ws > 0, timeout=20000)  # its facts have arrived: no classes
    assert picker.isHidden()
    _wait_shown(qtbot, window, ClassConditionalSession.open(TINY_ID, library=Library(), device="cpu")
                .render(ex.current_request()))


def test_a_cogan_job_from_the_dialog_trains_on_two_unpaired_folders(qtbot, tiny_library, tmp_path):
    from gan_studio.cli import main
    from tests.test_cogan import domains as make_domains

    root = make_domains.__wrapped__(tmp_path)
    dlg = FineTuneDialog(tiny_library.cards())
    qtbot.addWidget(dlg)
    dlg.family.setCurrentIndex(dlg.family.findData("cogan"))
    assert dlg.family.currentData() == "cogan" and not dlg.base.isEnabled()  # CoGAN trains from scratch
    assert dlg.recipe.widgets["pair_loss"].currentText() == "hinge"
    dlg.set_folder(root)
    dlg.resolution.setCurrentIndex(dlg.resolution.findData(16))
    spec = replace(dlg.spec(), minutes=None, kimg=0.02, batch=4, arch={"ngf": 8, "ndf": 8, "z_dim": 16})
    job = JobStore().create(spec, None)
    argv = job.train_argv()
    assert main(argv[argv.index("train"):]) == 0
    saved = json.loads((job.folder / "config.json").read_text(encoding="utf-8"))
    assert saved["family"] == "cogan" and saved["data"] == str(root)
