"""The explorer's page of seed thumbnails: two rows as wide as the panel, so a wider window shows more seeds."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QGridLayout, QGroupBox, QLayout, QPushButton, QVBoxLayout, QWidget

from .widgets import Thumb

ROWS = 2
THUMB_SIDE = 72
MIN_COLUMNS = 4
SPACING = 6


def columns_for(width: int, side: int = THUMB_SIDE, reserved: int = 64) -> int:
    """How many thumbnails of ``side`` px fit across ``width`` px beside the page buttons (``reserved``)."""
    cell = side + 8 + SPACING  # a Thumb is its icon plus 8 px of frame
    return max(MIN_COLUMNS, (width - reserved) // cell)


class SeedGrid(QGroupBox):
    """Pages of consecutive seeds; the page holds ``ROWS`` rows of as many columns as the width allows.

    ``pageSizeChanged`` fires when a resize changes how many seeds a page holds (the explorer renders the new
    ones); ``picked`` carries a clicked seed; ``paged`` is -1 or +1 for the ◀ / ▶ buttons.
    """

    pageSizeChanged = Signal(int)  # noqa: N815 (Qt naming)
    picked = Signal(int)
    paged = Signal(int)

    def __init__(self, title: str = "Seeds", parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self.thumbs: list[Thumb] = []
        self.columns = 8
        self._grid = QGridLayout()
        self._grid.setHorizontalSpacing(SPACING)
        self.prev_btn = QPushButton("◀")
        self.next_btn = QPushButton("▶")
        for b in (self.prev_btn, self.next_btn):
            b.setFixedWidth(36)
        self.prev_btn.setToolTip("Previous page of seeds")
        self.next_btn.setToolTip("Next page of seeds")
        self.prev_btn.clicked.connect(lambda: self.paged.emit(-1))
        self.next_btn.clicked.connect(lambda: self.paged.emit(+1))
        nav = QVBoxLayout()
        nav.addWidget(self.prev_btn)
        nav.addWidget(self.next_btn)
        outer = QGridLayout(self)
        outer.addLayout(self._grid, 0, 0)
        outer.addLayout(nav, 0, 1, Qt.AlignmentFlag.AlignVCenter)
        outer.setColumnStretch(0, 1)
        outer.setSizeConstraint(QLayout.SizeConstraint.SetNoConstraint)  # the window may shrink: fewer columns
        self._relayout(self.columns)

    def page_size(self) -> int:
        return len(self.thumbs)

    def _relayout(self, columns: int) -> None:
        """Rebuild the grid for ``columns`` columns, keeping the thumbnails that stay."""
        self.columns = columns
        n = ROWS * columns
        while len(self.thumbs) > n:
            self.thumbs.pop().deleteLater()
        while len(self.thumbs) < n:
            th = Thumb(len(self.thumbs), side=THUMB_SIDE)
            th.clicked.connect(lambda _=False, t=th: self.picked.emit(int(t.payload)))
            self.thumbs.append(th)
        for th in self.thumbs:
            self._grid.removeWidget(th)
        for i, th in enumerate(self.thumbs):
            self._grid.addWidget(th, i // columns, i % columns, Qt.AlignmentFlag.AlignCenter)
        for c in range(max(columns, self._grid.columnCount())):
            self._grid.setColumnStretch(c, 1 if c < columns else 0)  # spread the thumbnails across the width

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().resizeEvent(event)
        columns = columns_for(event.size().width())
        if columns != self.columns:
            self._relayout(columns)
            self.pageSizeChanged.emit(self.page_size())

    def minimumSizeHint(self):  # noqa: N802 (Qt API): narrow windows get MIN_COLUMNS, not the current count
        hint = super().minimumSizeHint()
        hint.setWidth(min(hint.width(), MIN_COLUMNS * (THUMB_SIDE + 8 + SPACING) + 64))
        return hint
