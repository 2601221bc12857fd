"""Text prompt: type a description, get a grid of images (one per seed) from a StackGAN-style text model.

The prompt goes to the offline sentence encoder inside the worker (``TextSession``); this panel only builds
frozen ``TextRequest`` values and shows the QImages that come back. The variation slider scales the
conditioning-augmentation noise and re-renders the grid live (throttled). When the encoder cannot load, the
reason is shown in place of the grid and Generate is disabled; the rest of the window is unaffected.
"""

from __future__ import annotations

import random
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget

from ..messages import plain_tip
from ..widgets import Thumb, throttle_timer
from .model_panel import ModelPanel
from .text_export import TextExports
from .text_layout import TextLayout
from .text_tasks import (
    BEST_KEY,
    BEST_TIP,
    GRID_COLS,
    HISTORY_KEY,
    HISTORY_LIMIT,
    NO_MODEL,
    RANK_POOL,
    THROTTLE_MS,
    NoEncoder,
    Ranked,
    TextFavourite,
    grid_task,
    load_history,
    probe_task,
)


class TextPanel(TextLayout, TextExports, ModelPanel):
    """Prompt box with history, a grid of seeds, a variation control, favourites and export."""

    task = "text"
    name, title = "text", "Text prompt"

    def __init__(self, worker: Any, settings: QSettings | None = None, parent: QWidget | None = None) -> None:
        super().__init__(worker, parent)
        self.settings = settings if settings is not None else QSettings("gan-studio", "gan-studio")
        self.current: Any = None  # the TextRequest the grid shows (or is about to)
        self.images: list[QImage] = []
        self.focused = 0
        self.favourites: list[TextFavourite] = []
        self.encoder_error: str | None = None
        self.last_task = 0  # id of the newest grid task, so callers can wait for it
        self._shown = 0
        self._want_generate = False  # Enter was pressed before the model was ready
        self._ranking: int | None = None  # id of a ranking task in flight: slider re-renders wait for it
        self._rerender_after = False
        self._build()
        self._throttle = throttle_timer(self, THROTTLE_MS, self._rerender)
        self._set_history(load_history(self.settings))
        self._set_enabled(False)

    # -- models ---------------------------------------------------------------------------------------
    def _no_model(self) -> None:
        self.current = None
        self.images = []
        self._set_enabled(False)
        self.view.set_image(None)
        self._show_message(NO_MODEL)

    def _choose(self, model_id: str) -> None:
        if self.current is not None:
            self.current = replace(self.current, model_id=model_id)

    def _load(self) -> None:
        self.encoder_error = None
        self._set_enabled(False)  # until the probe says the encoder works
        self.info.setText("Loading the model and the sentence encoder…")
        self.worker.request("text-info", self.model_id, probe_task, convert=False).then(self._show_info, self._failed)
        if self.current is not None:
            self._submit(self.current)

    # -- history --------------------------------------------------------------------------------------
    def history(self) -> list[str]:
        return [self.prompt.itemText(i) for i in range(self.prompt.count())]

    def _set_history(self, items: list[str]) -> None:
        text = self.prompt.currentText()
        self.prompt.blockSignals(True)
        self.prompt.clear()
        self.prompt.addItems(items)
        self.prompt.setEditText(text)
        self.prompt.blockSignals(False)

    def _remember(self, prompt: str) -> None:
        """Most recent first, no duplicates (case-insensitive), persisted at once."""
        items = [prompt] + [p for p in self.history() if p.casefold() != prompt.casefold()]
        items = items[:HISTORY_LIMIT]
        self._set_history(items)
        self.settings.setValue(HISTORY_KEY, items)

    # -- requests -------------------------------------------------------------------------------------
    def prompt_text(self) -> str:
        return " ".join(self.prompt.currentText().split())

    def request(self) -> Any:
        """The TextRequest of the controls as they are now."""
        from ...core.sessions.cond_requests import TextRequest

        start = self.start_seed.value()
        return TextRequest(self.model_id or "", self.prompt_text(),
                           seeds=tuple(range(start, start + self.count.value())),
                           variation=self.variation.value(), psi=self.psi.value())

    def generate(self) -> int | None:
        """Render the prompt for every seed (Enter)."""
        prompt = self.prompt_text()
        if not prompt:
            self.info.setText("Type a prompt first.")
            return None
        if not self.model_id or self.encoder_error is not None:
            return None
        self._remember(prompt)
        if self._dirty or not self.generate_btn.isEnabled():
            self._want_generate = True  # the model is still loading: generate when it is ready
            return None
        self._want_generate = False
        self.prompt.setEditText(prompt)
        self.focused = 0
        return self._submit(self.request(), rank=True)

    def new_seeds(self) -> None:
        """Same prompt, a fresh run of seeds."""
        self.start_seed.blockSignals(True)
        self.start_seed.setValue(random.randrange(self.start_seed.maximum()))
        self.start_seed.blockSignals(False)
        self.generate()

    def _respin(self) -> None:
        """Seed count or first seed changed: redo the grid for the prompt already shown."""
        if self.current is not None and self.generate_btn.isEnabled():
            self.focused = min(self.focused, self.count.value() - 1)
            start = self.start_seed.value()
            self._submit(replace(self.current, seeds=tuple(range(start, start + self.count.value()))), rank=True)

    def _slider_moved(self, _: float) -> None:
        if self.current is not None and not self._throttle.isActive():
            self._throttle.start()

    def _rerender(self) -> None:
        """The throttle fired: the shown prompt and seeds at the sliders' current values."""
        if self._ranking is not None:  # the ranked seeds are not known yet: re-render them when they are
            self._rerender_after = True
            return
        if self.current is not None and self.generate_btn.isEnabled():
            self._submit(replace(self.current, variation=self.variation.value(), psi=self.psi.value()))

    def _best_first_toggled(self, on: bool) -> None:
        self.settings.setValue(BEST_KEY, bool(on))
        self._respin()

    def ranking(self) -> bool:
        """Whether Generate and new seeds rank candidates (the box is ticked and the model has a matcher)."""
        return self._can_rank and self.best_first.isChecked()

    def _submit(self, req: Any, rank: bool = False) -> int | None:
        """Queue ``req``; with ``rank`` (Generate, new seeds) and ranking on, the best of RANK_POOL× seeds."""
        if not self.model_id or self._dirty:
            return None
        pool = RANK_POOL if rank and self.ranking() else 1
        self.current = req
        handle = self.worker.request("text-grid", self.model_id, grid_task(req, pool))
        handle.returned.connect(lambda result, ms, i=handle.id: self._grid_rendered(i, req, result, ms))
        handle.errored.connect(lambda message, _tb, i=handle.id: (self._grid_done(i), self._failed(message)))
        self.last_task = handle.id
        self._ranking = self.last_task if pool > 1 else None
        return self.last_task

    def _grid_done(self, task_id: int) -> None:
        """Grid ``task_id`` is answered: a slider re-render deferred behind a ranking runs now."""
        if self._ranking is not None and task_id >= self._ranking:
            self._ranking = None
            if self._rerender_after:
                self._rerender_after = False
                self._throttle.start()

    # -- results ---------------------------------------------------------------------------------------
    def _grid_rendered(self, task_id: int, req: Any, result: Any, ms: float) -> None:
        """A grid came back for ``req`` (the labels follow what is shown, not what was asked last)."""
        self._grid_done(task_id)
        if task_id <= self._shown:
            return
        self._shown = task_id
        if isinstance(result, NoEncoder):
            self._encoder_missing(result.reason)
            return
        if isinstance(result, Ranked):
            req, result = result.request, result.images
            drawn = len(result) * RANK_POOL
        else:
            drawn = len(result)
        if task_id == self.last_task:
            self.current = req
        self._show_grid()
        self._set_images(list(result))
        best = f" (best of {drawn})" if drawn > len(result) else ""
        self.latency.setText(f"⏱ {ms:.0f} ms for {len(result)} images{best}")
        self.frameTime.emit(ms / max(1, drawn))

    def _show_info(self, info: dict[str, Any]) -> None:
        if info["encoder_error"]:
            self._encoder_missing(info["encoder_error"])
            return
        self.encoder_error = None
        self._can_rank = bool(info.get("can_rank"))
        self.best_first.setEnabled(self._can_rank)
        self.best_first.setToolTip(BEST_TIP if self._can_rank else
                                   "This model has no prompt matcher (gan-studio matcher adds one)")
        self._set_enabled(True)
        self.generate_btn.setToolTip("Render the prompt for each seed (Enter)")
        self.info.setText(f"The model draws {info['resolution']} px images.")
        if self._want_generate:
            self.generate()
        elif not self.images:
            self._show_message("Type a prompt and press Enter.\nAny words work, not only the training captions.")

    def _failed(self, message: str) -> None:
        self._show_message(f"Could not render: {message}")
        self.error.emit(message)

    def _encoder_missing(self, reason: str) -> None:
        self.encoder_error = reason
        self.images = []
        self._set_enabled(False)
        self.generate_btn.setToolTip(f"Unavailable: {reason}")
        self.view.set_image(None)
        self._show_message(f"The text encoder is not available, so prompts cannot be read.\n\n{reason}\n\n"
                           "Every other panel still works.")
        self.info.setText("Text prompts are unavailable.")
        self.error.emit(f"text encoder unavailable: {reason}")

    def _set_images(self, images: list[QImage]) -> None:
        self.images = images
        seeds = self.current.seeds if self.current is not None else ()
        while len(self.thumbs) > len(images):
            th = self.thumbs.pop()
            self.grid_layout.removeWidget(th)
            th.deleteLater()
        while len(self.thumbs) < len(images):
            i = len(self.thumbs)
            th = Thumb(i, side=128)  # native size of a Stage II model
            th.clicked.connect(lambda _=False, t=th: self.focus(int(t.payload)))
            self.grid_layout.addWidget(th, i // GRID_COLS, i % GRID_COLS)
            self.thumbs.append(th)
        for i, (th, img) in enumerate(zip(self.thumbs, images, strict=True)):
            th.set_image(img)
            th.setText(f"seed {seeds[i]}" if i < len(seeds) else "")
        self.focus(min(self.focused, len(images) - 1) if images else 0)
        self._set_result_controls()

    def focus(self, index: int) -> None:
        """Show grid cell ``index`` large."""
        self.focused = index
        for i, th in enumerate(self.thumbs):
            th.setChecked(i == index)
        if not self.images or self.current is None or not 0 <= index < min(len(self.images), len(self.current.seeds)):
            # nothing there (or a grid of an older request whose seeds outnumber the new one's)
            self.view.set_image(None)
            self.caption.setText("")
            return
        self.view.set_image(self.images[index])
        self.caption.setText(f"“{self.current.prompt}” · seed {self.current.seeds[index]} · "
                             f"variation {self.current.variation:.2f} · ψ {self.current.psi:.2f}")

    def shown_image(self) -> QImage | None:
        return self.view.image()

    def focused_request(self) -> Any:
        """The focused image alone, as a request (what export writes and a recipe restores)."""
        if self.current is None or not 0 <= self.focused < len(self.current.seeds):
            return None
        return replace(self.current, seeds=(self.current.seeds[self.focused],))

    # -- favourites ------------------------------------------------------------------------------------
    def add_favourite(self) -> None:
        req = self.focused_request()
        if req is None:
            return
        fav = TextFavourite(req.model_id, req.prompt, req.seeds[0], req.variation, req.psi)
        if fav in self.favourites:
            return
        self.favourites.append(fav)
        idx = len(self.favourites) - 1
        th = Thumb(fav, side=72)
        short = fav.prompt if len(fav.prompt) <= 12 else fav.prompt[:11] + "…"
        th.setText(short)
        th.setCheckable(False)
        th.setToolTip(plain_tip(f"“{fav.prompt}” · seed {fav.seed} · variation {fav.variation:.2f}\n"
                                "Click to show it again"))
        th.set_image(self.images[self.focused])
        th.clicked.connect(lambda _=False, f=fav: self.show_favourite(f))
        self.fav_strip.insertWidget(idx, th)

    def show_favourite(self, fav: TextFavourite) -> None:
        """Bring a favourite back: its prompt, seed and variation, focused."""
        if fav.model_id != self.model_id:
            idx = self.model_combo.findData(fav.model_id)
            if idx >= 0:
                self.model_combo.setCurrentIndex(idx)
        self.apply_request(self._request_of(fav))

    def _request_of(self, fav: TextFavourite) -> Any:
        from ...core.sessions.cond_requests import TextRequest

        return TextRequest(fav.model_id, fav.prompt, seeds=(fav.seed,), variation=fav.variation, psi=fav.psi)

    def apply_request(self, req: Any) -> int | None:
        """Restore a TextRequest (a favourite or a dropped recipe): its first seed starts the grid."""
        self.start_seed.blockSignals(True)
        self.start_seed.setValue(min(req.seeds[0] if req.seeds else 0, self.start_seed.maximum()))
        self.start_seed.blockSignals(False)
        self.variation.set_value(req.variation, emit=False)
        self.psi.set_value(req.psi, emit=False)
        self.prompt.setEditText(req.prompt)
        return self.generate()

    def restore_recipe(self, recipe: dict[str, Any], path: Path) -> bool:
        """A text-prompt export: its model, prompt, seed and variation."""
        from ...core.sessions.cond_requests import cond_request_from_recipe

        req = cond_request_from_recipe(recipe)
        idx = self.model_combo.findData(req.model_id)
        if idx < 0:
            raise ValueError(f"This image was made with text model {req.model_id!r}, which is not in your library.")
        self.model_combo.setCurrentIndex(idx)
        self.apply_request(req)
        return True
