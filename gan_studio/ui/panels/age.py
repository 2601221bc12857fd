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
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget

from ..projection import ImageProjector, ask_image, dropped_image, has_recipe, read_image
from ..widgets import MAX_SEED, Thumb, throttle_timer
from ..worker import Call
from .age_export import AgeExports
from .age_layout import LEVELS, AgeLayout
from .model_panel import ModelPanel

THROTTLE_MS = 50  # live preview while the slider moves: at most one request per this many ms
NO_MODEL = ("No age model in your library yet.\nTrain one with\n"
            "gan-studio train --family age --data FOLDER --out runs/age …\nor use the bundled age-faces-64.")


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


class AgePanel(AgeLayout, AgeExports, ModelPanel):
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

    def _seed_picked(self, seed: int) -> None:
        self.set_face(_seed_face(seed))

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
