"""Text prompt: type a description, get a grid of images (one per seed) from a StackGAN-style text model.

The prompt goes to the offline sentence encoder inside the worker (``TextSession``); this panel only builds
frozen ``TextRequest`` values and shows the QImages that come back. The variation slider scales the
conditioning-augmentation noise and re-renders the grid live (throttled). When the encoder cannot load, the
reason is shown in place of the grid and Generate is disabled; the rest of the window is unaffected.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ...core.defaults import COND_PSI, SEED_COUNT, VARIATION
from ..export_size import ExportSizeBox, export_row
from ..messages import plain_tip
from ..model_picker import add_model_row, model_picker
from ..widgets import ImageView, LabeledSlider, Thumb, scroll_strip, throttle_timer
from .model_panel import ModelPanel
from .text_export import TextExports

MAX_SEED = 2**31 - 1
DEFAULT_COUNT = SEED_COUNT
MAX_COUNT = 32
GRID_COLS = 4
THROTTLE_MS = 150  # live re-render while the variation slider moves: at most one request per this many ms
HISTORY_KEY = "text/prompt_history"
BEST_KEY = "text/best_first"
RANK_POOL = 4  # "Best matches first" draws this many candidates per shown image
BEST_TIP = (f"Draw {RANK_POOL}× as many seeds and show the ones the model's prompt matcher finds closest to the "
            "prompt, best first (each image keeps its own seed)")
HISTORY_LIMIT = 30
NO_MODEL = ("No text-to-image model in your library yet.\nTrain one with\n"
            "gan-studio train --family text --data DIR --out runs/text …\nor wait for the bundled one.")


@dataclass(frozen=True)
class NoEncoder:
    """What a worker task returns instead of images when the sentence encoder cannot load (typed, not a
    string match on an error message)."""

    reason: str


@dataclass(frozen=True)
class Ranked:
    """A ranked grid from the worker: the request of the kept seeds (best first) and their images."""

    request: Any
    images: list[QImage]


@dataclass(frozen=True)
class TextFavourite:
    """A kept image: enough to render it again exactly."""

    model_id: str
    prompt: str
    seed: int
    variation: float
    psi: float


def _render(req: Any, pool: int = 1) -> Any:
    """Worker-side: the images of ``req`` (``Ranked`` when ``pool`` > 1 picks the best of that many
    candidates per image), or ``NoEncoder`` with the reason."""

    def fn(session: Any) -> Any:
        from ...core.text.encoder import EncoderUnavailable
        from ..qimage import to_qimage

        try:
            if pool > 1 and session.can_rank:
                kept, images = session.render_ranked(req, pool)
                return Ranked(kept, [to_qimage(im) for im in images])
            return session.render(req)
        except EncoderUnavailable as exc:
            return NoEncoder(str(exc))

    return fn


def _probe(session: Any) -> dict[str, Any]:
    """Worker-side: load the encoder now (so the first Generate is quick) and report the output size."""
    from ...core.text.encoder import EncoderUnavailable

    try:
        session.encoder  # noqa: B018 (loads it)
        reason = None
    except EncoderUnavailable as exc:
        reason = str(exc)
    return {"resolution": int(session.resolution), "encoder_error": reason, "can_rank": bool(session.can_rank)}


def load_history(settings: QSettings) -> list[str]:
    """Prompt history, most recent first (INI settings return a lone item as a str)."""
    value = settings.value(HISTORY_KEY)
    if isinstance(value, str):
        value = [value] if value else []
    return [str(v) for v in value or [] if str(v).strip()][:HISTORY_LIMIT]


class TextPanel(TextExports, ModelPanel):
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

    # -- layout -------------------------------------------------------------------------------------
    def _build(self) -> None:
        self.model_combo = model_picker("Text-to-image model", "(no text model)")

        self.prompt = QComboBox()
        self.prompt.setEditable(True)
        self.prompt.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)  # history is ours: most recent first
        self.prompt.setMaxCount(HISTORY_LIMIT)
        self.prompt.lineEdit().setPlaceholderText("e.g. red heart, smiling cat, a tree")
        self.prompt.lineEdit().setClearButtonEnabled(True)
        self.prompt.setToolTip("Describe the image and press Enter; the arrow lists earlier prompts")
        completer = QCompleter(self.prompt.model(), self.prompt)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.prompt.setCompleter(completer)

        self.generate_btn = QPushButton("Generate")
        self.generate_btn.setToolTip("Render the prompt for each seed (Enter)")
        self.new_seeds_btn = QPushButton("🎲 New seeds")
        self.new_seeds_btn.setToolTip("The same prompt with other seeds")
        self.count = QSpinBox()
        self.count.setRange(1, MAX_COUNT)
        self.count.setValue(DEFAULT_COUNT)
        self.count.setKeyboardTracking(False)
        self.count.setToolTip("How many images (one per seed)")
        self.start_seed = QSpinBox()
        self.start_seed.setRange(0, MAX_SEED - MAX_COUNT)
        self.start_seed.setKeyboardTracking(False)
        self.start_seed.setToolTip("First seed; the grid shows this seed and the ones after it")
        self.variation = LabeledSlider(VARIATION.lo, VARIATION.hi, VARIATION.default)
        self.variation.setToolTip("Conditioning noise: 0 = the prompt's average reading, 1 = the full spread "
                                  "seen in training")
        self.psi = LabeledSlider(COND_PSI.lo, COND_PSI.hi, COND_PSI.default)
        self.psi.setToolTip("Truncation ψ: lower = closer to the prompt's average image, less variety")
        self.best_first = QCheckBox("Best matches first")
        self.best_first.setChecked(self.settings.value(BEST_KEY, False, type=bool))  # 4× the time; see CHANGELOG
        self.best_first.setToolTip(BEST_TIP)
        self.best_first.setEnabled(False)
        self._can_rank = False

        self.fav_btn = QPushButton("★ Favourite")
        self.fav_btn.setToolTip("Keep the focused image (prompt, seed and variation)")
        self.export_btn = QPushButton("Export image…")
        self.export_btn.setToolTip("Save the focused image as PNG with its recipe (prompt included)")
        self.export_grid_btn, self.size_box = QPushButton("Export grid…"), ExportSizeBox()
        self.export_grid_btn.setToolTip("Save the whole grid as one PNG")
        self.latency = QLabel("")
        self.info = QLabel("")
        self.info.setWordWrap(True)

        prompt_row = QHBoxLayout()
        prompt_row.addWidget(self.prompt, 1)
        prompt_row.addWidget(self.generate_btn)
        form = QFormLayout()
        add_model_row(form, self.model_combo)
        form.addRow("Images", self.count)
        seed_row = QHBoxLayout()
        seed_row.addWidget(self.start_seed, 1)
        seed_row.addWidget(self.new_seeds_btn)
        form.addRow("First seed", seed_row)
        form.addRow("Variation", self.variation)
        form.addRow("Truncation ψ", self.psi)
        form.addRow("", self.best_first)
        side = QVBoxLayout()
        side.addLayout(form)
        side.addWidget(self.fav_btn)
        side.addLayout(export_row(self.size_box, self.export_btn, self.export_grid_btn))
        side.addWidget(self.latency)
        side.addWidget(self.info)
        side.addStretch(1)
        side_w = QWidget()
        side_w.setLayout(side)
        side_w.setMaximumWidth(320)

        # The grid, or a message in its place (no model, encoder missing).
        self.grid_w = QWidget()
        self.grid_layout = QGridLayout(self.grid_w)
        self.grid_layout.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.thumbs: list[Thumb] = []
        grid_scroll = QScrollArea()
        grid_scroll.setWidget(self.grid_w)
        grid_scroll.setWidgetResizable(True)
        self.message = QLabel()
        self.message.setObjectName("textMessage")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.stack = QStackedWidget()
        self.stack.addWidget(grid_scroll)
        self.stack.addWidget(self.message)

        self.view = ImageView(192)
        self.view.setObjectName("textFocus")
        self.view.setToolTip("The focused image (click a cell in the grid)")
        self.caption = QLabel()
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption.setWordWrap(True)
        focus = QVBoxLayout()
        focus.addWidget(self.view, 1)
        focus.addWidget(self.caption)
        results = QHBoxLayout()
        results.addWidget(self.stack, 3)
        results.addLayout(focus, 2)

        self.fav_strip, fav_scroll = scroll_strip(118)
        fav_box = QGroupBox("Favourites")
        QVBoxLayout(fav_box).addWidget(fav_scroll)

        centre = QVBoxLayout()
        centre.addLayout(prompt_row)
        centre.addLayout(results, 1)
        centre.addWidget(fav_box)
        lay = QHBoxLayout(self)
        lay.addWidget(side_w)
        lay.addLayout(centre, 1)

        self.prompt.lineEdit().returnPressed.connect(self.generate)
        self.generate_btn.clicked.connect(self.generate)
        self.new_seeds_btn.clicked.connect(self.new_seeds)
        self.count.valueChanged.connect(lambda _: self._respin())
        self.start_seed.valueChanged.connect(lambda _: self._respin())
        self.variation.valueChanged.connect(self._slider_moved)
        self.psi.valueChanged.connect(self._slider_moved)
        self.best_first.toggled.connect(self._best_first_toggled)
        self.fav_btn.clicked.connect(self.add_favourite)
        self.export_btn.clicked.connect(self.export_dialog)
        self.export_grid_btn.clicked.connect(self.export_grid_dialog)
        self.model_combo.currentIndexChanged.connect(self._picked)

    def _set_enabled(self, on: bool) -> None:
        """Generate and friends need a model and a working encoder; the prompt box stays editable."""
        for w in (self.generate_btn, self.new_seeds_btn):
            w.setEnabled(on)
        self._set_result_controls()

    def _set_result_controls(self) -> None:
        has = bool(self.images) and self.current is not None and self.model_id is not None
        for w in (self.fav_btn, self.export_btn, self.export_grid_btn):
            w.setEnabled(has)

    def _show_message(self, text: str) -> None:
        self.message.setText(text)
        self.stack.setCurrentWidget(self.message)

    def _show_grid(self) -> None:
        self.stack.setCurrentIndex(0)

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
        self.worker.request("text-info", self.model_id, _probe, convert=False).then(self._show_info, self._failed)
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
        handle = self.worker.request("text-grid", self.model_id, _render(req, pool))
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
