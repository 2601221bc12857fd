"""The model pickers: one combo per panel listing the library's cards for its task, its full name in the tooltip."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel

from .messages import plain_tip


def model_label(card: object) -> str:
    """A card's name for a picker: its resolution is added only when the name does not already say it."""
    name, res = str(card.name), int(card.resolution)
    return name if "px" in name else f"{name} · {res} px"


def fill_model_combo(combo: QComboBox, cards: list, task: str) -> bool:
    """List the cards offering ``task`` (id as item data) without emitting signals; select the first.

    Returns whether there is any, so a panel can show its no-model message instead."""
    usable = [c for c in cards if task in c.tasks]
    combo.blockSignals(True)
    combo.clear()
    for c in usable:
        combo.addItem(model_label(c), c.id)
    combo.setCurrentIndex(0 if usable else -1)  # with a placeholder, Qt selects nothing itself
    combo.blockSignals(False)
    combo.setEnabled(bool(usable))
    name_in_tooltip(combo)
    return bool(usable)


def name_in_tooltip(combo: QComboBox) -> None:
    """The tooltip ends with the full current text: a name longer than the side column is elided on screen."""
    base = combo.property("baseToolTip")
    if base is None:
        base = combo.toolTip()
        combo.setProperty("baseToolTip", base)
    text = combo.currentText()
    combo.setToolTip(plain_tip(f"{base}\n{text}" if base and text else base or text))


def model_picker(tooltip: str, placeholder: str) -> QComboBox:
    """The model combo every task panel starts with: as wide as its longest name, with a placeholder when none
    fits, and the full name in its tooltip (a very long imported name is elided by the side column)."""
    combo = QComboBox()
    combo.setToolTip(tooltip)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
    combo.setPlaceholderText(placeholder)
    combo.currentIndexChanged.connect(lambda _: name_in_tooltip(combo))
    return combo


def add_model_row(form: QFormLayout, combo: QComboBox) -> None:
    """"Model" above its picker across the side column: model names are longer than the other fields."""
    form.addRow(QLabel("Model"))
    form.addRow(combo)
