"""Age panel: pick a face (a seed, a favourite, or your own image fitted to the model), then drag it from
baby to old with a slider; a strip shows the same face at N ages; export the face, the strip, a GIF or MP4.

The face is a ``Source`` plus the age it was fitted at (``base_age``, only for projected images): the age
model keeps a seed's z while the condition moves, and moves a projected w along its age direction
(``AgeSession``). Rendering runs on the inference worker: the slider is throttled at the source and only
the newest request of each view runs.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ...core.defaults import AGE, COND_PSI
from ..export_size import ExportSizeBox
from ..model_picker import add_model_row, model_picker
from ..projection import ImageProjector, ProjectionBar, ask_image, dropped_image, has_recipe, read_image
from ..widgets import ImageView, LabeledSlider, Thumb, scroll_strip, throttle_timer
from ..worker import Call
from .age_export import AgeExports
from .model_panel import ModelPanel

MAX_SEED = 2**31 - 1
THROTTLE_MS = 50  # live preview while the slider moves: at most one request per this many ms
LEVELS = (("baby", 0.0), ("child", 1 / 3), ("adult", 2 / 3), ("old", 1.0))
GENDERS = (("Any", "any"), ("Male", "male"), ("Female", "female"))
SKIN_TONES = ("Default (yellow)", "Light", "Medium-light", "Medium", "Medium-dark", "Dark")
NO_MODEL = ("No age model in your library yet.\nTrain one with\n"
            "gan-studio train --family age --data FOLDER …\nor use the bundled age-faces-64.")


@dataclass(frozen=True)
class Face:
    """Who is aged: a seed or a projected latent, and the age a projected image was fitted at."""

    source: Any  # core.sessions.requests.Source
    base_age: float = 2 / 3

    def describe(self) -> str:
        return self.source.describe()


def _seed_face(seed: int) -> Face:
    from ...core.sessions.requests import Source

    return Face(Source.from_seed(seed))


class AgePanel(AgeExports, ModelPanel):
    """Face controls on the left; the face, its age slider and a strip of ages on the right."""
    name, title = "age", "Age"

    task = "age"

    def __init__(self, worker: Any, parent: QWidget | None = None) -> None:
        super().__init__(worker, parent)
        self.face = _seed_face(0)
        self.favourites: list[Face] = []
        self.last_task = 0  # id of the newest main render, so callers can wait for it
        self.last_strip_task = 0
        self._shown = 0
        self._shown_strip = 0
        self._strip_dirty = False  # ψ moved: the strip follows with the next throttled refresh
        self._strip_images: list[QImage] = []
        self._projecting_base = 2 / 3
        self.projector = ImageProjector(worker, "project-age", self)
        self._build()
        self.setAcceptDrops(True)
        self._throttle = throttle_timer(self, THROTTLE_MS, self.refresh)

    # -- layout -------------------------------------------------------------------------------------
    def _build(self) -> None:
        self.model_combo = model_picker("Age model (Age-cGAN)", "(no age model)")
        self.seed_box = QSpinBox()
        self.seed_box.setRange(0, MAX_SEED)
        self.seed_box.setKeyboardTracking(False)
        self.seed_box.setToolTip("Face seed: each seed is a different person")
        self.random_btn = QToolButton()
        self.random_btn.setText("🎲 Random")
        self.random_btn.setToolTip("A random face")
        self.gender_combo = QComboBox()
        for text, key in GENDERS:
            self.gender_combo.addItem(text, key)
        self.tone_combo = QComboBox()
        for i, text in enumerate(SKIN_TONES):
            self.tone_combo.addItem(text, i)
        self.psi = LabeledSlider(COND_PSI.lo, COND_PSI.hi, COND_PSI.default)
        self.psi.setToolTip("Truncation ψ: lower gives more typical faces, 1 the full variety")

        seed_row = QHBoxLayout()
        seed_row.addWidget(self.seed_box, 1)
        seed_row.addWidget(self.random_btn)
        form = QFormLayout()
        add_model_row(form, self.model_combo)
        form.addRow("Face seed", seed_row)
        form.addRow("Gender", self.gender_combo)
        form.addRow("Skin tone", self.tone_combo)
        form.addRow("Truncation ψ", self.psi)

        mine = QGroupBox("My image")
        self.base_combo = QComboBox()
        for name, value in LEVELS:
            self.base_combo.addItem(name.capitalize(), value)
        self.base_combo.setCurrentIndex(2)
        self.base_combo.setToolTip("The age of the face in your image: the slider moves it from there")
        self.use_btn = QPushButton("Use my image…")
        self.use_btn.setToolTip("Fit your own face image to the model and age it (or drop an image here)")
        self.project_bar = ProjectionBar(self.projector)
        ml = QVBoxLayout(mine)
        mf = QFormLayout()
        mf.addRow("It shows", self.base_combo)
        ml.addLayout(mf)
        ml.addWidget(self.use_btn)
        ml.addWidget(self.project_bar)

        export = QGroupBox("Export")
        self.size_box = ExportSizeBox()  # pixels per face in the exported file
        self.export_btn = QPushButton("Export image…")
        self.export_btn.setToolTip("Save this face at this age as PNG with its recipe (Ctrl+E)")
        self.export_strip_btn = QPushButton("Export strip…")
        self.export_strip_btn.setToolTip("The strip as one PNG, or baby → old as a GIF or MP4 (Ctrl+Shift+E)")
        el = QFormLayout(export)
        el.addRow("Size", self.size_box)
        row = QHBoxLayout()
        row.addWidget(self.export_btn)
        row.addWidget(self.export_strip_btn)
        el.addRow(row)
        self.info = QLabel("")
        self.info.setWordWrap(True)

        side = QVBoxLayout()
        side.addLayout(form)
        side.addWidget(mine)
        side.addWidget(export)
        side.addWidget(self.info)
        side.addStretch(1)
        side_w = QWidget()
        side_w.setLayout(side)
        side_w.setMaximumWidth(320)

        self.view = ImageView(192)
        self.view.setObjectName("ageView")
        self.caption = QLabel("")
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.age = LabeledSlider(AGE.lo, AGE.hi, AGE.default, step=0.01)
        self.age.setToolTip("Age: youngest (baby) at the left, oldest at the right ([ younger, ] older)")
        self.age.label.hide()  # the level label below says it in words
        self.level_label = QLabel("")
        self.level_label.setMinimumWidth(96)
        self.level_label.setStyleSheet("font-weight: bold")
        age_row = QHBoxLayout()
        age_row.addWidget(QLabel("Youngest"))
        age_row.addWidget(self.age, 1)
        age_row.addWidget(QLabel("Oldest"))
        age_row.addSpacing(12)
        age_row.addWidget(self.level_label)

        strip_box = QGroupBox("Ages")
        self.n_spin = QSpinBox()
        self.n_spin.setRange(2, 12)
        self.n_spin.setValue(5)  # 0, 0.25, 0.5, 0.75, 1: the slider's starting age 0.5 is one of them
        self.n_spin.setToolTip("How many ages the strip shows, from baby to old")
        self.strip_thumbs: list[Thumb] = []
        self.strip_row, strip_scroll = scroll_strip(112)
        sl = QHBoxLayout(strip_box)
        n_col = QVBoxLayout()
        n_col.addWidget(QLabel("Faces"))
        n_col.addWidget(self.n_spin)
        n_col.addStretch(1)
        sl.addLayout(n_col)
        sl.addWidget(strip_scroll, 1)

        fav_box = QGroupBox("Favourites")
        self.fav_btn = QPushButton("★ Add face")
        self.fav_btn.setToolTip("Keep this face to come back to it (click a favourite to pick it)")
        self.fav_strip, fav_scroll = scroll_strip(104)
        fl = QHBoxLayout(fav_box)
        fl.addWidget(self.fav_btn, 0, Qt.AlignmentFlag.AlignTop)
        fl.addWidget(fav_scroll, 1)

        centre = QVBoxLayout()
        centre.addWidget(self.view, 1)
        centre.addWidget(self.caption)
        centre.addLayout(age_row)
        centre.addWidget(strip_box)
        centre.addWidget(fav_box)
        lay = QHBoxLayout(self)
        lay.addWidget(side_w)
        lay.addLayout(centre, 1)

        self.model_combo.currentIndexChanged.connect(self._picked)
        self.seed_box.valueChanged.connect(lambda v: self.set_face(_seed_face(v)))
        self.random_btn.clicked.connect(self.random_face)
        self.gender_combo.currentIndexChanged.connect(lambda _: self.refresh_all())
        self.tone_combo.currentIndexChanged.connect(lambda _: self.refresh_all())
        self.psi.valueChanged.connect(lambda _: self._throttled(strip=True))
        self.age.valueChanged.connect(self._age_moved)
        self.age.slider.sliderReleased.connect(self.refresh)
        self.n_spin.valueChanged.connect(lambda _: self.refresh_strip())
        self.use_btn.clicked.connect(self.use_image_dialog)
        self.fav_btn.clicked.connect(self.add_favourite)
        self.export_btn.clicked.connect(self.export_dialog)
        self.export_strip_btn.clicked.connect(lambda: self.export_strip_dialog())  # not clicked(bool) as the suffix
        self.projector.projected.connect(self._projected)
        self.projector.busyChanged.connect(lambda busy: self.use_btn.setEnabled(not busy and bool(self.model_id)))
        for key, slot in (("[", lambda: self.age.set_value(max(0.0, self.age.value() - 0.05))),
                          ("]", lambda: self.age.set_value(min(1.0, self.age.value() + 0.05)))):
            sc = QShortcut(QKeySequence(key), self)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)  # never clashes with other panels
            sc.activated.connect(slot)
        self._set_level_label()
        self._set_model_controls(False)

    def _set_model_controls(self, on: bool) -> None:
        for w in (self.seed_box, self.random_btn, self.gender_combo, self.tone_combo, self.psi, self.age,
                  self.n_spin, self.use_btn, self.fav_btn, self.export_btn, self.export_strip_btn):
            w.setEnabled(on)

    # -- models -------------------------------------------------------------------------------------------
    def _no_model(self) -> None:
        self._set_model_controls(False)
        self.view.set_image(None)
        self.view.set_message(NO_MODEL)

    def _choose(self, model_id: str) -> None:
        if model_id != self.model_id:
            # a projected latent belongs to the model it was fitted to; seeds work in any age model
            self.favourites = [f for f in self.favourites if f.source.seed is not None]
            self._rebuild_favourites()
            if self.face.source.seed is None:
                self.face = _seed_face(self.seed_box.value())
        self._set_model_controls(True)

    def _load(self) -> None:
        self.view.set_message("Loading the model…")
        self.refresh_all()

    # -- the face -----------------------------------------------------------------------------------------
    def set_face(self, face: Face, force: bool = False) -> None:
        if face == self.face and not force:
            return
        self.face = face
        if face.source.seed is not None and face.source.seed != self.seed_box.value():
            self.seed_box.blockSignals(True)
            self.seed_box.setValue(face.source.seed)
            self.seed_box.blockSignals(False)
        self.refresh_all()

    def random_face(self) -> None:
        self.seed_box.setValue(random.randrange(MAX_SEED))

    def gender(self) -> str:
        return str(self.gender_combo.currentData())

    def skin_tone(self) -> int:
        return int(self.tone_combo.currentData())

    def current_request(self, age: float | None = None) -> Any:
        from ...core.sessions.cond_requests import AgeRequest

        return AgeRequest(self.model_id or "", self.face.source, age=self.age.value() if age is None else age,
                          gender=self.gender(), skin_tone=self.skin_tone(), psi=self.psi.value(),
                          base_age=self.face.base_age)

    def ages(self) -> list[float]:
        n = self.n_spin.value()
        return [round(i / (n - 1), 4) for i in range(n)]

    def apply_request(self, req: Any) -> None:
        """Restore the face, age and conditions of an exported image (its recipe)."""
        if self.model_combo.findData(req.model_id) < 0:
            raise ValueError(f"This image was made with age model {req.model_id!r}, which is not in your library.")
        for combo, value in ((self.gender_combo, req.gender), (self.tone_combo, req.skin_tone)):
            combo.blockSignals(True)
            combo.setCurrentIndex(max(0, combo.findData(value)))
            combo.blockSignals(False)
        self.psi.set_value(req.psi, emit=False)
        self.age.set_value(req.age, emit=False)
        self._set_level_label()
        self.set_model(req.model_id)
        self.set_face(Face(req.source, req.base_age), force=True)

    # -- rendering -----------------------------------------------------------------------------------------
    def _set_level_label(self) -> None:
        from ...core.sessions.cond_requests import age_label_name

        value = self.age.value()
        self.level_label.setText(f"{age_label_name(value).capitalize()} · {value:.2f}")

    def _age_moved(self, _: float) -> None:
        self._set_level_label()
        self._throttled()

    def _throttled(self, strip: bool = False) -> None:
        if strip:
            self._strip_dirty = True
        if not self._throttle.isActive():
            self._throttle.start()

    def refresh_all(self) -> None:
        self.refresh()
        self.refresh_strip()

    def refresh(self) -> None:
        """Render the face at the slider's age (the worker keeps only the newest request)."""
        self._throttle.stop()
        if self._strip_dirty:
            self._strip_dirty = False
            self.refresh_strip()
        if not self.model_id or self._dirty:
            return
        req = self.current_request()
        handle = self.worker.request("age", self.model_id, Call("render", req))
        handle.returned.connect(lambda image, ms, i=handle.id: self._rendered(i, image, ms))
        handle.errored.connect(lambda message, _tb: self._render_failed(message))
        self.last_task = handle.id
        self.caption.setText(f"{self.face.describe()} · age {req.age:.2f}")
        self._check_strip_thumb(req.age)

    def refresh_strip(self) -> None:
        """The same face at N ages from baby to old, in one request."""
        if not self.model_id or self._dirty:
            return
        req, ages = self.current_request(), self.ages()
        while len(self.strip_thumbs) > len(ages):
            self.strip_thumbs.pop().deleteLater()
        while len(self.strip_thumbs) < len(ages):
            th = Thumb(0.0, side=64)
            th.clicked.connect(lambda _=False, t=th: self.age.set_value(float(t.payload)))
            self.strip_row.insertWidget(len(self.strip_thumbs), th)
            self.strip_thumbs.append(th)
        from ...core.sessions.cond_requests import age_label_name

        for th, a in zip(self.strip_thumbs, ages, strict=True):
            th.payload = a
            th.setText(f"{age_label_name(a)} {a:.2f}")
            th.setToolTip(f"Show age {a:.2f}")
        self._check_strip_thumb(self.age.value())
        handle = self.worker.request("age-strip", self.model_id, Call("strip", req, ages))
        handle.then(lambda images, i=handle.id: self._strip_rendered(i, images), self._render_failed)
        self.last_strip_task = handle.id

    def _check_strip_thumb(self, age: float) -> None:
        if not self.strip_thumbs:
            return
        # Only the face at the slider's own age is highlighted: a neighbour's name and number would contradict
        # the slider's label (0.50 "Adult" is not the strip's 0.40 "child").
        for th in self.strip_thumbs:
            th.setChecked(abs(float(th.payload) - age) < 0.005)

    def shown_image(self) -> QImage | None:
        return self.view.image()

    def strip_images(self) -> list[QImage]:
        return list(self._strip_images)

    def _rendered(self, task_id: int, image: QImage, ms: float) -> None:
        if task_id > self._shown:
            self._shown = task_id
            self.view.set_image(image)
            self.frameTime.emit(ms)

    def _strip_rendered(self, task_id: int, images: list[QImage]) -> None:
        if task_id > self._shown_strip:
            self._shown_strip = task_id
            self._strip_images = list(images)
            for th, img in zip(self.strip_thumbs, images, strict=False):
                th.set_image(img)

    def _render_failed(self, message: str) -> None:
        self.view.set_message(f"Could not render: {message}")
        self.error.emit(message)

    def _side_failed(self, message: str) -> None:
        """A favourite's thumbnail or an export failed: said beside the controls, the face stays."""
        self.info.setText(f"⚠ {message}")
        self.error.emit(message)

    # -- favourites -------------------------------------------------------------------------------------
    def add_favourite(self) -> None:
        if self.face in self.favourites or not self.model_id:
            return
        self.favourites.append(self.face)
        self._add_thumb(len(self.favourites) - 1, self.face)

    def _add_thumb(self, idx: int, face: Face) -> None:
        th = Thumb(face, side=64)
        th.setText(face.describe())
        th.setCheckable(False)
        th.setToolTip("Click to age this face")
        th.clicked.connect(lambda _=False, f=face: self.set_face(f))
        self.fav_strip.insertWidget(idx, th)
        if self.model_id:
            req = self.current_request()
            from dataclasses import replace

            req = replace(req, source=face.source, base_age=face.base_age)
            self.worker.request(f"age-fav-{idx}", self.model_id, Call("render", req)).then(
                lambda image, t=th: shiboken6.isValid(t) and t.set_image(image), self._side_failed)  # t may be gone

    def _rebuild_favourites(self) -> None:
        while self.fav_strip.count() > 1:
            self.fav_strip.takeAt(0).widget().deleteLater()
        for i, face in enumerate(self.favourites):
            self._add_thumb(i, face)

    # -- use my image -----------------------------------------------------------------------------------------
    def use_image_dialog(self) -> None:
        path = ask_image(self, "Use my image: a face to age")
        if path is not None:
            self.use_image(path)

    def use_image(self, path: Path, base_age: float | None = None) -> int | None:
        """Fit ``path`` to the model at the age chosen under "It shows"; it becomes the face when done."""
        if not self.model_id:
            self.info.setText("Choose an age model first.")
            return None
        pixels, why = read_image(Path(path))
        if pixels is None:
            self.info.setText(f"⚠ {why}")
            self.error.emit(why)
            return None
        if base_age is None:
            base_age = float(self.base_combo.currentData())
        else:
            self.base_combo.setCurrentIndex(min(range(len(LEVELS)), key=lambda i: abs(LEVELS[i][1] - base_age)))
        gender, tone = self.gender(), self.skin_tone()
        self._projecting_base = base_age

        def fit(s: Any, img: Any, steps: int, progress_fn: Any, abort_fn: Any) -> Any:
            return s.project(img, base_age=base_age, gender=gender, skin_tone=tone, steps=steps,
                             progress_fn=progress_fn, abort_fn=abort_fn)

        return self.projector.start(self.model_id, pixels, fit, name=Path(path).name)

    def _projected(self, src: Any, info: dict) -> None:
        face = Face(src, self._projecting_base)
        self.set_face(face)
        self.add_favourite()
        self.status.emit(f"{info.get('name') or 'Your image'} is now the face (PSNR {info['psnr']:.1f} dB)")

    def dragEnterEvent(self, event) -> None:  # noqa: N802 (Qt API)
        path = dropped_image(event, allow_recipes=True)
        recipe = has_recipe(path) if path is not None else None
        if path is not None and (recipe is None or recipe.get("kind") == "age"):
            event.acceptProposedAction()
        else:
            event.ignore()  # other recipes go to the window, which restores them in their panel

    def dropEvent(self, event) -> None:  # noqa: N802 (Qt API)
        path = dropped_image(event, allow_recipes=True)
        if path is None:
            return
        event.acceptProposedAction()
        if not self.open_recipe(path):
            self.use_image(path)

    def open_recipe(self, path: Path) -> bool:
        """Restore an exported age image or PNG strip; False when ``path`` holds no age recipe."""
        recipe = has_recipe(path)
        if recipe is None or recipe.get("kind") != "age":
            return False
        from ...core.sessions.cond_requests import cond_request_from_recipe, panel_strip_length, strip_ages_from_recipe

        try:
            req, ages = cond_request_from_recipe(recipe), strip_ages_from_recipe(recipe)
            self.apply_request(req)
        except ValueError as exc:
            self.info.setText(f"⚠ {path.name}: {exc}")
            self.error.emit(f"{path.name}: {exc}")
            return True
        n = panel_strip_length(ages) if ages is not None else None
        if n is not None:  # a PNG strip: as many ages again
            self.n_spin.setValue(n)
        note = "" if ages is None or n is not None else f" (its {len(ages)} ages are not evenly spaced baby → old)"
        self.info.setText(f"Restored {path.name}{note}")
        return True

    def restore_recipe(self, recipe: dict[str, Any], path: Path) -> bool:
        """The panel reports a restored face or strip (or what is wrong with it) in its own info line."""
        self.open_recipe(path)
        return False
