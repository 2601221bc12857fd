"""The main window: dockable panels, menus, shortcuts, model picker, status bar, drag & drop of recipes."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDockWidget,
    QFileDialog,
    QInputDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QToolBar,
    QWidget,
)

from .messages import esc, plain_labels, warn
from .panels.age import AgePanel
from .panels.explorer import ExplorerPanel
from .panels.jobs import JobsPanel
from .panels.mixer import MixerPanel
from .panels.sketch import SketchPanel
from .panels.text import TextPanel
from .panels.translate import TranslatePanel
from .theme import apply_theme
from .widgets import model_label, model_picker, name_in_tooltip
from .worker import InferenceWorker, shared_library

log = logging.getLogger("gan_studio.ui")
EXPORT_SIZES = ["native", "256", "512", "1024"]


class MainWindow(QMainWindow):
    modelChanged = Signal(str)  # noqa: N815

    def __init__(self, worker: InferenceWorker | None = None, settings: QSettings | None = None) -> None:
        super().__init__()
        self.setWindowTitle("GAN Studio")
        self.setAcceptDrops(True)
        self.settings = settings or QSettings("gan-studio", "gan-studio")
        self.worker = worker or InferenceWorker()
        self.model_id: str | None = None
        self.model_id_at_start: str | None = None  # the explorer restores its last frame for this one only
        self.upscale_id: str | None = None
        self._cards: dict[str, Any] = {}
        self._upscale_target: tuple[Path, str] | None = None

        self.explorer = ExplorerPanel(self.worker)
        self.explorer.directions.settings = self.settings
        self.mixer = MixerPanel(self.worker)
        self.sketch = SketchPanel(self.worker)
        self.translate = TranslatePanel(self.worker)
        self.explorer_dock = self._dock("Latent explorer", self.explorer, "explorerDock")
        self.mixer_dock = self._dock("Style mixing", self.mixer, "mixerDock")
        self.sketch_dock = self._dock("Sketch pad", self.sketch, "sketchDock")
        self.translate_dock = self._dock("Translate", self.translate, "translateDock")
        self.jobs = JobsPanel()
        self.jobs_dock = self._dock("Jobs", self.jobs, "jobsDock")
        self.tabifyDockWidget(self.explorer_dock, self.jobs_dock)
        self.jobs.modelRegistered.connect(self._job_model_registered)
        self.jobs.status.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.jobs.runner.changed.connect(self._share_cores)
        self._share_cores()
        self.docks = {"explorer": self.explorer_dock, "mixer": self.mixer_dock, "sketch": self.sketch_dock,
                      "translate": self.translate_dock}
        self.docks["jobs"] = self.jobs_dock
        self.text = TextPanel(self.worker, settings=self.settings)
        self.text_dock = self._dock("Text prompt", self.text, "textDock")
        self.tabifyDockWidget(self.explorer_dock, self.text_dock)
        self.docks["text"] = self.text_dock
        self.text.asleep = True  # the model and the sentence encoder load when the tab is first shown
        self.text_dock.visibilityChanged.connect(lambda visible: self.text.wake() if visible else None)
        self.text.frameTime.connect(self._frame_time)
        self.text.error.connect(self._show_error)
        self.text.status.connect(lambda msg: self.statusBar().showMessage(msg, 6000))
        self.age = AgePanel(self.worker)
        self.age_dock = self._dock("Age", self.age, "ageDock")
        self.tabifyDockWidget(self.explorer_dock, self.age_dock)
        self.docks["age"] = self.age_dock
        self.age.asleep = True  # like the sketch pad: its model loads when the tab is first opened
        self.age_dock.visibilityChanged.connect(lambda visible: self.age.wake() if visible else None)
        self.age.frameTime.connect(self._frame_time)
        self.age.error.connect(self._show_error)
        self.age.status.connect(lambda msg: self.statusBar().showMessage(msg, 6000))
        for dock in (self.mixer_dock, self.sketch_dock, self.translate_dock):
            self.tabifyDockWidget(self.explorer_dock, dock)
        for panel, dock in ((self.sketch, self.sketch_dock), (self.translate, self.translate_dock),
                            (self.mixer, self.mixer_dock)):
            panel.asleep = True  # their models load (the mixer's grid renders) when the tab is first opened
            dock.visibilityChanged.connect(lambda visible, p=panel: p.wake() if visible else None)
        self.explorer_dock.raise_()
        placeholder = QWidget()
        placeholder.setMaximumSize(0, 0)
        self.setCentralWidget(placeholder)
        self.setDockNestingEnabled(True)

        self.model_picker = model_picker("Model of the explorer and the style mixer (Ctrl+M)", "(no model)")
        tb = QToolBar("Main")
        tb.setObjectName("mainToolbar")
        self._picker_actions = (tb.addWidget(QLabel(" Model ")), tb.addWidget(self.model_picker))
        tb.setMinimumHeight(tb.sizeHint().height())  # hiding the picker must not move the panels up
        self.addToolBar(tb)
        for dock in self.docks.values():
            dock.visibilityChanged.connect(lambda _=False: self._show_picker_for_panels())

        self.device_label = QLabel("device: starting…")
        self.ms_label = QLabel("")
        self.statusBar().addPermanentWidget(self.ms_label)
        self.statusBar().addPermanentWidget(self.device_label)
        plain_labels(self)  # captions and statuses carry image, model and job names: never rich text

        self._menus()
        for panel in (self.explorer, self.mixer, self.sketch, self.translate):
            panel.frameTime.connect(self._frame_time)
            panel.error.connect(self._show_error)
        for panel in (self.sketch, self.translate):
            panel.status.connect(lambda text: self.statusBar().showMessage(text, 6000))
        self.explorer.favouritesChanged.connect(self.mixer.set_favourites)
        self.worker.failed.connect(self._task_failed)
        self.worker.finished.connect(self._task_done)
        self.model_picker.currentIndexChanged.connect(self._picked)
        self.resize(1280, 860)
        geo = self.settings.value("geometry")
        if geo is not None:
            self.restoreGeometry(geo)

    def _dock(self, title: str, widget: QWidget, name: str) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        return dock

    def _action(self, menu, text: str, slot, shortcut: QKeySequence | str | None = None) -> QAction:
        act = QAction(text, self)
        if shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
        act.triggered.connect(slot)
        menu.addAction(act)
        return act

    def _menus(self) -> None:
        mb = self.menuBar()
        f = mb.addMenu("&File")
        self._action(f, "&Open image recipe…", self.open_recipe_dialog, QKeySequence.StandardKey.Open)
        self.import_action = self._action(f, "&Import model…", self.import_model_dialog, "Ctrl+I")
        self.import_action.setStatusTip("Add an NVIDIA .pkl, rosinality .pt or pix2pix/CycleGAN .pth to your library")
        self._action(f, "&Export image…", self.export_image_dialog, "Ctrl+E")
        self._action(f, "Export &grid…", self.export_grid_dialog, "Ctrl+Shift+E")
        self._action(f, "Export &video (walk)…", self.export_video_dialog, "Ctrl+Alt+E")
        self.upscale_action = self._action(f, "Export &upscaled ×4…", self.export_upscaled_dialog, "Ctrl+Shift+U")
        self.upscale_action.setEnabled(False)
        self.upscale_action.setStatusTip("Needs a model with the 'upscale' task in your library")
        f.addSeparator()
        self._action(f, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        e = mb.addMenu("&Edit")
        # One Undo/Redo for the whole window, sent to the panel in use (two shortcuts for one key would
        # cancel each other out as ambiguous).
        self.undo_action = self._action(e, "&Undo", self.undo, QKeySequence.StandardKey.Undo)
        self.redo_action = self._action(e, "&Redo", self.redo)
        # Both usual keys on one action: a hidden second action would have no working shortcut.
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        e.addAction(self._hidden("Random seed", self.explorer.random_seed))
        v = mb.addMenu("&View")
        for dock in self.docks.values():
            v.addAction(dock.toggleViewAction())
        theme = v.addMenu("Theme")
        for name in ("system", "dark", "light"):
            self._action(theme, name.capitalize(), lambda _=False, n=name: self.set_theme(n))
        m = mb.addMenu("&Model")
        self._action(m, "Choose model…", self.choose_model, "Ctrl+M")
        self._action(m, "Model card…", self.show_card)
        h = mb.addMenu("&Help")
        self._action(h, "&About GAN Studio", self.about)

    def _hidden(self, text: str, slot) -> QAction:
        act = QAction(text, self)
        act.triggered.connect(slot)
        return act

    # -- models ----------------------------------------------------------------------------------------
    def _share_cores(self) -> None:
        """Interactive frames get the cores that running training jobs leave free."""
        running = [j for j in self.jobs.runner.store.jobs() if j.status() == "running"]
        self.worker.share_cores_with_jobs(sum(j.spec.threads or (os.cpu_count() or 1) for j in running))

    def load_models(self) -> None:
        """Fill the picker from the library (cards only: no torch needed to list them)."""
        lib = shared_library()
        cards = lib.cards()
        self.sketch.set_cards(cards)
        self.translate.set_cards(cards)
        self.age.set_cards(cards)
        self.text.set_cards(cards)
        self._set_upscaler(next((c for c in cards if "upscale" in c.tasks), None))
        self._cards = {c.id: c for c in cards if "explore" in c.tasks}
        self.model_picker.blockSignals(True)
        self.model_picker.clear()
        for card in self._cards.values():
            self.model_picker.addItem(model_label(card), card.id)
        self.model_picker.blockSignals(False)
        name_in_tooltip(self.model_picker)
        if not self._cards:
            self.explorer.view.set_message("No models found. Run the README's setup, or import one.")
            return
        wanted = self.settings.value("model_id")
        idx = max(0, self.model_picker.findData(wanted)) if wanted else 0
        self.model_picker.setCurrentIndex(idx)
        self._picked(idx)

    # Panels whose model the toolbar picker drives; the others have their own picker in their side column.
    PICKER_PANELS = ("explorer", "mixer")

    def _on_screen(self, name: str) -> bool:
        dock = self.docks[name]
        return dock.isVisible() and not dock.visibleRegion().isEmpty()

    def _show_picker_for_panels(self) -> None:
        """One model picker per panel: the toolbar's only while the explorer or the mixer is on screen."""
        if not all(map(shiboken6.isValid, self._picker_actions)):
            return  # the window is being destroyed: docks report hiding after the toolbar went
        shown = any(self._on_screen(n) for n in self.PICKER_PANELS)
        for act in self._picker_actions:
            act.setVisible(shown)

    def model_combo_for(self, name: str) -> QComboBox | None:
        """The picker that drives panel ``name`` (None for the jobs panel, which has no model)."""
        if name in self.PICKER_PANELS:
            return self.model_picker
        panel = getattr(self, name, None)
        return getattr(panel, "model_combo", None)

    def choose_model(self) -> None:
        """Ctrl+M: open the model list of the panel in use (the toolbar's for the explorer and mixer)."""
        name = self._active()
        combo = self.model_combo_for(name)
        if combo is None:
            self.statusBar().showMessage("The jobs panel has no model: choose one in another panel.", 4000)
            return
        self.show_panel(name)
        combo.setFocus()
        combo.showPopup()

    def _picked(self, idx: int) -> None:
        model_id = self.model_picker.itemData(idx)
        if model_id:
            self.set_model(model_id)

    def set_model(self, model_id: str) -> None:
        card = self._cards.get(model_id) or shared_library().card(model_id)
        self.model_id = model_id
        arch = card.architecture
        # The number of style inputs is the model's own: asked first, so the answer precedes the first frame.
        self.worker.submit("model-facts", model_id, lambda s: s.facts(), convert=False)
        if self.model_id_at_start is None:  # the first model of this run: start where the user left it
            self.model_id_at_start = model_id
            self.explorer.restore_last_frame(card)
        self.explorer.set_model(model_id)
        self.mixer.set_model(model_id, None)  # its layer boxes come with the model's facts
        self.settings.setValue("model_id", model_id)
        self.statusBar().showMessage(f"Model {card.name}: {arch.get('resolution', card.resolution)} px", 4000)
        self.modelChanged.emit(model_id)

    def _facts(self, facts: dict[str, Any]) -> None:
        if facts.get("model_id") != self.model_id:
            return  # an older model's answer
        self.device_label.setText(f"{facts['device']} · {facts.get('precision', 'fp32')}")
        self.device_label.setToolTip("Where and in what precision this model renders: bf16 where it was measured "
                                     "faster on this machine and draws the same image (≥ 40 dB PSNR)")
        self.mixer.set_model(self.model_id, facts)
        self.explorer.directions.set_model(self.model_id, facts)

    def show_card(self) -> None:
        if not self.model_id:
            return
        import json

        card = shared_library().card(self.model_id)
        box = QMessageBox(self)
        box.setWindowTitle(card.name)
        box.setText(f"<b>{esc(card.name)}</b><br>{esc(card.description)}<br>Licence: {esc(card.license)}")
        box.setDetailedText(json.dumps(card.to_json(), indent=2))
        box.exec()

    # -- status / errors ----------------------------------------------------------------------------------
    def _frame_time(self, ms: float) -> None:
        self.ms_label.setText(f"{ms:.0f} ms/frame")

    def _task_done(self, key: str, task_id: int, result: Any, ms: float) -> None:
        if key == "model-facts":
            self._facts(result)
        elif key == "export":
            self.statusBar().showMessage(f"Exported {result}", 6000)
        elif key == "export-upscale-src":
            self._upscale(*result)

    def _task_failed(self, key: str, task_id: int, message: str, tb: str) -> None:
        if key in ("export", "model-facts", "export-upscale-src"):
            self._show_error(message)

    def _show_error(self, message: str) -> None:
        self.statusBar().showMessage(f"⚠ {message}", 10000)

    # -- export ---------------------------------------------------------------------------------------
    def _ask_size(self) -> int | None | bool:
        size, ok = QInputDialog.getItem(self, "Export size", "Pixels", EXPORT_SIZES, 0, False)
        if not ok:
            return False
        return None if size == "native" else int(size)

    def _active(self) -> str:
        """The panel in use: the one holding keyboard focus, else the one on screen (explorer first)."""
        focus = QApplication.focusWidget()
        if focus is not None:
            for name, dock in self.docks.items():
                if dock.isAncestorOf(focus) and self._on_screen(name):  # not a tab the user has left
                    return name
        if not self.explorer_dock.visibleRegion().isEmpty():
            return "explorer"
        shown = [n for n, d in self.docks.items() if d.isVisible() and not d.visibleRegion().isEmpty()]
        return shown[0] if shown else "explorer"

    def undo(self) -> None:
        (self.sketch.undo if self._active() == "sketch" else self.explorer.undo)()

    def redo(self) -> None:
        (self.sketch.redo if self._active() == "sketch" else self.explorer.redo)()

    def export_image(self, path: Path, size: int | None = None) -> int:
        """Render the current view's image with its recipe into ``path`` (PNG) on the worker."""
        from ..core.io.export import export_png

        if not self.model_id:
            raise RuntimeError("no model")
        if self._active() == "mixer":
            req = self.mixer.current_request()
            fn = lambda s: export_png(s.mix_grid(req), path, s.recipe(req))  # noqa: E731
        else:
            req = self.explorer.current_request()
            fn = lambda s: s.export(req, path, size)[0]  # noqa: E731  (a pair model writes each image too)
        return self.worker.submit("export", self.model_id, lambda s: str(fn(s)), convert=False)

    def export_image_dialog(self) -> None:
        active = self._active()
        if active == "text":
            self.text.export_dialog()
            return
        if active == "age":
            self.age.export_dialog()
            return
        if active in ("sketch", "translate"):
            getattr(self, active).export_dialog()
            return
        size = self._ask_size()
        if size is False:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export image", "gan-studio.png", "PNG image (*.png)")
        if path:
            self.export_image(Path(path), size)

    def export_grid_dialog(self) -> None:
        from ..core.io.images import grid, save_png

        if self._active() == "text":
            self.text.export_grid_dialog()
            return
        if self._active() == "age":
            self.age.export_strip_dialog()  # the N ages as one PNG (or GIF / MP4)
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export seed grid", "grid.png", "PNG image (*.png)")
        if not path or not self.model_id:
            return
        reqs, cols = self.explorer.grid_requests(), self.explorer.grid_box.columns  # the page on screen
        self.worker.submit("export", self.model_id,
                           lambda s: (save_png(grid(s.render_many(reqs), cols=cols), Path(path)), path)[1],
                           convert=False)

    # -- upscaled export: the explorer's image through the library's first ×N model ------------------------
    def _set_upscaler(self, card: Any) -> None:
        self.upscale_id = card.id if card is not None else None
        scale = int(card.architecture.get("scale", 4)) if card is not None else 4
        self.upscale_action.setText(f"Export &upscaled ×{scale}…")
        self.upscale_action.setEnabled(card is not None)
        self.upscale_action.setStatusTip(f"Render the explorer's or text panel's image and enlarge it with {card.name}"
                                         if card is not None else
                                         "Needs a model with the 'upscale' task in your library")

    def export_upscaled(self, path: Path, source: str | None = None) -> int | None:
        """Render the focused image of ``source`` (the text panel, else the explorer; default: the panel in
        use) with its model, then upscale and save it with the SR model: two worker tasks, so each model's
        session stays cached and the GUI thread never waits."""
        if not self.upscale_id:
            self._show_error("No upscale model in your library: train or import one (task 'upscale').")
            return None
        if (source or self._active()) == "text":
            model_id, req = self.text.model_id, self.text.focused_request()
            render = lambda s: (s.render(req)[0], s.recipe(req))  # noqa: E731 (one seed: one image)
        else:
            model_id, req = self.model_id, self.explorer.current_request()
            render = lambda s: (s.render(req), s.recipe(req))  # noqa: E731
        if not model_id or req is None:
            self._show_error("No image to upscale: choose a model and make an image first.")
            return None
        self._upscale_target = (Path(path).with_suffix(".png"), self.upscale_id)
        return self.worker.submit("export-upscale-src", model_id, render, convert=False)

    def _upscale(self, img: Any, recipe: dict[str, Any]) -> None:
        from ..core.io.export import export_png

        if self._upscale_target is None:
            return
        path, up_id = self._upscale_target
        self._upscale_target = None
        self.worker.submit("export", up_id,
                           lambda s: str(export_png(s.upscale(img), path, {**recipe, "upscaled": up_id})),
                           convert=False)

    def export_upscaled_dialog(self) -> None:
        if not self.upscale_id:
            self._show_error("No upscale model in your library: train or import one (task 'upscale').")
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export upscaled image", "gan-studio-x4.png",
                                              "PNG image (*.png)")
        if path:
            self.export_upscaled(Path(path))

    def export_video(self, path: Path, fps: int = 24, size: int | None = None) -> int:
        from ..core.io.export import write_video

        req = self.explorer.walk_request()
        if len(req.keys) < 2:
            raise ValueError("add two or more images to the walk first")
        return self.worker.submit("export", self.model_id or "",
                                  lambda s: write_video(s.walk_frames(req), path, fps=fps, size=size).describe(),
                                  convert=False)

    def export_video_dialog(self) -> None:
        if self._active() == "age":
            self.age.export_strip_dialog(".mp4")  # baby → old
            return
        if len(self.explorer.state.path) < 2:
            self._show_error("Add two or more images to the walk first (Explorer → Add to walk).")
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export walk", "walk.mp4",
                                              "MP4 video (*.mp4);;Animated GIF (*.gif)")
        if path:
            from ..core.io.export import MP4_SIZE

            self.export_video(Path(path), size=MP4_SIZE if path.lower().endswith(".mp4") else 256)

    # -- recipes / drag & drop ------------------------------------------------------------------------------
    def open_recipe(self, path: Path) -> None:
        """Restore the state stored in an exported PNG, in the panel that made it (core says which)."""
        from ..core.io.recipe import RecipeError, read_recipe
        from ..core.sessions.recipes import panel_for_recipe

        try:
            recipe = read_recipe(path)
            panel = panel_for_recipe(recipe)
            if panel == "text":
                self._open_text_recipe(recipe)
            elif panel == "age":
                self.age.open_recipe(path)  # an aged face or strip: the age panel restores it (and its errors)
                self.show_panel("age")
                return
            elif panel in ("sketch", "translate"):
                self._open_tool_recipe(panel, recipe, path)
            else:
                self._open_generator_recipe(recipe)
        except (RecipeError, ValueError) as exc:  # one message naming the file (a RecipeError does) and the field
            message = str(exc) if isinstance(exc, RecipeError) else f"{path.name}: {exc}"
            self._show_error(message)
            warn(self, "Cannot open recipe", message)
            return
        self.statusBar().showMessage(f"Restored {path.name}", 5000)

    def _open_generator_recipe(self, recipe: dict[str, Any]) -> None:
        """The explorer's (an image or a walk) or the mixer's state."""
        from ..core.sessions.requests import MixRequest, request_from_recipe

        req = request_from_recipe(recipe)
        if req.model_id != self.model_id:
            idx = self.model_picker.findData(req.model_id)
            if idx < 0:
                raise ValueError(f"This image was made with model {req.model_id!r}, which is not in your library.")
            self.model_picker.setCurrentIndex(idx)
        if isinstance(req, MixRequest):
            self.mixer.set_request(req)
            self.mixer_dock.raise_()
        elif hasattr(req, "keys"):
            from dataclasses import replace

            self.explorer.set_state(replace(self.explorer.state, path=req.keys, t=0.0, walking=True))
        else:
            self.explorer.apply_recipe(req)
            self.explorer_dock.raise_()

    def _open_text_recipe(self, recipe: dict[str, Any]) -> None:
        """A text-prompt export goes to the Text panel (its prompt, seed and variation)."""
        from ..core.sessions.cond_requests import cond_request_from_recipe

        req = cond_request_from_recipe(recipe)
        idx = self.text.model_combo.findData(req.model_id)
        if idx < 0:
            raise ValueError(f"This image was made with text model {req.model_id!r}, which is not in your library.")
        self.text.model_combo.setCurrentIndex(idx)
        self.show_panel("text")
        self.text.apply_request(req)

    def _open_tool_recipe(self, panel: str, recipe: dict[str, Any], path: Path) -> None:
        """A sketch pad painting (its drawing and seed) or a translation (direction, fit, the image translated)."""
        from ..core.sessions.recipes import sketch_from_recipe, translate_from_recipe

        rec = sketch_from_recipe(recipe) if panel == "sketch" else translate_from_recipe(recipe)
        (self.sketch if panel == "sketch" else self.translate).apply_recipe(rec, path)
        self.show_panel(panel)  # wakes the panel: the recipe's model loads once

    def open_recipe_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open image recipe", "", "PNG images (*.png)")
        if path:
            self.open_recipe(Path(path))

    def dragEnterEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 (Qt API)
        from .importer import looks_like_png

        for url in event.mimeData().urls():
            if url.isLocalFile():
                path = Path(url.toLocalFile())
                if looks_like_png(path):
                    self.open_recipe(path)
                else:
                    self.import_model(path)
                break

    # -- importing community checkpoints -------------------------------------------------------------------
    def import_model(self, path: Path, name: str | None = None) -> None:
        """Import off the GUI thread; the result comes back as a message and the model lists refresh."""
        from .importer import ImportJob

        job = ImportJob(Path(path), name, self)
        self._import_jobs = [j for j in getattr(self, "_import_jobs", []) if j.isRunning()] + [job]
        job.done.connect(lambda card, err, p=Path(path): self._imported(p, card, err))
        self.statusBar().showMessage(f"Importing {Path(path).name}…")
        job.start()

    def import_model_dialog(self) -> None:
        from .importer import CHECKPOINT_FILTER

        path, _ = QFileDialog.getOpenFileName(self, "Import model", "", CHECKPOINT_FILTER)
        if path:
            self.import_model(Path(path))

    def _imported(self, path: Path, card: Any, error: str) -> None:
        box = QMessageBox(self)
        if card is None:
            self._show_error(f"Import of {path.name} refused: {error}")
            box.setIcon(QMessageBox.Icon.Warning)
            box.setWindowTitle("Import refused")
            box.setText(f"<b>{esc(path.name)}</b> was not imported.<br>{esc(error)}<br>Nothing from the file was run.")
        else:
            self.load_models()
            panel = "explorer" if "explore" in card.tasks else "translate"
            self.statusBar().showMessage(f"Imported {card.name} ({card.family}) — see the {panel} panel", 8000)
            box.setIcon(QMessageBox.Icon.Information)
            box.setWindowTitle("Model imported")
            box.setText(f"<b>{esc(card.name)}</b> is in your library as <code>{esc(card.id)}</code> "
                        f"({esc(card.family)}, {card.resolution} px; tasks: {esc(', '.join(card.tasks))}).")
            if "explore" in card.tasks:
                idx = self.model_picker.findData(card.id)
                if idx >= 0:
                    self.model_picker.setCurrentIndex(idx)
        self.import_box = box
        box.open()  # not exec(): the window stays responsive

    def _job_model_registered(self, model_id: str) -> None:
        """A fine-tune became a library model: refresh every picker so explorer and mixer can use it now."""
        shared_library().forget(model_id)
        self.load_models()
        self.statusBar().showMessage(f"{model_id} added to your library", 8000)

    def show_panel(self, name: str) -> None:
        if name not in self.docks:
            raise ValueError(f"unknown panel {name!r}; panels: {', '.join(self.docks)}")
        self.docks[name].show()
        self.docks[name].raise_()

    # -- misc -----------------------------------------------------------------------------------------
    def set_theme(self, name: str) -> None:
        self.settings.setValue("theme", name)
        apply_theme(name)

    def about(self) -> None:
        from .about import AboutDialog

        AboutDialog(self).exec()

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        self.settings.setValue("geometry", self.saveGeometry())
        self.explorer._play.stop()
        if self.model_id in self._cards:
            self.explorer.remember_frame(self._cards[self.model_id])
        self.translate.shutdown()
        self.jobs.shutdown()  # jobs keep training; the panel reattaches from their run folders next time
        for job in getattr(self, "_import_jobs", []):
            job.wait()  # an import writes the library atomically; let it finish
        from .projection import cancel_projections

        cancel_projections()  # a running "use my image" stops at its next step, so the worker can end
        self.worker.stop()
        super().closeEvent(event)

