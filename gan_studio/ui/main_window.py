"""The main window: dockable panels (one dict, ui/panels/contract.py), the toolbar model picker, the status bar,
drag & drop of recipes; its menus are in menus.py, the upscaled export in upscale_export.py, imports in importer.py."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QSettings, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QDockWidget,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QToolBar,
    QWidget,
)

from .export_size import CHOSEN
from .export_size import install as install_export_size
from .importer import ImportsModels
from .menus import build_menus
from .messages import esc, plain_labels, warn
from .model_picker import model_label, model_picker, name_in_tooltip
from .panels.age import AgePanel
from .panels.contract import Panel
from .panels.explorer import ExplorerPanel
from .panels.jobs import JobsPanel
from .panels.mixer import MixerPanel
from .panels.sketch import SketchPanel
from .panels.text import TextPanel
from .panels.translate import TranslatePanel
from .theme import apply_theme
from .upscale_export import UpscaleExport
from .worker import Call, InferenceWorker, shared_library

log = logging.getLogger("gan_studio.ui")


class MainWindow(UpscaleExport, ImportsModels, QMainWindow):
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

        self.explorer = ExplorerPanel(self.worker)
        self.explorer.directions.settings = self.settings
        self.mixer = MixerPanel(self.worker)
        self.explorer.pick_model = self.mixer.pick_model = self._pick_toolbar_model  # their recipes' model
        self.sketch = SketchPanel(self.worker)
        self.translate = TranslatePanel(self.worker)
        self.jobs = JobsPanel()
        self.text = TextPanel(self.worker, settings=self.settings)
        self.age = AgePanel(self.worker)
        # The order of the View menu and of the search for the panel on screen; the explorer comes first.
        self.panels: dict[str, Panel] = {p.name: p for p in (self.explorer, self.mixer, self.sketch, self.translate,
                                                             self.jobs, self.text, self.age)}
        self.docks: dict[str, QDockWidget] = {}
        self._shown_tabs: dict[str, bool] = {}
        for name, panel in self.panels.items():
            self.docks[name] = self._dock(panel.title, panel, f"{name}Dock")
            setattr(self, f"{name}_dock", self.docks[name])  # explorer_dock, mixer_dock, …
            if hasattr(panel, "wake"):  # its model loads (the mixer's grid renders) when the tab is first shown
                panel.asleep = True
                self.docks[name].visibilityChanged.connect(lambda visible, n=name: self._tab_visible(n, visible))
            if hasattr(panel, "frameTime"):  # a panel that renders: its frame times, errors and exports' outcomes
                panel.frameTime.connect(self._frame_time)
                panel.error.connect(self._show_error)
                panel.status.connect(lambda msg: self.statusBar().showMessage(msg, 6000))
        for name in ("jobs", "text", "age", "mixer", "sketch", "translate"):  # the tabs, in this order
            self.tabifyDockWidget(self.explorer_dock, self.docks[name])
        self.jobs.modelRegistered.connect(self._job_model_registered)
        self.jobs.status.connect(lambda text: self.statusBar().showMessage(text, 8000))
        self.jobs.runner.changed.connect(self._share_cores)
        self._share_cores()
        self.explorer_dock.raise_()
        placeholder = QWidget()
        placeholder.setMaximumSize(0, 0)
        self.setCentralWidget(placeholder)
        self.setDockNestingEnabled(True)

        self.model_picker = model_picker("Model of the explorer and the style mixer (Ctrl+M)", "(no model)")
        tb = QToolBar("Main")
        tb.setObjectName("mainToolbar")
        self._picker_actions = (tb.addWidget(QLabel(" Model ")), tb.addWidget(self.model_picker),
                                *install_export_size(self, tb))  # the explorer's and the mixer's export size
        tb.setMinimumHeight(tb.sizeHint().height())  # hiding the picker must not move the panels up
        self.addToolBar(tb)
        for dock in self.docks.values():
            dock.visibilityChanged.connect(lambda _=False: self._show_picker_for_panels())

        self.device_label = QLabel("device: starting…")
        self.ms_label = QLabel("")
        self.statusBar().addPermanentWidget(self.ms_label)
        self.statusBar().addPermanentWidget(self.device_label)
        plain_labels(self)  # captions and statuses carry image, model and job names: never rich text

        build_menus(self)
        self.explorer.favouritesChanged.connect(self.mixer.set_favourites)
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
        from ..core.jobs.spec import STARTER_MODEL

        wanted = self.settings.value("model_id") or STARTER_MODEL  # a first start opens on the starter faces
        idx = max(0, self.model_picker.findData(wanted))
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
        return getattr(self.panels.get(name), "model_combo", None)

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

    def _pick_toolbar_model(self, model_id: str) -> None:
        """A recipe of the explorer or the mixer names its model: switch the toolbar's picker to it."""
        if model_id == self.model_id:
            return
        idx = self.model_picker.findData(model_id)
        if idx < 0:
            raise ValueError(f"This image was made with model {model_id!r}, which is not in your library.")
        self.model_picker.setCurrentIndex(idx)

    def _picked(self, idx: int) -> None:
        model_id = self.model_picker.itemData(idx)
        if model_id:
            self.set_model(model_id)

    def set_model(self, model_id: str) -> None:
        card = self._cards.get(model_id) or shared_library().card(model_id)
        self.model_id = model_id
        arch = card.architecture
        # The number of style inputs is the model's own: asked first, so the answer precedes the first frame.
        self.worker.request("model-facts", model_id, Call("facts"), convert=False).then(self._facts, self._show_error)
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
        self.explorer.set_classes(facts.get("classes") or [], facts.get("class_index"))
        self.explorer.set_domains(facts.get("domains"))
        self.explorer.set_noise_available(bool(facts.get("noise", True)))

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

    def _show_error(self, message: str) -> None:
        self.statusBar().showMessage(f"⚠ {message}", 10000)

    # -- the panel in use: undo, redo and exports go to it ------------------------------------------------
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

    def _action_of_active(self, action: str) -> Callable[[], None]:
        """The panel in use's ``action`` (panels/contract.py), or the explorer's where that panel has none."""
        return getattr(self.panels[self._active()], action) or getattr(self.explorer, action)

    def undo(self) -> None:
        self._action_of_active("undo")()

    def redo(self) -> None:
        self._action_of_active("redo")()

    def export_image_dialog(self) -> None:
        self._action_of_active("export_dialog")()

    def export_grid_dialog(self) -> None:
        self._action_of_active("export_grid_dialog")()

    def export_video_dialog(self) -> None:
        self._action_of_active("export_video_dialog")()

    def export_image(self, path: Path, size: int | None | str = CHOSEN) -> int:
        """Render the image of the toolbar model's panel in use (the mixer's grid, else the explorer's) into
        ``path`` (PNG with its recipe) on the worker, at ``size`` (default: the toolbar's export size)."""
        name = self._active()
        return (self.panels[name] if name in self.PICKER_PANELS else self.explorer).export(path, size)

    def export_video(self, path: Path, fps: int = 24, size: int | None = None) -> int:
        """The explorer's walk as MP4 or GIF."""
        return self.explorer.export_video(path, fps=fps, size=size)

    # -- recipes / drag & drop ------------------------------------------------------------------------------
    def open_recipe(self, path: Path) -> None:
        """Restore the state stored in an exported PNG, in the panel that made it (core says which)."""
        from ..core.io.recipe import RecipeError, read_recipe
        from ..core.sessions.recipes import panel_for_recipe

        try:
            recipe = read_recipe(path)
            name = panel_for_recipe(recipe)
            announce = self.panels[name].restore_recipe(recipe, path)
        except (RecipeError, ValueError) as exc:  # one message naming the file (a RecipeError does) and the field
            message = str(exc) if isinstance(exc, RecipeError) else f"{path.name}: {exc}"
            self._show_error(message)
            warn(self, "Cannot open recipe", message)
            return
        self.show_panel(name)  # wakes the panel: the recipe's model loads once
        if announce:
            self.statusBar().showMessage(f"Restored {path.name}", 5000)

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
        if hasattr(self.panels[name], "wake"):
            self.panels[name].wake()

    def _tab_visible(self, name: str, visible: bool) -> None:
        """Wake a panel whose tab stays raised: while the window first shows, Qt raises a tabbed dock for a
        moment before the explorer's, and that glimpse must not load the panel's model."""
        self._shown_tabs[name] = visible
        if visible:
            QTimer.singleShot(0, lambda: self.panels[name].wake() if self._shown_tabs.get(name) else None)

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

