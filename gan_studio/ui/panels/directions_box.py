"""The explorer's semantic-direction sliders (GANSpace): one slider and one layer range per top direction,
named edits saved per model, and a reset. The box holds no image state: it reports edits, the explorer keeps
them in its undoable state and the session applies them."""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..widgets import LabeledSlider
from ..worker import Call

SLIDERS = 5
RANGE = 5.0  # standard deviations either way


class DirectionsBox(QGroupBox):
    editsChanged = Signal(tuple, str)  # noqa: N815 (Qt naming): the edits, and the control that changed

    def __init__(self, worker: Any, parent: QWidget | None = None) -> None:
        super().__init__("Directions", parent)
        self.worker = worker
        self.model_id: str | None = None
        self.settings: QSettings | None = None  # the window's (its tests use a temporary file); else the app's
        self._groups: dict[str, tuple[int, ...]] = {}
        self._asked = 0
        self.setToolTip("The directions along which this model's images vary most (PCA of its latents). "
                        "Each slider moves the image along one; its menu picks the layers it acts on "
                        "(coarse: shape and pose, fine: colour and texture).")
        self.status = QLabel("Load a model to see its directions.")
        self.status.setWordWrap(True)
        grid = QGridLayout()
        self.labels: list[QLabel] = []
        self.sliders: list[LabeledSlider] = []
        self.ranges: list[QComboBox] = []
        for i in range(SLIDERS):
            label = QLabel(f"Direction {i}")
            slider = LabeledSlider(-RANGE, RANGE, 0.0, step=0.1, fmt="{:+.1f}σ")
            combo = QComboBox()
            combo.addItem("All layers", None)
            slider.valueChanged.connect(lambda _v, i=i: self._changed(f"direction{i}"))
            combo.currentIndexChanged.connect(lambda _v, i=i: self._changed(f"layers{i}"))
            grid.addWidget(label, 2 * i, 0, 1, 2)
            grid.addWidget(slider, 2 * i + 1, 0)
            grid.addWidget(combo, 2 * i + 1, 1)
            self.labels.append(label)
            self.sliders.append(slider)
            self.ranges.append(combo)
        self.reset_btn = QPushButton("Reset")
        self.reset_btn.setToolTip("Back to the unedited image (undo with Ctrl+Z)")
        self.save_btn = QPushButton("Save edit…")
        self.save_btn.setToolTip("Keep these slider settings under a name, for any image of this model")
        self.saved = QComboBox()
        self.saved.setToolTip("Apply a saved edit")
        buttons = QHBoxLayout()
        buttons.addWidget(self.reset_btn)
        buttons.addWidget(self.save_btn)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addLayout(grid)
        layout.addLayout(buttons)
        layout.addWidget(self.saved)
        self.reset_btn.clicked.connect(self.reset)
        self.save_btn.clicked.connect(self.save_dialog)
        self.saved.activated.connect(self._apply_saved)
        self._enable(False)

    # -- model ---------------------------------------------------------------------------------------
    def set_model(self, model_id: str | None, facts: dict[str, Any] | None = None) -> None:
        """A new model: its directions are asked for (computed once per model, then cached on disk)."""
        changed = model_id != self.model_id
        self.model_id = model_id
        if facts:
            self._groups = {k: tuple(v) for k, v in facts.get("layer_groups", {}).items() if v}
            for combo in self.ranges:
                combo.blockSignals(True)
                keep = combo.currentData()
                combo.clear()
                combo.addItem("All layers", None)
                for name, layers in self._groups.items():
                    combo.addItem(f"{name.capitalize()} ({min(layers)}–{max(layers)})", [min(layers), max(layers) + 1])
                idx = combo.findData(keep)
                combo.setCurrentIndex(max(0, idx))
                combo.blockSignals(False)
        if not changed:
            return
        self._enable(False)
        self._load_saved()
        if model_id:
            self.status.setText("Finding this model's directions…")
            handle = self.worker.request("explorer-directions", model_id, Call("directions", SLIDERS),
                                         convert=False)
            self._asked = handle.id
            handle.then(lambda result, tid=handle.id: self._on_result(tid, result),
                        lambda message, tid=handle.id: self._on_error(tid, message))
        else:
            self.status.setText("Load a model to see its directions.")

    def _on_result(self, task_id: int, result: Any) -> None:
        if task_id != self._asked:  # an earlier model's answer
            return
        for label, d in zip(self.labels, result, strict=False):
            label.setText(f"Direction {d['index']} · {100 * d['explained']:.1f} % of the variety")
        self.status.setText("Move a slider to change the image along a direction.")
        self._enable(True)

    def _on_error(self, task_id: int, message: str) -> None:
        if task_id == self._asked:
            self.status.setText(f"No directions for this model: {message}")

    def _enable(self, on: bool) -> None:
        for w in (*self.sliders, *self.ranges, self.reset_btn, self.save_btn):
            w.setEnabled(on)

    # -- edits ---------------------------------------------------------------------------------------
    def edits(self) -> tuple[Any, ...]:
        from ...core.sessions.requests import Edit

        out = []
        for i, (slider, combo) in enumerate(zip(self.sliders, self.ranges, strict=True)):
            amount = round(slider.value(), 2)
            if amount:
                layers = combo.currentData()
                out.append(Edit(i, amount, tuple(layers) if layers else None))
        return tuple(out)

    def show_edits(self, edits: tuple[Any, ...]) -> None:
        """Put the sliders where ``edits`` say (undo, a reopened recipe), without reporting a change."""
        by_dir = {e.direction: e for e in edits}
        for i, (slider, combo) in enumerate(zip(self.sliders, self.ranges, strict=True)):
            e = by_dir.get(i)
            slider.set_value(e.amount if e else 0.0, emit=False)
            combo.blockSignals(True)
            idx = combo.findData(list(e.layers)) if e and e.layers else 0
            combo.setCurrentIndex(max(0, idx))
            combo.blockSignals(False)

    def _changed(self, key: str) -> None:
        self.editsChanged.emit(self.edits(), key)

    def reset(self) -> None:
        self.show_edits(())
        self.editsChanged.emit((), "")

    # -- saved edits ---------------------------------------------------------------------------------
    def _settings(self) -> QSettings:
        return self.settings if self.settings is not None else QSettings()

    def _settings_key(self) -> str:
        return f"directions/{self.model_id}"

    def saved_edits(self) -> dict[str, list[dict[str, Any]]]:
        raw = self._settings().value(self._settings_key(), "{}")
        try:
            data = json.loads(str(raw))
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}

    def save_edit(self, name: str) -> None:
        name = name.strip()
        if not name or not self.model_id:
            return
        data = self.saved_edits()
        data[name] = [e.to_json() for e in self.edits()]
        self._settings().setValue(self._settings_key(), json.dumps(data))
        self._load_saved()

    def save_dialog(self) -> None:
        name, ok = QInputDialog.getText(self, "Save edit", "Name of this edit (e.g. “smile”):")
        if ok:
            self.save_edit(name)

    def _load_saved(self) -> None:
        self.saved.clear()
        data = self.saved_edits() if self.model_id else {}
        self.saved.addItem("Saved edits…" if data else "No saved edits", None)
        for name in sorted(data):
            self.saved.addItem(name, name)

    def apply_saved(self, name: str) -> None:
        from ...core.sessions.requests import Edit

        try:
            edits = tuple(Edit.from_json(e) for e in self.saved_edits().get(name, []))
        except (KeyError, TypeError, ValueError):
            self.status.setText(f"The saved edit “{name}” is damaged and was not applied.")
            return
        self.show_edits(edits)
        self.editsChanged.emit(tuple(e for e in edits if e.direction < SLIDERS), "")

    def _apply_saved(self, index: int) -> None:
        name = self.saved.itemData(index)
        if name:
            self.apply_saved(str(name))
