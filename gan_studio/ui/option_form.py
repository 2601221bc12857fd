"""The fine-tune dialog's "Recipe" group: a family's own training options, built from their declarations
(core.families ``Option``), and the family's named presets that fill them. Hidden for families without options.

What a value means, and whether it can train, is core's to say (``TrainerSpec.check_options``); this module only
turns declarations into widgets and widgets back into ``{dest: value}``.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QSpinBox,
    QWidget,
)

CUSTOM = "Custom"
DEFAULT_TEXT = "default"
MAX_VALUE = 1_000_000


def _label(opt: Any) -> str:
    return opt.flag.lstrip("-").replace("-", " ").capitalize()


class NumberBox(QDoubleSpinBox):
    """A float option with as many decimals as it needs (1e-4 reads 0.0001, 10 reads 10)."""

    def textFromValue(self, value: float) -> str:  # noqa: N802 (Qt API)
        return f"{value:.6f}".rstrip("0").rstrip(".") or "0"


def option_widget(opt: Any) -> QWidget:
    """One widget per declaration: a combo for choices, a check box for a switch, a spin box for a number
    (an option whose default is None shows "default" at its minimum), a line edit for other text."""
    if opt.choices is not None:
        w: QWidget = QComboBox()
        if opt.default is None:
            w.addItem(DEFAULT_TEXT, None)
        for choice in opt.choices:
            w.addItem(str(choice), choice)
    elif opt.type is bool:
        w = QCheckBox(_label(opt))
    elif opt.type is int:
        w = QSpinBox()
        w.setRange(0 if opt.default in (None, 0) else 1, MAX_VALUE)  # a count that defaults above 0 stays so
    elif opt.type is float:
        w = NumberBox()
        w.setDecimals(6)
        w.setRange(0.0, MAX_VALUE)
        w.setStepType(QDoubleSpinBox.StepType.AdaptiveDecimalStepType)
    else:
        w = QLineEdit()
        w.setPlaceholderText(DEFAULT_TEXT if opt.default is None else str(opt.default))
    if isinstance(w, QSpinBox | QDoubleSpinBox) and opt.default is None:
        w.setSpecialValueText(DEFAULT_TEXT)
    w.setToolTip(opt.help)
    set_value(w, opt, opt.default)
    return w


def set_value(w: QWidget, opt: Any, value: Any) -> None:
    if isinstance(w, QComboBox):
        w.setCurrentIndex(max(0, w.findData(value)))
    elif isinstance(w, QCheckBox):
        w.setChecked(bool(value))
    elif isinstance(w, QSpinBox | QDoubleSpinBox):
        w.setValue(w.minimum() if value is None else value)
    elif isinstance(w, QLineEdit):
        w.setText("" if value is None or value == opt.default else str(value))


def get_value(w: QWidget, opt: Any) -> Any:
    if isinstance(w, QComboBox):
        return w.currentData()
    if isinstance(w, QCheckBox):
        return w.isChecked()
    if isinstance(w, QSpinBox | QDoubleSpinBox):
        return None if opt.default is None and w.value() == w.minimum() else w.value()
    text = w.text().strip()
    return opt.default if not text else opt.type(text)


def _changed_signal(w: QWidget) -> Any:
    if isinstance(w, QComboBox):
        return w.currentIndexChanged
    if isinstance(w, QCheckBox):
        return w.toggled
    if isinstance(w, QLineEdit):
        return w.textChanged
    return w.valueChanged


class RecipeBox(QGroupBox):
    """A family's options in two columns, and a preset combo when the family has presets."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Recipe", parent)
        self.preset = QComboBox()
        self.preset.setToolTip("A classic recipe: sets the options below (each option's tooltip says what it does)")
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setVisible(False)
        self.widgets: dict[str, QWidget] = {}
        self._options: tuple[Any, ...] = ()
        self._presets: tuple[tuple[str, dict[str, Any]], ...] = ()
        self._filling = False
        self.grid = QGridLayout(self)
        self.preset.currentIndexChanged.connect(self._preset_picked)
        self.set_options((), ())

    def set_options(self, options: tuple[Any, ...], presets: tuple[tuple[str, dict[str, Any]], ...]) -> None:
        """Show these declarations (none: the group hides) with these presets (name, {dest: value})."""
        while self.grid.count():
            item = self.grid.takeAt(0)
            if item.widget() is not None and item.widget() not in (self.preset, self.error):
                item.widget().deleteLater()
        self._options, self._presets, self.widgets = tuple(options), tuple(presets), {}
        row = 0
        self._filling = True
        self.preset.clear()
        for name, _ in self._presets:
            self.preset.addItem(name)
        if self._presets:
            self.preset.addItem(CUSTOM)
            self.grid.addWidget(QLabel("Preset"), 0, 0)
            self.grid.addWidget(self.preset, 0, 1, 1, 3)
            row = 1
        self.preset.setVisible(bool(self._presets))
        for i, opt in enumerate(self._options):
            w = option_widget(opt)
            self.widgets[opt.dest] = w
            r, c = row + i // 2, (i % 2) * 2
            if isinstance(w, QCheckBox):
                self.grid.addWidget(w, r, c, 1, 2)
            else:
                self.grid.addWidget(QLabel(_label(opt)), r, c)
                self.grid.addWidget(w, r, c + 1)
            _changed_signal(w).connect(self._edited)
        self.grid.addWidget(self.error, row + (len(self._options) + 1) // 2, 0, 1, 4)
        self._filling = False
        self.set_error("")
        self._match_preset()
        self.setVisible(bool(self._options))

    def values(self) -> dict[str, Any]:
        """The options that differ from their defaults (dest → value): what a job passes to `gan-studio train`."""
        out = {}
        for opt in self._options:
            value = get_value(self.widgets[opt.dest], opt)
            if value != opt.default:
                out[opt.dest] = value
        return out

    def set_values(self, values: dict[str, Any]) -> None:
        """Every option at its default, then ``values`` (a preset)."""
        self._filling = True
        try:
            for opt in self._options:
                set_value(self.widgets[opt.dest], opt, values.get(opt.dest, opt.default))
        finally:
            self._filling = False
        self._match_preset()
        self.changed.emit()

    def choose_preset(self, name: str) -> None:
        idx = self.preset.findText(name)
        if idx < 0:
            raise ValueError(f"no preset {name!r}")
        self.preset.setCurrentIndex(idx)

    def set_error(self, message: str) -> None:
        self.error.setText(f"⚠ {message}" if message else "")
        self.error.setVisible(bool(message))

    def _preset_picked(self, idx: int) -> None:
        if self._filling or not 0 <= idx < len(self._presets):
            return
        self.set_values(self._presets[idx][1])

    def _edited(self, *_: Any) -> None:
        if self._filling:
            return
        self._match_preset()
        self.changed.emit()

    def _match_preset(self) -> None:
        """Name the preset the widgets now hold, or Custom."""
        if not self._presets:
            return
        defaults = {o.dest: o.default for o in self._options}
        now = self.values()
        idx = next((i for i, (_, vals) in enumerate(self._presets)
                    if {k: v for k, v in vals.items() if v != defaults.get(k)} == now), len(self._presets))
        self._filling = True
        self.preset.setCurrentIndex(idx)
        self._filling = False
