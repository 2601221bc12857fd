""""New fine-tune" dialog: folder (browse or drop), family, base model or scratch, resolution, budget,
augmentation, square/alpha handling, Freeze-D, name, and the family's own options (the "Recipe" group, with
presets such as WGAN-GP or CGAN); a dataset check with skip reasons and a preview of processed samples runs in
the background, and core checks the options, before the job can start."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QThread, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ..core.data.check import DatasetCheck, Prep, check_folder, display_path
from ..core.families import dialog_families
from ..core.jobs.spec import STARTER_MODEL, JobSpec, check_options, dialog_options
from .option_form import RecipeBox
from .widgets import ImageView

RESOLUTIONS = (16, 32, 64, 128, 256)


class CheckJob(QThread):
    """Runs the dataset check off the GUI thread (decoding a folder takes seconds)."""

    done = Signal(object, str)  # DatasetCheck | None, error text

    def __init__(self, folder: Path, prep: Prep, parent: Any = None) -> None:
        super().__init__(parent)
        self.folder, self.prep = folder, prep

    def run(self) -> None:
        try:
            self.done.emit(check_folder(self.folder, self.prep, load=True), "")
        except (OSError, ValueError) as exc:
            self.done.emit(None, str(exc))


class FineTuneDialog(QDialog):
    def __init__(self, cards: list[Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New fine-tune")
        self.setAcceptDrops(True)
        self.cards = cards
        self.check: DatasetCheck | None = None
        self._check_job: CheckJob | None = None
        form = QFormLayout()
        self.folder = QLineEdit()
        self.folder.setPlaceholderText("a folder of your images (or drop it here)")
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(self.folder)
        row.addWidget(browse)
        form.addRow("Images", row)
        self.family = QComboBox()
        for spec in dialog_families():
            self.family.addItem(spec.trainer.label, spec.name)
        form.addRow("Model family", self.family)
        self.base = QComboBox()
        self.base.setToolTip("A library model to start from learns your folder far faster than from scratch")
        form.addRow("Start from", self.base)
        self.resolution = QComboBox()
        for r in RESOLUTIONS:
            self.resolution.addItem(f"{r} px", r)
        self.resolution.setCurrentIndex(2)
        self.resolution_note = QLabel("")
        self.resolution_note.setStyleSheet("color: palette(mid)")
        row = QHBoxLayout()
        row.addWidget(self.resolution)
        row.addWidget(self.resolution_note, 1)
        form.addRow("Image size", row)
        self.budget_kind = QComboBox()
        self.budget_kind.addItems(["minutes", "kimg"])
        self.budget = QDoubleSpinBox()
        self.budget.setRange(0.1, 100000)
        self.budget.setValue(30)
        row = QHBoxLayout()
        row.addWidget(self.budget)
        row.addWidget(self.budget_kind)
        form.addRow("How long", row)
        self.augment = QComboBox()
        for text, key in (("auto (by folder size)", "auto"), ("adaptive (ADA)", "ada"), ("fixed", "fixed"),
                          ("off", "off")):
            self.augment.addItem(text, key)
        self.augment.setToolTip(
            "Shows the model flipped, shifted and recoloured copies of your images, so that a small folder is\n"
            "learnt rather than memorised. Adaptive (ADA) adds only as much as the model needs; auto picks it\n"
            "for you (recommended for fewer than 2,000 images).")
        form.addRow("Augmentation", self.augment)
        self.fit = QComboBox()
        for text, key in (("centre crop", "crop"), ("pad", "pad"), ("resize (stretch)", "resize")):
            self.fit.addItem(text, key)
        form.addRow("Non-square images", self.fit)
        self.alpha = QComboBox()
        for text, key in (("keep transparency", "keep"), ("composite on white", "composite")):
            self.alpha.addItem(text, key)
        form.addRow("Transparency", self.alpha)
        self.freeze_d = QSpinBox()
        self.freeze_d.setRange(0, 6)
        self.freeze_d.setSpecialValueText("auto")
        self.freeze_d.setToolTip(
            "Freeze-D: keep the first N blocks of the starting model's judge (its discriminator) as they are.\n"
            "With few images this keeps a fine-tune from forgetting what it knew; auto: 1 block under 2,000\n"
            "images, when starting from a library model.")
        self.freeze_label = QLabel("Keep the base's judge")
        form.addRow(self.freeze_label, self.freeze_d)
        self.r1 = QDoubleSpinBox()
        self.r1.setRange(0.0, 100.0)
        self.r1.setDecimals(3)
        self.r1.setSingleStep(0.05)
        self.r1.setValue(JobSpec.r1_gamma)
        self.r1.setToolTip(
            "R1 (γ): penalises the judge for changing sharply around your real images, which keeps training\n"
            "steady on small folders. Higher: steadier but softer images; 0: off.")
        self.r1_label = QLabel("Keep training steady (R1)")
        form.addRow(self.r1_label, self.r1)
        self.name = QLineEdit()
        form.addRow("Name", self.name)
        self.recipe = RecipeBox()
        self.check_button = QPushButton("Check images")
        self.check_button.clicked.connect(self.run_check)
        self.summary = QLabel("Pick a folder, then check it.")
        self.summary.setWordWrap(True)
        self.skipped = QListWidget()
        self.skipped.setMaximumHeight(110)
        self.preview = ImageView(160)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Start")
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.recipe)
        lay.addWidget(self.check_button)
        lay.addWidget(self.summary)
        lay.addWidget(self.skipped)
        lay.addWidget(self.preview)
        lay.addWidget(self.buttons)
        self.family.currentIndexChanged.connect(self._family_changed)
        self.base.currentIndexChanged.connect(self._base_changed)
        for w in (self.fit, self.alpha, self.resolution):
            w.currentIndexChanged.connect(self._invalidate)
        self.folder.textChanged.connect(self._invalidate)
        self.recipe.changed.connect(self._check_options)
        self._family_changed()

    # -- inputs ---------------------------------------------------------------------------------------
    def _browse(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Folder of images")
        if path:
            self.set_folder(Path(path))

    def set_folder(self, path: Path) -> None:
        self.folder.setText(str(path))
        if not self.name.text():
            self.name.setText(path.name)

    def dragEnterEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:  # noqa: N802 (Qt API)
        for url in event.mimeData().urls():
            if url.isLocalFile() and Path(url.toLocalFile()).is_dir():
                self.set_folder(Path(url.toLocalFile()))
                self.run_check()
                break

    def _family_changed(self) -> None:
        fam = next(s for s in dialog_families() if s.name == self.family.currentData())
        self.base.clear()
        self.base.addItem("From scratch", None)
        if fam.trainer.transfer:
            for card in self.cards:
                if card.family == fam.name:
                    self.base.addItem(f"{card.name} ({card.id})", card.id)
            idx = self.base.findData(STARTER_MODEL)
            self.base.setCurrentIndex(idx if idx >= 0 else min(1, self.base.count() - 1))
        self.base.setEnabled(fam.trainer.transfer)
        for label, w, on in ((self.freeze_label, self.freeze_d, fam.trainer.freeze_d),
                             (self.r1_label, self.r1, fam.trainer.r1)):
            label.setVisible(on)
            w.setVisible(on)
        self.recipe.set_options(dialog_options(fam.name), fam.trainer.presets)
        self._base_changed()

    def _base_changed(self, _: int = 0) -> None:
        """A fine-tune keeps its base model's size: the size picker shows it and is locked, so the preview, the
        job and the result all agree (from scratch, any size)."""
        base = self.base.currentData()
        card = next((c for c in self.cards if c.id == base), None) if base else None
        self.resolution.blockSignals(True)
        if card is not None:
            if self.resolution.findData(card.resolution) < 0:
                self.resolution.addItem(f"{card.resolution} px", card.resolution)
            self.resolution.setCurrentIndex(self.resolution.findData(card.resolution))
            self.resolution_note.setText("the starting model's size")
            self.resolution.setToolTip(f"{card.name} draws {card.resolution} px images; a fine-tune keeps that "
                                       "size. Pick 'From scratch' to train another size.")
        else:
            self.resolution_note.setText("")
            self.resolution.setToolTip("The size of the images the new model draws")
        self.resolution.setEnabled(card is None)
        self.resolution.blockSignals(False)
        self._invalidate()

    def _invalidate(self) -> None:
        self.check = None
        self._check_options()

    def _check_options(self) -> str:
        """Core's word on the chosen options at this resolution and folder ("" when they can train)."""
        try:
            check_options(self.spec())
            message = ""
        except ValueError as exc:
            message = str(exc)
        self.recipe.set_error(message)
        ok = self.check is not None and bool(self.check.usable) and not message
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(ok)
        return message

    def accept(self) -> None:
        """Start only what can train: options core refuses keep the dialog open with the reason."""
        if self._check_options():
            return
        super().accept()

    def prep(self) -> Prep:
        return Prep(int(self.resolution.currentData()), 4, self.fit.currentData(), self.alpha.currentData())

    # -- dataset check -------------------------------------------------------------------------------------
    def run_check(self) -> None:
        folder = Path(self.folder.text())
        if not folder.is_dir():
            self.summary.setText(f"⚠ {display_path(folder)} is not a folder")
            return
        self.summary.setText("Checking…")
        self.check_button.setEnabled(False)
        self._check_job = CheckJob(folder, self.prep(), self)
        self._check_job.done.connect(self._checked)
        self._check_job.start()

    def _checked(self, check: DatasetCheck | None, error: str) -> None:
        from .qimage import to_qimage

        self.check_button.setEnabled(True)
        self.skipped.clear()
        if check is None:
            self.summary.setText(f"⚠ {error}")
            return
        self.check = check
        self.summary.setText(check.summary() + (" — nothing to train on" if not check.usable else ""))
        for path, reason in check.skipped:
            self.skipped.addItem(f"skipped {display_path(path.relative_to(check.root))}: {reason}")
        for path, notes in check.notes.items():
            self.skipped.addItem(f"note {display_path(path.relative_to(check.root))}: {'; '.join(notes)}")
        tiles = check.preview_grid(16)
        if tiles is not None:
            self.preview.set_image(to_qimage(tiles))
        self._check_options()

    def spec(self) -> JobSpec:
        """What the user chose, as a job spec (data-efficient defaults are filled when the job is created)."""
        kimg = self.budget.value() if self.budget_kind.currentText() == "kimg" else None
        minutes = None if kimg is not None else self.budget.value()
        prep = self.prep()
        return JobSpec(name=self.name.text() or Path(self.folder.text()).name, data=self.folder.text(),
                       family=self.family.currentData(), base=self.base.currentData(),
                       resolution=prep.resolution, minutes=minutes, kimg=kimg, augment=self.augment.currentData(),
                       fit=prep.fit, alpha=prep.alpha, freeze_d=self.freeze_d.value(), options=self.recipe.values(),
                       r1_gamma=self.r1.value())

    def done(self, result: int) -> None:  # noqa: D401 (Qt API)
        if self._check_job is not None:
            self._check_job.wait()
        super().done(result)
