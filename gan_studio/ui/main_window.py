"""The main window: dockable panels, menus, shortcuts, model picker, status bar, drag & drop of recipes."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
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

from .. import __version__
from .panels.explorer import ExplorerPanel
from .panels.mixer import MixerPanel
from .theme import apply_theme
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
        self._cards: dict[str, Any] = {}

        self.explorer = ExplorerPanel(self.worker)
        self.mixer = MixerPanel(self.worker)
        self.explorer_dock = self._dock("Latent explorer", self.explorer, "explorerDock")
        self.mixer_dock = self._dock("Style mixing", self.mixer, "mixerDock")
        self.tabifyDockWidget(self.explorer_dock, self.mixer_dock)
        self.explorer_dock.raise_()
        placeholder = QWidget()
        placeholder.setMaximumSize(0, 0)
        self.setCentralWidget(placeholder)
        self.setDockNestingEnabled(True)

        self.model_picker = QComboBox()
        self.model_picker.setMinimumWidth(320)
        self.model_picker.setToolTip("Model (Ctrl+M)")
        tb = QToolBar("Main")
        tb.setObjectName("mainToolbar")
        tb.addWidget(QLabel(" Model "))
        tb.addWidget(self.model_picker)
        self.addToolBar(tb)

        self.device_label = QLabel("device: starting…")
        self.ms_label = QLabel("")
        self.statusBar().addPermanentWidget(self.ms_label)
        self.statusBar().addPermanentWidget(self.device_label)

        self._menus()
        self.explorer.frameTime.connect(self._frame_time)
        self.mixer.frameTime.connect(self._frame_time)
        self.explorer.error.connect(self._show_error)
        self.mixer.error.connect(self._show_error)
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
        self._action(f, "&Export image…", self.export_image_dialog, "Ctrl+E")
        self._action(f, "Export &grid…", self.export_grid_dialog, "Ctrl+Shift+E")
        self._action(f, "Export &video (walk)…", self.export_video_dialog, "Ctrl+Alt+E")
        f.addSeparator()
        self._action(f, "&Quit", self.close, QKeySequence.StandardKey.Quit)
        e = mb.addMenu("&Edit")
        self._action(e, "&Undo", self.explorer.undo, QKeySequence.StandardKey.Undo)
        self._action(e, "&Redo", self.explorer.redo, "Ctrl+Shift+Z")
        self._action(e, "Redo (alt)", self.explorer.redo, "Ctrl+Y").setVisible(False)
        e.addAction(self._hidden("Random seed", self.explorer.random_seed))
        v = mb.addMenu("&View")
        v.addAction(self.explorer_dock.toggleViewAction())
        v.addAction(self.mixer_dock.toggleViewAction())
        theme = v.addMenu("Theme")
        for name in ("system", "dark", "light"):
            self._action(theme, name.capitalize(), lambda _=False, n=name: self.set_theme(n))
        m = mb.addMenu("&Model")
        self._action(m, "Choose model…", lambda: self.model_picker.showPopup(), "Ctrl+M")
        self._action(m, "Model card…", self.show_card)
        h = mb.addMenu("&Help")
        self._action(h, "&About GAN Studio", self.about)

    def _hidden(self, text: str, slot) -> QAction:
        act = QAction(text, self)
        act.triggered.connect(slot)
        return act

    # -- models ----------------------------------------------------------------------------------------
    def load_models(self) -> None:
        """Fill the picker from the library (cards only: no torch needed to list them)."""
        lib = shared_library()
        self._cards = {c.id: c for c in lib.cards() if "explore" in c.tasks}
        self.model_picker.blockSignals(True)
        self.model_picker.clear()
        for card in self._cards.values():
            self.model_picker.addItem(f"{card.name}  ({card.resolution}px)", card.id)
        self.model_picker.blockSignals(False)
        if not self._cards:
            self.explorer.view.set_message("No models found. Run the README's setup, or import one.")
            return
        wanted = self.settings.value("model_id")
        idx = max(0, self.model_picker.findData(wanted)) if wanted else 0
        self.model_picker.setCurrentIndex(idx)
        self._picked(idx)

    def _picked(self, idx: int) -> None:
        model_id = self.model_picker.itemData(idx)
        if model_id:
            self.set_model(model_id)

    def set_model(self, model_id: str) -> None:
        card = self._cards.get(model_id) or shared_library().card(model_id)
        self.model_id = model_id
        arch = card.architecture
        num_ws = 2 * (int(card.resolution).bit_length() - 1) - 2
        self.explorer.set_model(model_id, num_ws)
        self.mixer.set_model(model_id, num_ws, card.resolution)
        self.settings.setValue("model_id", model_id)
        self.statusBar().showMessage(f"Model {card.name}: {arch.get('resolution', card.resolution)} px", 4000)
        self.worker.submit("device", model_id, lambda s: _describe_device(s), convert=False)
        self.modelChanged.emit(model_id)

    def show_card(self) -> None:
        if not self.model_id:
            return
        import json

        card = shared_library().card(self.model_id)
        box = QMessageBox(self)
        box.setWindowTitle(card.name)
        box.setText(f"<b>{card.name}</b><br>{card.description}<br>Licence: {card.license}")
        box.setDetailedText(json.dumps(card.to_json(), indent=2))
        box.exec()

    # -- status / errors ----------------------------------------------------------------------------------
    def _frame_time(self, ms: float) -> None:
        self.ms_label.setText(f"{ms:.0f} ms/frame")

    def _task_done(self, key: str, task_id: int, result: Any, ms: float) -> None:
        if key == "device":
            self.device_label.setText(str(result))
        elif key == "export":
            self.statusBar().showMessage(f"Exported {result}", 6000)

    def _task_failed(self, key: str, task_id: int, message: str, tb: str) -> None:
        if key in ("export", "device"):
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
        return "mixer" if self.mixer_dock.isVisible() and not self.mixer_dock.visibleRegion().isEmpty() \
            and self.explorer_dock.visibleRegion().isEmpty() else "explorer"

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
            fn = lambda s: export_png(s.render(req), path, s.recipe(req), size=size)  # noqa: E731
        return self.worker.submit("export", self.model_id, lambda s: str(fn(s)), convert=False)

    def export_image_dialog(self) -> None:
        size = self._ask_size()
        if size is False:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export image", "gan-studio.png", "PNG image (*.png)")
        if path:
            self.export_image(Path(path), size)

    def export_grid_dialog(self) -> None:
        from ..core.io.images import grid, save_png

        path, _ = QFileDialog.getSaveFileName(self, "Export seed grid", "grid.png", "PNG image (*.png)")
        if not path or not self.model_id:
            return
        from ..core.sessions.requests import RenderRequest

        s0 = self.explorer.state
        reqs = [RenderRequest(self.model_id, seed=s0.grid_base + i, psi=s0.psi, noise_mode=s0.noise_mode,
                              noise_strength=s0.noise_strength) for i in range(16)]
        self.worker.submit("export", self.model_id,
                           lambda s: (save_png(grid(s.render_many(reqs), cols=8), Path(path)), path)[1],
                           convert=False)

    def export_video(self, path: Path, fps: int = 24, size: int | None = None) -> int:
        from ..core.io.export import write_video

        req = self.explorer.walk_request()
        if len(req.keys) < 2:
            raise ValueError("add two or more images to the walk first")
        return self.worker.submit("export", self.model_id or "",
                                  lambda s: str(write_video(s.walk_frames(req), path, fps=fps, size=size)),
                                  convert=False)

    def export_video_dialog(self) -> None:
        if len(self.explorer.state.path) < 2:
            self._show_error("Add two or more images to the walk first (Explorer → Add to walk).")
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export walk", "walk.mp4",
                                              "MP4 video (*.mp4);;Animated GIF (*.gif)")
        if path:
            self.export_video(Path(path), size=256)

    # -- recipes / drag & drop ------------------------------------------------------------------------------
    def open_recipe(self, path: Path) -> None:
        """Restore the explorer or mixer state stored in an exported PNG."""
        from ..core.io.recipe import RecipeError, read_recipe
        from ..core.sessions.requests import MixRequest, request_from_recipe

        try:
            req = request_from_recipe(read_recipe(path))
        except (RecipeError, ValueError) as exc:
            self._show_error(str(exc))
            QMessageBox.warning(self, "Cannot open recipe", str(exc))
            return
        if req.model_id != self.model_id:
            idx = self.model_picker.findData(req.model_id)
            if idx < 0:
                msg = f"This image was made with model {req.model_id!r}, which is not in your library."
                self._show_error(msg)
                QMessageBox.warning(self, "Model not found", msg)
                return
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
        self.statusBar().showMessage(f"Restored {path.name}", 5000)

    def open_recipe_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open image recipe", "", "PNG images (*.png)")
        if path:
            self.open_recipe(Path(path))

    def dragEnterEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 (Qt API)
        for url in event.mimeData().urls():
            if url.isLocalFile():
                self.open_recipe(Path(url.toLocalFile()))
                break

    def show_panel(self, name: str) -> None:
        {"explorer": self.explorer_dock, "mixer": self.mixer_dock}[name].raise_()

    # -- misc -----------------------------------------------------------------------------------------
    def set_theme(self, name: str) -> None:
        self.settings.setValue("theme", name)
        apply_theme(name)

    def about(self) -> None:
        QMessageBox.about(self, "About GAN Studio",
                          f"<b>GAN Studio {__version__}</b><br>Local, offline GAN image studio.<br>"
                          "Bundled models were trained by us on Noto Color Emoji (SIL OFL-1.1).")

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        self.settings.setValue("geometry", self.saveGeometry())
        self.explorer._play.stop()
        self.worker.stop()
        super().closeEvent(event)


def _describe_device(session: Any) -> str:
    from ..core.device import describe

    return describe(session.device)
