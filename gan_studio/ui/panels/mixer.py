"""Style-mixing canvas: rows × columns of sources; chosen layers come from the column source."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from ...core.defaults import NOISE_MODES, PSI
from ..empty_state import hint_label
from ..mix_grid_view import MixGridView
from ..projection import ImageProjector, ProjectionBar, ask_image, dropped_image, read_image
from ..widgets import LabeledSlider
from ..worker import Call
from .contract import PanelDefaults

FAV_HINT = "No favourites yet: ★ Favourite (F) in the explorer adds the current image"


def parse_seed_list(text: str) -> list[int]:
    """'1, 2, 5-7' → [1, 2, 5, 6, 7]; raises ValueError with a readable message."""
    out: list[int] = []
    for part in text.replace(" ", "").split(","):
        if not part:
            continue
        if "-" in part:
            a, b = part.split("-", 1)
            lo, hi = int(a), int(b)
            if hi < lo or hi - lo > 64:
                raise ValueError(f"bad range {part!r}")
            out.extend(range(lo, hi + 1))
        else:
            out.append(int(part))
    if not out or len(out) > 16 or any(s < 0 for s in out):
        raise ValueError("give 1–16 seeds, e.g. 1,2,3 or 10-13")
    return out


PRESET_TIPS = {"coarse": "Coarse layers (4–8 px): pose, face shape, layout",
               "middle": "Middle layers (16–32 px): features, hair, expression",
               "fine": "Fine layers (64 px and up): colours, texture, small detail",
               "custom": "The layers ticked below"}


class MixerPanel(PanelDefaults, QWidget):
    name, title = "mixer", "Style mixing"
    frameTime = Signal(float)  # noqa: N815
    error = Signal(str)
    status = Signal(str)  # an export's outcome, for the window's status bar

    def __init__(self, worker, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.worker = worker
        self.model_id: str | None = None
        self.num_ws = 0
        self.groups: dict[str, tuple[int, ...]] = {}
        self.favourites: list[Any] = []
        self._shown = 0
        self.asleep = False  # the window sets this for a tab not yet shown; wake() renders
        self._dirty = False
        self._row_sources: list[Any] | None = None
        self._col_sources: list[Any] | None = None
        self.projector = ImageProjector(worker, "project-mixer", self)  # "use my image"
        self._project_rows = True
        self._build()
        self.setAcceptDrops(True)

    def _build(self) -> None:
        self.rows_edit = QLineEdit("1,2,3,4")
        self.cols_edit = QLineEdit("10,11,12,13,14")
        self.rows_edit.setToolTip("Row sources: the layers you do not pick come from these")
        self.cols_edit.setToolTip("Column sources: the layers you pick come from these")
        self.rows_fav = QPushButton("Favourites")
        self.cols_fav = QPushButton("Favourites")
        self.psi = LabeledSlider(PSI.lo, PSI.hi, PSI.default)
        self.noise_mode = QComboBox()
        self.noise_mode.addItems(list(NOISE_MODES))
        self.note = QLabel()
        self.note.setWordWrap(True)

        form = QFormLayout()
        r = QHBoxLayout()
        r.addWidget(self.rows_edit, 1)
        r.addWidget(self.rows_fav)
        c = QHBoxLayout()
        c.addWidget(self.cols_edit, 1)
        c.addWidget(self.cols_fav)
        self.rows_img = QPushButton("As a row…")
        self.cols_img = QPushButton("As a column…")
        self.rows_img.setToolTip("Fit your own image to the model and add it as a row (or drop it on the panel)")
        self.cols_img.setToolTip("Fit your own image to the model and add it as a column")
        mine = QHBoxLayout()
        mine.addWidget(self.rows_img)
        mine.addWidget(self.cols_img)
        self.project_bar = ProjectionBar(self.projector)
        form.addRow("Rows", r)
        form.addRow("Columns", c)
        form.addRow("My image", mine)
        form.addRow("Truncation ψ", self.psi)
        form.addRow("Noise", self.noise_mode)
        self.fav_hint = hint_label(FAV_HINT)
        form.addRow(self.fav_hint)

        self.preset_box = QGroupBox("Layers from the column source")
        pl = QVBoxLayout(self.preset_box)
        presets = QHBoxLayout()
        self.preset_group = QButtonGroup(self)
        self.preset_buttons: dict[str, QRadioButton] = {}
        for name in ("coarse", "middle", "fine", "custom"):
            b = QRadioButton(name.capitalize())
            self.preset_group.addButton(b)
            self.preset_buttons[name] = b
            presets.addWidget(b)
        self.preset_buttons["coarse"].setChecked(True)
        pl.addLayout(presets)
        self.layer_grid = QGridLayout()
        pl.addLayout(self.layer_grid)
        self.layer_boxes: list[QCheckBox] = []

        side = QVBoxLayout()
        side.addLayout(form)
        side.addWidget(self.project_bar)
        side.addWidget(self.preset_box)
        side.addWidget(self.note)
        side.addStretch(1)
        side_w = QWidget()
        side_w.setLayout(side)
        side_w.setMaximumWidth(340)
        self.view = MixGridView(256)
        lay = QHBoxLayout(self)
        lay.addWidget(side_w)
        lay.addWidget(self.view, 1)

        self.rows_edit.editingFinished.connect(self._sources_edited)
        self.cols_edit.editingFinished.connect(self._sources_edited)
        self.rows_fav.clicked.connect(lambda: self._use_favourites(rows=True))
        self.cols_fav.clicked.connect(lambda: self._use_favourites(rows=False))
        self.rows_img.clicked.connect(lambda: self.use_image_dialog(rows=True))
        self.cols_img.clicked.connect(lambda: self.use_image_dialog(rows=False))
        self.projector.projected.connect(self._projected)
        self.psi.valueChanged.connect(lambda _: self.refresh())
        self.noise_mode.currentTextChanged.connect(lambda _: self.refresh())
        self.preset_group.buttonClicked.connect(self._preset_clicked)
        self._favourites_state()

    # -- model / layers -----------------------------------------------------------------------------------
    def set_model(self, model_id: str | None, facts: dict[str, Any] | None) -> None:
        """``facts`` (the session's ``facts()``) give the style inputs; None while the model is being asked."""
        self.model_id = model_id
        self.num_ws = int(facts["num_ws"]) if facts else 0
        self.groups = {k: tuple(v) for k, v in facts["layer_groups"].items()} if facts else {}
        while self.layer_grid.count():
            self.layer_grid.takeAt(0).widget().deleteLater()
        self.layer_boxes = []
        for i, res in enumerate(facts["layer_resolutions"] if facts else ()):
            box = QCheckBox(f"{i} ({res}px)")
            box.toggled.connect(self._layer_toggled)
            self.layer_boxes.append(box)
            self.layer_grid.addWidget(box, i // 3, i % 3)
        for name, button in self.preset_buttons.items():  # a model without middle layers has no "middle"
            button.setEnabled(name == "custom" or bool(self.groups.get(name)) or not facts)
            button.setToolTip(PRESET_TIPS.get(name, ""))
        if facts and model_id:  # how much each preset changes an image on this model, measured on the worker
            handle = self.worker.request("mixer-effects", model_id, Call("preset_effects"), convert=False)
            self._effects_task = handle.id
            handle.then(lambda effects, i=handle.id: i == self._effects_task and self.show_effects(effects))
        self._apply_preset("coarse")

    def show_effects(self, effects: dict[str, float]) -> None:
        """Say in each preset's tooltip how much it changes an image here (a 64 px model's "fine" layers move
        it by ~6 grey levels: little, and the tooltip says so instead of the preset seeming broken)."""
        for name, change in effects.items():
            if name not in self.preset_buttons:
                continue
            verdict = "little" if change < 8 else "clearly" if change < 20 else "a lot"
            self.preset_buttons[name].setToolTip(f"{PRESET_TIPS.get(name, '')}\nOn this model it changes an image "
                                                 f"{verdict}: {change:.0f} grey levels on average (of 255).")

    def _apply_preset(self, name: str) -> None:
        chosen = set(self.groups.get(name, ()))
        for i, box in enumerate(self.layer_boxes):
            box.blockSignals(True)
            box.setChecked(i in chosen)
            box.blockSignals(False)
        self.preset_buttons[name].setChecked(True)
        self.refresh()

    def _preset_clicked(self, button: QRadioButton) -> None:
        name = next(k for k, b in self.preset_buttons.items() if b is button)
        if name != "custom":
            self._apply_preset(name)

    def _layer_toggled(self, _: bool) -> None:
        layers = self.layers()
        match = next((k for k, v in self.groups.items() if v == layers), "custom")
        self.preset_buttons[match].setChecked(True)
        self.refresh()

    def layers(self) -> tuple[int, ...]:
        return tuple(i for i, b in enumerate(self.layer_boxes) if b.isChecked())

    def set_layers(self, layers: tuple[int, ...]) -> None:
        for i, box in enumerate(self.layer_boxes):
            box.blockSignals(True)
            box.setChecked(i in layers)
            box.blockSignals(False)
        self._layer_toggled(True)

    # -- sources --------------------------------------------------------------------------------------
    def set_favourites(self, favs: list[Any]) -> None:
        self.favourites = list(favs)
        self._favourites_state()

    def _favourites_state(self) -> None:
        """The Favourites buttons work once there are favourites; until then a hint says how to make one."""
        have = bool(self.favourites)
        self.fav_hint.setVisible(not have)
        for b in (self.rows_fav, self.cols_fav):
            b.setEnabled(have)
            b.setToolTip(f"Use the explorer's {len(self.favourites)} favourites" if have else FAV_HINT)

    def _use_favourites(self, rows: bool) -> None:
        if not self.favourites:
            self.note.setText("No favourites yet: press ★ in the explorer.")
            return
        srcs = self.favourites[:16]
        edit = self.rows_edit if rows else self.cols_edit
        edit.setText(", ".join(s.describe() for s in srcs))
        if rows:
            self._row_sources = srcs
        else:
            self._col_sources = srcs
        self.refresh()

    def _sources_edited(self) -> None:
        fixed = ("seed", "latent", "my image")  # texts written from sources, not typed seed lists
        self._row_sources = None if not self.rows_edit.text().startswith(fixed) else self._row_sources
        self._col_sources = None if not self.cols_edit.text().startswith(fixed) else self._col_sources
        self.refresh()

    # -- use my image: the projected latent joins the rows or the columns ---------------------------------
    def use_image_dialog(self, rows: bool = True) -> None:
        path = ask_image(self)
        if path is not None:
            self.use_image(path, rows)

    def use_image(self, path: Path, rows: bool = True) -> int | None:
        """Project ``path`` on the worker (progress + Cancel); it becomes a row (or column) source."""
        pixels, why = read_image(path)
        if pixels is None or not self.model_id:
            self.note.setText(f"⚠ {why or 'Choose a model first.'}")
            return None
        self._project_rows = rows
        return self.projector.start(self.model_id, pixels, lambda s, img, steps, progress, abort: s.project(
            img, steps=steps, progress_fn=progress, abort_fn=abort), name=Path(path).name)

    def _projected(self, src: Any, info: dict) -> None:
        rows = self._project_rows
        edit, fixed = (self.rows_edit, self._row_sources) if rows else (self.cols_edit, self._col_sources)
        try:
            srcs = [*self._sources(edit, fixed), src][-16:]
        except ValueError:
            srcs = [src]
        edit.setText(", ".join(s.describe() for s in srcs))
        if rows:
            self._row_sources = srcs
        else:
            self._col_sources = srcs
        self.refresh()

    def dragEnterEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if dropped_image(event) is not None:  # a PNG with a recipe is left to the window, which restores it
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event) -> None:  # noqa: N802 (Qt API)
        path = dropped_image(event)
        if path is not None:
            event.acceptProposedAction()
            self.use_image(path, rows=True)

    def _sources(self, edit: QLineEdit, fixed: list[Any] | None) -> tuple[Any, ...]:
        from ...core.sessions.requests import Source

        if fixed is not None:
            return tuple(fixed)
        return tuple(Source.from_seed(s) for s in parse_seed_list(edit.text()))

    def current_request(self) -> Any:
        from ...core.sessions.requests import MixRequest

        return MixRequest(self.model_id or "", rows=self._sources(self.rows_edit, self._row_sources),
                          cols=self._sources(self.cols_edit, self._col_sources), layers=self.layers(),
                          psi=self.psi.value(), noise_mode=self.noise_mode.currentText())

    def set_request(self, req: Any) -> None:
        self._row_sources, self._col_sources = list(req.rows), list(req.cols)
        self.rows_edit.setText(", ".join(s.describe() for s in req.rows))
        self.cols_edit.setText(", ".join(s.describe() for s in req.cols))
        self.psi.set_value(req.psi, emit=False)
        self.noise_mode.blockSignals(True)
        self.noise_mode.setCurrentText(req.noise_mode)
        self.noise_mode.blockSignals(False)
        self.set_layers(tuple(req.layers))

    # -- export and recipes ------------------------------------------------------------------------------
    # Set by the window: switch the toolbar's model (raises ValueError for a model not in the library).
    pick_model: Callable[[str], None] | None = None

    size_box: Any = None  # the window's toolbar box (shared with the explorer); None: native

    def export_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export image", "gan-studio.png", "PNG image (*.png)")
        if path:
            self.export(Path(path))

    def export(self, path: Path, size: int | None | str = "chosen") -> int:
        """The mix grid with its recipe (kind "mix") as PNG, on the worker, the whole grid's longest side at
        ``size`` (default: the export size box's), enlarged by the upscale model."""
        from ..export_size import request_sized

        if not self.model_id:
            raise RuntimeError("no model")
        req = self.current_request()

        def write(s: Any, px: int | None, up: Any) -> Any:
            from ...core.sessions.sized_export import export_at_size

            return export_at_size(s.mix_grid(req), path, s.recipe(req), px, up)

        return self.reported(request_sized(self.worker, "export", self.model_id, self.size_box, write, size))

    def restore_recipe(self, recipe: dict[str, Any], path: Path) -> bool:
        from ...core.sessions.requests import request_from_recipe

        req = request_from_recipe(recipe)
        if self.pick_model is not None:
            self.pick_model(req.model_id)
        self.set_request(req)
        return True

    def refresh(self) -> None:
        if not self.model_id or not self.layer_boxes:
            return
        try:
            req = self.current_request()
        except ValueError as exc:
            self.note.setText(f"⚠ {exc}")
            return
        self.note.setText(f"{len(req.rows)} × {len(req.cols)} mixes · layers "
                            f"{', '.join(map(str, req.layers)) or 'none'} from the columns")
        if self.asleep:
            self._dirty = True  # the grid renders when the tab is first shown, not at start-up
            return
        heads = ([s.describe() for s in req.rows], [s.describe() for s in req.cols])
        handle = self.worker.request("mixer", self.model_id, Call("mix_grid", req))
        handle.returned.connect(lambda image, ms, i=handle.id: self._mixed(i, image, heads, ms))
        handle.errored.connect(lambda message, _tb: self._mix_failed(message))

    def wake(self) -> None:
        """The tab came on screen: render the grid asked for meanwhile."""
        self.asleep = False
        if self._dirty:
            self._dirty = False
            self.refresh()

    def _mixed(self, task_id: int, image: Any, heads: tuple[list[str], list[str]], ms: float) -> None:
        if task_id > self._shown:
            self._shown = task_id
            self.view.set_image(image)
            self.view.set_labels(*heads)
            self.frameTime.emit(ms)

    def _mix_failed(self, message: str) -> None:
        self.note.setText(f"⚠ Could not render: {message}")
        self.error.emit(message)
