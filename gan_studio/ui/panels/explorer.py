"""Latent explorer: seeds, a seed grid, favourites, ψ, noise, the class of a class-conditional model, walks
between chosen images, undo/redo."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QWidget,
)

from ..projection import ImageProjector, ask_image, dropped_image, read_image
from ..widgets import MAX_SEED, Thumb
from ..worker import Call
from .explorer_export import ExplorerExports
from .explorer_layout import ExplorerLayout
from .explorer_state import ExplorerState, History


class ExplorerPanel(ExplorerLayout, ExplorerExports, QWidget):
    name, title = "explorer", "Latent explorer"
    frameTime = Signal(float)  # noqa: N815 (Qt naming)
    error = Signal(str)
    status = Signal(str)  # an export's outcome, for the window's status bar
    favouritesChanged = Signal(list)  # noqa: N815

    def __init__(self, worker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.model_id: str | None = None
        self.history = History(ExplorerState())
        self.favourites: list[Any] = []
        self._shown = {"main": 0, "grid": 0}
        self._pending_main = 0  # id of the newest main render asked for
        self._held: bool | None = None  # renders wait for a restored frame's paint (True: with the grid)
        self.projector = ImageProjector(worker, "project-explorer", self)  # "use my image"
        self._build()
        self.setAcceptDrops(True)
        self._play = QTimer(self)
        self._play.setInterval(40)
        self._play.timeout.connect(self._advance_walk)

    # -- state ----------------------------------------------------------------------------------------
    @property
    def state(self) -> ExplorerState:
        return self.history.current

    def change(self, key: str = "", **fields: Any) -> None:
        new = replace(self.state, **fields)
        if new == self.state:
            return
        grid_dirty = any(getattr(new, f) != getattr(self.state, f)
                         for f in ("psi", "noise_mode", "noise_strength", "grid_base", "class_name"))
        self.history.push(new, key)
        self._sync_controls()
        self.refresh(grid=grid_dirty)

    def set_state(self, state: ExplorerState) -> None:
        self.history.push(state)
        self._sync_controls()
        self.refresh(grid=True)

    def undo(self) -> None:
        if self.history.undo() is not None:
            self._sync_controls()
            self.refresh(grid=True)

    def redo(self) -> None:
        if self.history.redo() is not None:
            self._sync_controls()
            self.refresh(grid=True)

    def _sync_controls(self) -> None:
        s = self.state
        for w in (self.seed_box, self.noise_mode):
            w.blockSignals(True)
        self.seed_box.setValue(s.seed)
        self.noise_mode.setCurrentText(s.noise_mode)
        for w in (self.seed_box, self.noise_mode):
            w.blockSignals(False)
        self.psi.set_value(s.psi, emit=False)
        self.noise_strength.set_value(s.noise_strength, emit=False)
        self.directions.show_edits(s.edits)
        self.class_picker.show_class(s.class_name)
        n = len(s.path)
        self.t_slider.set_range(0.0, max(1.0, n - 1.0))
        self.t_slider.set_value(s.t, emit=False)
        self.t_slider.setEnabled(n >= 2)
        self.play_btn.setEnabled(n >= 2)
        self.path_label.setText(" → ".join(src.describe() for src in s.path) if s.path else
                                "Add two or more images to walk between them.")
        for i, th in enumerate(self.thumbs):
            th.payload = s.grid_base + i
            th.setText(str(s.grid_base + i))
            th.setChecked(s.latent is None and not s.walking and th.payload == s.seed)

    def page_size(self) -> int:
        """Seeds on a page of the grid (two rows as wide as the panel)."""
        return self.grid_box.page_size()

    def _page(self, step: int) -> None:
        self.change(grid_base=max(0, self.state.grid_base + step * self.page_size()))

    def _page_resized(self, _n: int) -> None:
        self._sync_controls()
        self.refresh_grid()

    def random_seed(self) -> None:
        self.change(seed=random.randrange(MAX_SEED), latent=None, walking=False)

    def _pick_seed(self, seed: int) -> None:
        self.change(seed=int(seed), latent=None, walking=False)

    # -- model ---------------------------------------------------------------------------------------
    def set_model(self, model_id: str | None) -> None:
        if model_id != self.model_id and self.state.edits:  # another model's directions mean other things
            self.history.push(replace(self.state, edits=()))
        if model_id != self.model_id and self.model_id is not None and self.state.class_name is not None:
            self.history.push(replace(self.state, class_name=None))  # another model's classes are others
        if model_id != self.model_id:
            self.set_classes([])  # until the model's facts say which it has
            self._pair = ""
        self.model_id = model_id
        self.directions.set_model(model_id)
        self._sync_controls()
        self.refresh(grid=True)

    def set_noise_available(self, on: bool) -> None:
        """Hide the noise controls for a model without noise inputs (DCGAN, CoGAN): they would do nothing."""
        self._form.setRowVisible(self.noise_mode, on)
        self._form.setRowVisible(self.noise_strength, on)

    def set_domains(self, domains: list[str] | None) -> None:
        """A pair model's two domains (CoGAN), named left and right under the image; None: a one-image model."""
        self._pair = f"{domains[0]}  ◂ │ ▸  {domains[1]} · " if domains and len(domains) == 2 else ""
        if self.model_id:
            self.caption.setText(self._describe(self.current_request()))

    def set_classes(self, classes: list[str], current: int | None = None) -> None:
        """The model's classes from its facts (none: no class picker) and the one it draws by default."""
        self.class_picker.set_classes(list(classes), current)
        self.class_picker.show_class(self.state.class_name)
        self._form.setRowVisible(self.class_picker, bool(classes))

    def current_source(self) -> Any:
        from ...core.sessions.requests import Source

        s = self.state
        return s.latent if s.latent is not None else Source.from_seed(s.seed)

    def current_request(self) -> Any:
        from ...core.sessions.requests import RenderRequest

        s = self.state
        common = {"psi": s.psi, "noise_mode": s.noise_mode, "noise_strength": s.noise_strength, "edits": s.edits,
                  "class_name": s.class_name}
        if s.walking and len(s.path) >= 2:
            return RenderRequest(self.model_id or "", path=s.path, t=s.t, **common)
        return RenderRequest(self.model_id or "", source=self.current_source(), **common)

    def refresh(self, grid: bool = False) -> None:
        if not self.model_id:
            self.view.set_message("No model loaded")
            return
        if self._held is not None:  # a restored frame is not on screen yet: the first task would delay it
            self._held = self._held or grid
            return
        req = self.current_request()
        handle = self.worker.request("explorer-main", self.model_id, Call("render", req))
        handle.returned.connect(lambda image, ms, i=handle.id: self._main_rendered(i, image, ms))
        handle.errored.connect(lambda message, _tb: self._render_failed(message))
        self._pending_main = handle.id
        self.caption.setText(self._describe(req))
        if grid:
            self.refresh_grid()

    def grid_requests(self) -> list[Any]:
        """One request per seed of the page on screen, with the main image's ψ and noise."""
        from ...core.sessions.requests import RenderRequest

        s = self.state
        return [RenderRequest(self.model_id or "", seed=s.grid_base + i, psi=s.psi, noise_mode=s.noise_mode,
                              noise_strength=s.noise_strength, class_name=s.class_name)
                for i in range(self.page_size())]

    def refresh_grid(self) -> None:
        if not self.model_id or self._held is not None:
            if self._held is not None:
                self._held = True
            return
        handle = self.worker.request("explorer-grid", self.model_id, Call("render_many", self.grid_requests()))
        handle.then(lambda images, i=handle.id: self._grid_rendered(i, images), self._render_failed)

    def _describe(self, req: Any) -> str:
        what = f"walk t={req.t:.2f}" if req.path else req.sources()[0].describe()
        edits = f" · {len(req.edits)} edit{'s' if len(req.edits) > 1 else ''}" if req.edits else ""
        cls = f" · {req.class_name}" if req.class_name else ""
        return f"{self._pair}{what}{cls} · ψ {req.psi:.2f} · noise {req.noise_mode}{edits}"

    def _main_rendered(self, task_id: int, image: QImage, ms: float) -> None:
        if task_id > self._shown["main"]:
            self._shown["main"] = task_id
            self.view.set_image(image)
            self.frameTime.emit(ms)

    def _grid_rendered(self, task_id: int, images: list[QImage]) -> None:
        if task_id > self._shown["grid"]:
            self._shown["grid"] = task_id
            for th, img in zip(self.thumbs, images, strict=False):
                th.set_image(img)

    def _render_failed(self, message: str) -> None:
        self.view.set_message(f"Could not render: {message}")
        self.error.emit(message)

    def shown_image(self) -> QImage | None:
        return self.view.image()

    # -- favourites and walks ---------------------------------------------------------------------------
    def add_favourite(self) -> None:
        src = self.current_source()
        if src in self.favourites:
            return
        self.favourites.append(src)
        idx = len(self.favourites) - 1
        th = Thumb(src, side=72)
        th.setText(src.describe())
        th.setCheckable(False)
        th.setToolTip("Click to show; right-click to add to the walk")
        th.clicked.connect(lambda _=False, s=src: self.show_source(s))
        th.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        th.customContextMenuRequested.connect(lambda _p, s=src: self.change(path=self.state.path + (s,)))
        self.fav_strip.insertWidget(idx, th)
        self.fav_stack.set_empty(False)
        if self.model_id:
            from ...core.sessions.requests import RenderRequest

            req = RenderRequest(self.model_id, source=src, psi=self.state.psi, class_name=self.state.class_name)
            self.worker.request(f"explorer-fav-{idx}", self.model_id, Call("render", req)).then(
                lambda img, i=idx: self._fav_rendered(i, img), self._render_failed)
        self.favouritesChanged.emit(list(self.favourites))

    def _fav_rendered(self, idx: int, image: QImage) -> None:
        if idx < self.fav_strip.count() - 1:  # the strip's last item is its stretch
            self.fav_strip.itemAt(idx).widget().set_image(image)

    def show_source(self, src: Any) -> None:
        if src.seed is not None:
            self.change(seed=src.seed, latent=None, walking=False)
        else:
            self.change(latent=src, walking=False)

    # -- use my image: a projected latent becomes a favourite, mixable and walkable like a seed ----------------
    def use_image_dialog(self) -> None:
        path = ask_image(self)
        if path is not None:
            self.use_image(path)

    def use_image(self, path: Path) -> int | None:
        """Project ``path`` on the worker (progress + Cancel below the button); returns the task id."""
        pixels, why = read_image(path)
        if pixels is None or not self.model_id:
            self.project_bar.label.setText(f"⚠ {why or 'Choose a model first.'}")
            self.project_bar.label.setVisible(True)
            return None
        return self.projector.start(self.model_id, pixels, lambda s, img, steps, progress, abort: s.project(
            img, steps=steps, progress_fn=progress, abort_fn=abort), name=Path(path).name)

    def _projected(self, src: Any, info: dict) -> None:
        self.change(latent=src, walking=False)
        self.add_favourite()

    def dragEnterEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if dropped_image(event) is not None:  # a PNG with a recipe is left to the window, which restores it
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event) -> None:  # noqa: N802 (Qt API)
        path = dropped_image(event)
        if path is not None:
            event.acceptProposedAction()
            self.use_image(path)

    def add_to_path(self) -> None:
        self.change(path=self.state.path + (self.current_source(),))

    def _toggle_play(self, on: bool) -> None:
        if on and len(self.state.path) >= 2:
            self.play_btn.setText("■ Stop")
            self._play.start()
        else:
            self.play_btn.setText("▶ Play")
            self._play.stop()
            self.play_btn.setChecked(False)

    def _advance_walk(self) -> None:
        n = len(self.state.path)
        if n < 2:
            self._toggle_play(False)
            return
        t = self.state.t + 0.02
        if t > n - 1:
            t = 0.0
        self.change(t=round(t, 4), walking=True, key="play")

    def walk_request(self, frames_per_key: int = 24) -> Any:
        from ...core.sessions.requests import WalkRequest

        s = self.state
        keys = s.path if len(s.path) >= 2 else ()
        return WalkRequest(self.model_id or "", keys=keys, frames_per_key=frames_per_key, psi=s.psi,
                           noise_mode=s.noise_mode, noise_strength=s.noise_strength, class_name=s.class_name)

    def apply_recipe(self, req: Any) -> None:
        """Restore the state that produced an exported image."""
        self.set_state(self._state_from(req))

    def _state_from(self, req: Any) -> ExplorerState:
        s = replace(self.state, psi=req.psi, noise_mode=req.noise_mode, noise_strength=req.noise_strength,
                    edits=tuple(getattr(req, "edits", ())), class_name=getattr(req, "class_name", None))
        if req.path:
            return replace(s, path=req.path, t=req.t, walking=True)
        if req.source is not None and req.source.seed is None:
            return replace(s, latent=req.source, walking=False)
        seed = req.seed if req.seed is not None else req.source.seed
        return replace(s, seed=seed, latent=None, walking=False)

    # -- the last frame: shown at the next start, before the worker has even imported torch ----------------
    def restore_last_frame(self, card: Any) -> bool:
        """Start where the user left ``card``'s model: its state, and the frame it showed (frame_cache)."""
        from ...core.sessions.frame_cache import RECIPE_TEXT, frame_path, matching_request

        path = frame_path(card.id)
        img = QImage(str(path)) if path.is_file() else QImage()
        req = matching_request(img.text(RECIPE_TEXT), card) if not img.isNull() else None
        if req is None:
            return False
        self.history = History(self._state_from(req))
        self._sync_controls()
        # Renders wait until the frame is painted: the first task imports torch, whose C part holds the GIL
        # for about a second. A hidden window never paints, so they wait 300 ms at most.
        self._held = False
        self.view.painted.connect(self._release, Qt.ConnectionType.SingleShotConnection)
        QTimer.singleShot(300, self._release)
        self.view.set_image(img)
        return True

    def _release(self) -> None:
        """The restored frame is on screen (or 300 ms passed): render what was asked meanwhile."""
        if self._held is None:
            return
        grid, self._held = self._held, None
        QTimer.singleShot(0, lambda: self.refresh(grid=grid))

    def remember_frame(self, card: Any) -> None:
        """On close: keep the frame on screen for the next start, when it shows the current state."""
        from ...core.io.atomic import atomic_path
        from ...core.sessions.frame_cache import RECIPE_TEXT, cacheable, frame_path
        from ...core.sessions.requests import make_recipe

        img, req = self.view.image(), self.current_request()
        if (img is None or img.isNull() or card.id != self.model_id or not cacheable(req) or self._held is not None
                or self._shown["main"] != self._pending_main):
            return
        img = QImage(img)  # the text goes into this copy, not the view's image
        img.setText(RECIPE_TEXT, json.dumps(make_recipe(req, card.sha256_of("generator"))))
        try:
            with atomic_path(frame_path(card.id)) as tmp:
                if not img.save(str(tmp), "PNG"):
                    raise OSError("Qt could not encode the frame")
        except OSError:
            pass  # without the cache the next start only waits for the model, as before
