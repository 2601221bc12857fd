"""The style-mixing grid with its sources named on the header cells (column sources on top, rows at left)."""

from __future__ import annotations

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import QWidget

from .widgets import ImageView

PAD = 2  # px between tiles in core.io.images.grid


class MixGridView(ImageView):
    """An ImageView of ``mix_grid``'s (rows + 1) × (cols + 1) tiles that labels each source's header tile."""

    def __init__(self, min_side: int = 256, parent: QWidget | None = None) -> None:
        super().__init__(min_side, parent)
        self.row_labels: list[str] = []
        self.col_labels: list[str] = []

    def set_labels(self, rows: list[str], cols: list[str]) -> None:
        """Names of the row and column sources of the grid on screen (``Source.describe()``)."""
        self.row_labels, self.col_labels = list(rows), list(cols)
        self.update()

    def cell_rect(self, row: int, col: int) -> QRect:
        """Tile (``row``, ``col``) of the grid in widget pixels; (0, 0) is the blank corner."""
        img = self.image()
        r = self.image_rect()
        if img is None or img.isNull() or not self.col_labels:
            return QRect()
        n_rows, n_cols = len(self.row_labels) + 1, len(self.col_labels) + 1
        tw = (img.width() - (n_cols - 1) * PAD) / n_cols
        th = (img.height() - (n_rows - 1) * PAD) / n_rows
        sx, sy = r.width() / img.width(), r.height() / img.height()
        return QRect(round(r.x() + col * (tw + PAD) * sx), round(r.y() + row * (th + PAD) * sy),
                     round(tw * sx), round(th * sy))

    def label_rects(self) -> dict[str, QRect]:
        """Where each header label is drawn: a band along the bottom of its tile."""
        h = self.fontMetrics().height() + 4
        out: dict[str, QRect] = {}
        heads = [((0, j + 1), f"col {j}") for j in range(len(self.col_labels))]
        heads += [((i + 1, 0), f"row {i}") for i in range(len(self.row_labels))]
        for (r, c), key in heads:
            cell = self.cell_rect(r, c)
            if not cell.isEmpty():
                out[key] = QRect(cell.x(), cell.bottom() - h + 1, cell.width(), h)
        return out

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().paintEvent(event)
        rects = self.label_rects()
        if not rects:
            return
        p = QPainter(self)
        texts = {f"col {j}": t for j, t in enumerate(self.col_labels)}
        texts |= {f"row {i}": t for i, t in enumerate(self.row_labels)}
        for key, band in rects.items():
            p.fillRect(band, QColor(0, 0, 0, 150))
            p.setPen(QColor(255, 255, 255))
            text = p.fontMetrics().elidedText(texts[key], Qt.TextElideMode.ElideRight, band.width() - 6)
            p.drawText(band, Qt.AlignmentFlag.AlignCenter, text)
        corner = self.cell_rect(0, 0)
        p.setPen(self.palette().color(self.foregroundRole()))
        p.drawText(corner.adjusted(4, 4, -4, -4), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop,
                   "columns →")
        p.drawText(corner.adjusted(4, 4, -4, -4), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignBottom,
                   "rows ↓")
        p.end()
