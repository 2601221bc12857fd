"""The explorer panel's layout: its widgets and how they are wired, mixed into the panel class (which
supplies the slots it connects)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ...core.defaults import NOISE_MODES, NOISE_STRENGTH, PSI
from ..empty_state import HintStack
from ..projection import ProjectionBar
from ..seed_grid import SeedGrid
from ..widgets import MAX_SEED, ImageView, LabeledSlider, scroll_strip, side_column
from .class_picker import ClassPicker
from .directions_box import DirectionsBox

FAV_HINT = "★ Favourite (F) adds the current image here — click one to show it, right-click to add it to the walk"


class ExplorerLayout:
    """``_build`` of the explorer panel."""

    def _build(self) -> None:
        self.view = ImageView(256)
        self.view.setObjectName("explorerView")
        self.caption = QLabel()
        self.caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.caption.setTextFormat(Qt.TextFormat.PlainText)  # class and domain names come from a model's card
        self._pair = ""  # a pair model's "A ◂ │ ▸ B · " (set_domains)

        self.seed_box = QSpinBox()
        self.seed_box.setRange(0, MAX_SEED)
        self.seed_box.setKeyboardTracking(False)
        self.random_btn = QPushButton("Random")
        self.random_btn.setToolTip("Random seed (R)")
        self.random_btn.setShortcut("R")
        self.psi = LabeledSlider(PSI.lo, PSI.hi, PSI.default)
        self.psi.setToolTip("Truncation ψ: 0 = the average image, 1 = full variety")
        self.noise_mode = QComboBox()
        self.noise_mode.addItems(list(NOISE_MODES))
        self.noise_strength = LabeledSlider(NOISE_STRENGTH.lo, NOISE_STRENGTH.hi, NOISE_STRENGTH.default)
        self.fav_btn = QPushButton("★ Favourite")
        self.fav_btn.setShortcut("F")
        self.fav_btn.setToolTip("Add the current image to favourites (F)")

        seed_row = QHBoxLayout()
        seed_row.addWidget(self.seed_box, 1)
        seed_row.addWidget(self.random_btn)
        self.class_picker = ClassPicker()
        form = self._form = QFormLayout()
        form.addRow("Class", self.class_picker)
        form.setRowVisible(self.class_picker, False)  # until a model's facts list classes
        form.addRow("Seed", seed_row)
        form.addRow("Truncation ψ", self.psi)
        form.addRow("Noise", self.noise_mode)
        form.addRow("Noise strength", self.noise_strength)
        form.addRow(self.fav_btn)
        self.use_image_btn = QPushButton("Use my image…")
        self.use_image_btn.setToolTip("Fit your own image to the model; it joins the favourites like a seed "
                                      "(or drop an image here)")
        self.project_bar = ProjectionBar(self.projector)
        form.addRow(self.use_image_btn)
        form.addRow(self.project_bar)

        self.directions = DirectionsBox(self.worker)
        walk = QGroupBox("Walk")
        self.add_path_btn = QPushButton("Add to walk")
        self.clear_path_btn = QPushButton("Clear")
        self.path_label = QLabel("Add two or more images to walk between them.")
        self.path_label.setWordWrap(True)
        self.t_slider = LabeledSlider(0.0, 1.0, 0.0, step=0.005, fmt="{:.2f}")
        self.play_btn = QPushButton("▶ Play")
        self.play_btn.setCheckable(True)
        self.play_btn.setShortcut("Space")
        wl = QVBoxLayout(walk)
        row = QHBoxLayout()
        row.addWidget(self.add_path_btn)
        row.addWidget(self.clear_path_btn)
        wl.addLayout(row)
        wl.addWidget(self.path_label)
        wl.addWidget(self.t_slider)
        wl.addWidget(self.play_btn)

        controls = QVBoxLayout()
        controls.addLayout(form)
        controls.addWidget(walk)
        controls.addWidget(self.directions)
        controls.addStretch(1)
        side = QWidget()
        side.setLayout(controls)
        side = side_column(side, 300)  # scrolls on a short screen instead of pushing the window past it

        self.grid_box = SeedGrid("Seeds")
        self.thumbs = self.grid_box.thumbs  # the same list: it grows and shrinks with the panel's width
        self.prev_btn, self.next_btn = self.grid_box.prev_btn, self.grid_box.next_btn

        self.fav_strip, fav_scroll = scroll_strip(118)
        fav_box = QGroupBox("Favourites")
        self.fav_stack = HintStack(fav_scroll, FAV_HINT)
        QVBoxLayout(fav_box).addWidget(self.fav_stack)

        centre = QVBoxLayout()
        centre.addWidget(self.view, 1)
        centre.addWidget(self.caption)
        top = QHBoxLayout()
        top.addWidget(side)
        top.addLayout(centre, 1)
        outer = QVBoxLayout(self)
        outer.addLayout(top, 1)
        outer.addWidget(self.grid_box)
        outer.addWidget(fav_box)

        self.seed_box.valueChanged.connect(lambda v: self.change(seed=v, latent=None, walking=False))
        self.random_btn.clicked.connect(self.random_seed)
        self.class_picker.picked.connect(lambda name: self.change(class_name=name))
        self.psi.valueChanged.connect(lambda v: self.change(psi=v, key="psi"))
        self.noise_mode.currentTextChanged.connect(lambda v: self.change(noise_mode=v))
        self.noise_strength.valueChanged.connect(lambda v: self.change(noise_strength=v, key="noise"))
        self.fav_btn.clicked.connect(self.add_favourite)
        self.use_image_btn.clicked.connect(self.use_image_dialog)
        self.projector.projected.connect(self._projected)
        self.add_path_btn.clicked.connect(self.add_to_path)
        self.clear_path_btn.clicked.connect(lambda: self.change(path=(), t=0.0, walking=False))
        self.t_slider.valueChanged.connect(lambda v: self.change(t=v, walking=True, key="t"))
        self.play_btn.toggled.connect(self._toggle_play)
        self.directions.editsChanged.connect(lambda edits, key: self.change(edits=edits, key=key))
        self.grid_box.picked.connect(self._pick_seed)
        self.grid_box.paged.connect(self._page)
        self.grid_box.pageSizeChanged.connect(self._page_resized)
