"""The text panel's layout: its widgets and how they are wired, mixed into the panel class (which
supplies the slots it connects)."""

from __future__ import annotations

from PySide6.QtCore import Qt
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

from ...core.defaults import COND_PSI, VARIATION
from ..export_size import ExportSizeBox, export_row
from ..model_picker import add_model_row, model_picker
from ..widgets import MAX_SEED, ImageView, LabeledSlider, Thumb, scroll_strip
from .text_tasks import BEST_KEY, BEST_TIP, DEFAULT_COUNT, HISTORY_LIMIT, MAX_COUNT


class TextLayout:
    """``_build`` of the text panel."""

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
