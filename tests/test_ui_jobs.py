"""Jobs panel and fine-tune dialog: families from the registry, the dataset check in the dialog, a real job
run as a separate process with its live view, reattaching after a 'restart', and a registered model
reaching the window's model picker."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QDialogButtonBox

from gan_studio.core.families import dialog_families
from gan_studio.core.jobs import JobSpec, JobStore
from gan_studio.ui.fine_tune_dialog import FineTuneDialog
from gan_studio.ui.job_runner import JobRunner
from gan_studio.ui.panels.jobs import JobsPanel

from .conftest import TINY_ID, TINY_TEXT_ID

ARCH = {"z_dim": 8, "w_dim": 8, "mapping_layers": 1, "channel_base": 32, "channel_max": 8,
        "d_channel_base": 32, "d_channel_max": 8}


def test_dialog_lists_families_and_checks_the_folder(qtbot, tiny_library, image_folder):
    (image_folder / "zero.png").write_bytes(b"")
    dlg = FineTuneDialog(tiny_library.cards())
    qtbot.addWidget(dlg)
    families = [dlg.family.itemData(i) for i in range(dlg.family.count())]
    assert families == [s.name for s in dialog_families()] and families[0] == "stylegen"
    assert {"pix2pix", "sr"} <= set(families)
    assert dlg.base.currentData() == TINY_ID  # transfer from a library model by default
    ok = dlg.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert not ok.isEnabled()
    dlg.set_folder(image_folder)
    dlg.run_check()
    qtbot.waitUntil(lambda: dlg.check is not None, timeout=30000)
    assert "24 usable" in dlg.summary.text() and "1 skipped" in dlg.summary.text()
    assert any("empty file" in dlg.skipped.item(i).text() for i in range(dlg.skipped.count()))
    assert dlg.preview.image() is not None and ok.isEnabled()
    spec = dlg.spec()
    assert spec.data == str(image_folder) and spec.base == TINY_ID and spec.name == image_folder.name
    dlg.family.setCurrentIndex(families.index("sr"))
    assert not dlg.base.isEnabled() and dlg.base.currentData() is None and not ok.isEnabled()
    dlg.family.setCurrentIndex(families.index("text"))  # a captioned folder starts from the library's text model
    assert dlg.base.isEnabled() and dlg.base.currentData() == TINY_TEXT_ID


def test_job_runs_in_a_process_with_live_view_and_reattaches(qtbot, tiny_library, image_folder):
    panel = JobsPanel(JobRunner(poll_ms=300))
    qtbot.addWidget(panel)
    name = panel.start_job(JobSpec(name="tiny", data=str(image_folder), resolution=16, batch=4, minutes=None,
                                   kimg=0.06, arch=ARCH, preview_every_s=0.5, checkpoint_every_s=1e9))
    assert name == "tiny"
    store = JobStore()
    qtbot.waitUntil(lambda: store.get(name).status() == "finished", timeout=120000)
    panel.update_live()
    assert panel.stats.text().startswith("Finished in") and "60 images seen" in panel.stats.text()
    assert "0.06 kimg" in panel.details.text() and "ETA" not in panel.details.text()  # figures: one line down
    assert not panel.log.isVisibleTo(panel)  # the developers' log is one click away
    panel.log_button.click()
    assert panel.log.isVisibleTo(panel) and panel.log_button.text() == "Hide log"
    assert panel.progress.value() == 100
    assert panel.plot.series.get("loss_g") and panel.preview.image() is not None
    assert "loaded 24 images" in panel.log.toPlainText()
    argv = store.get(name).train_argv()
    assert argv[argv.index("--threads") + 1] == "1"  # the explorer keeps the other core
    panel.shutdown()
    # A restarted window: a new panel finds the job and its previews from the run folder alone.
    again = JobsPanel(JobRunner(poll_ms=300))
    qtbot.addWidget(again)
    assert again.list.count() == 1 and "finished" in again.list.item(0).text()
    assert again.current == name and again.preview.image() is not None
    assert again.resume_button.isEnabled() is False and again.register_button.isEnabled()
    again.shutdown()


def test_registered_model_reaches_the_pickers(qtbot, tiny_library, image_folder, tmp_path):
    import subprocess

    from gan_studio.ui.main_window import MainWindow
    from gan_studio.ui.worker import InferenceWorker

    store = JobStore()
    job = store.create(JobSpec(name="mine", data=str(image_folder), resolution=16, batch=4, minutes=None,
                               kimg=0.02, arch=ARCH, preview_every_s=1e9, checkpoint_every_s=1e9))
    store.mark_started(job)
    assert subprocess.run(job.train_argv(), capture_output=True, timeout=120).returncode == 0
    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(worker=InferenceWorker(), settings=settings)
    qtbot.addWidget(win)
    win.load_models()
    assert "jobs" in win.docks
    win.jobs.select("mine")
    with qtbot.waitSignal(win.jobs.modelRegistered, timeout=120000) as sig:
        win.jobs.register_current()
    model_id = sig.args[0]
    assert win.model_picker.findData(model_id) >= 0  # explorer and mixer can use it without a restart
    win.close()


@pytest.mark.parametrize("status,enabled", [("paused", True), ("queued", False)])
def test_resume_button_follows_status(qtbot, image_folder, status, enabled):
    store = JobStore()
    job = store.create(JobSpec(name="b", data=str(image_folder), resolution=16, kimg=1.0))
    job.record["requested"] = "pause" if status == "paused" else "queued"
    job.save()
    runner = JobRunner(poll_ms=10**6)
    runner.max_running = 0  # nothing starts: the test only looks at the buttons
    panel = JobsPanel(runner)
    qtbot.addWidget(panel)
    panel.select("b")
    assert panel.resume_button.isEnabled() is enabled and panel.delete_button.isEnabled()
    panel.shutdown()


def test_the_dialog_shows_the_size_a_fine_tune_really_trains_at(qtbot, tiny_library, image_folder):
    """A fine-tune keeps its base model's size (tiny StyleGen: 16 px): the picker shows that and is locked, so
    the check's preview, the job and the result agree; from scratch any size can be picked (issue 23)."""
    dlg = FineTuneDialog(tiny_library.cards())
    qtbot.addWidget(dlg)
    assert dlg.base.currentData() == TINY_ID
    assert dlg.resolution.currentData() == 16 and not dlg.resolution.isEnabled()
    assert dlg.resolution_note.text() == "the starting model's size"
    dlg.set_folder(image_folder)
    assert dlg.prep().resolution == 16
    dlg.base.setCurrentIndex(dlg.base.findData(None))  # from scratch
    assert dlg.resolution.isEnabled() and dlg.resolution_note.text() == ""
    dlg.resolution.setCurrentIndex(dlg.resolution.findData(64))
    dlg.r1.setValue(0.2)
    spec = dlg.spec()
    assert (spec.resolution, spec.base, spec.r1_gamma) == (64, None, 0.2)
    assert "memorised" in dlg.augment.toolTip() and "discriminator" in dlg.freeze_d.toolTip()
    assert not dlg.r1.isHidden() and not dlg.freeze_d.isHidden()
    dlg.family.setCurrentIndex(dlg.family.findData("dcgan"))  # DCGAN has neither Freeze-D nor R1
    assert dlg.r1.isHidden() and dlg.freeze_d.isHidden() and dlg.r1_label.isHidden()
