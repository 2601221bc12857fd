"""The age panel's layout: its widgets and how they are wired, mixed into the panel class (which
supplies the slots it connects)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
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
from ..projection import ProjectionBar
from ..widgets import MAX_SEED, ImageView, LabeledSlider, Thumb, scroll_strip

LEVELS = (("baby", 0.0), ("child", 1 / 3), ("adult", 2 / 3), ("old", 1.0))  # the base ages of "my image"
GENDERS = (("Any", "any"), ("Male", "male"), ("Female", "female"))
SKIN_TONES = ("Default (yellow)", "Light", "Medium-light", "Medium", "Medium-dark", "Dark")


class AgeLayout:
    """``_build`` of the age panel."""

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
        self.seed_box.valueChanged.connect(self._seed_picked)
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
