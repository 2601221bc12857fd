"""What every task panel does with its model: offer the library's cards for its task, and load only on screen.

Loading a model (and, for text, the sentence encoder) costs seconds, so a panel whose tab has not been opened
yet is ``asleep``: choosing a model there only marks it, and ``wake()`` starts it when the tab is raised.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QWidget

from ..model_picker import fill_model_combo
from .contract import PanelDefaults


class ModelPanel(PanelDefaults, QWidget):
    """Base of the age, sketch, translation and text panels; subclasses set ``task`` and the three hooks."""

    task = ""  # the card task this panel offers (``ModelCard.tasks``)
    model_combo: QComboBox
    frameTime = Signal(float)  # noqa: N815 (Qt naming): ms the worker took, for the status bar
    error = Signal(str)
    status = Signal(str)

    def __init__(self, worker: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.worker = worker  # the InferenceWorker the panel submits to
        self.model_id: str | None = None
        self._dirty = False  # a model was chosen while asleep: start it on wake()
        self.asleep = False  # the window sets this for a tab not yet shown; wake() starts it

    def set_cards(self, cards: list[Any]) -> None:
        """Offer the library's models for this task; without one, say how to get one."""
        if fill_model_combo(self.model_combo, cards, self.task):
            self._picked(self.model_combo.currentIndex())
            return
        self.model_id = None
        self._no_model()

    def _picked(self, idx: int) -> None:
        model_id = self.model_combo.itemData(idx)
        if model_id:
            self.set_model(model_id)

    def set_model(self, model_id: str) -> None:
        self._choose(model_id)
        self.model_id = model_id
        idx = self.model_combo.findData(model_id)
        if idx >= 0 and idx != self.model_combo.currentIndex():
            self.model_combo.blockSignals(True)
            self.model_combo.setCurrentIndex(idx)
            self.model_combo.blockSignals(False)
        if self.asleep:
            self._dirty = True
            return
        self._start()

    def _start(self) -> None:
        self._dirty = False
        if self.model_id:
            self._load()

    def wake(self) -> None:
        """The panel came on screen (its dock tab was raised): start the model chosen meanwhile."""
        self.asleep = False
        if self._dirty:
            self._start()

    # -- hooks ----------------------------------------------------------------------------------------------
    def _no_model(self) -> None:
        """The library has no model for this task: disable the controls and say how to get one."""
        raise NotImplementedError

    def _choose(self, model_id: str) -> None:
        """``model_id`` is about to replace ``self.model_id``: reset what belonged to the old model."""

    def _load(self) -> None:
        """Ask the worker for the model (runs when the panel is on screen)."""
        raise NotImplementedError
