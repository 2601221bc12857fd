"""Loss curves drawn with QPainter (no plotting library): one polyline per series, shared y range."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPainter, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

COLOURS = {"loss_g": QColor(66, 133, 244), "loss_d": QColor(234, 67, 53), "augment_p": QColor(52, 168, 83)}


class LossPlot(QWidget):
    """Series of (kimg, value); the newest points on the right, axes labelled with their range."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.series: dict[str, list[tuple[float, float]]] = {}
        self.setMinimumHeight(120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def clear(self) -> None:
        self.series.clear()
        self.update()

    def add(self, x: float, values: dict[str, float]) -> None:
        for key, v in values.items():
            if isinstance(v, (int, float)):
                self.series.setdefault(key, []).append((float(x), float(v)))
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt API)
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        fg = self.palette().color(self.foregroundRole())
        area = self.rect().adjusted(40, 8, -8, -20)
        pts = [pt for s in self.series.values() for pt in s]
        p.setPen(QPen(fg, 1))
        p.drawRect(area)
        if not pts:
            p.drawText(area, Qt.AlignmentFlag.AlignCenter, "loss curves appear with the first progress")
            p.end()
            return
        x0, x1 = min(x for x, _ in pts), max(x for x, _ in pts)
        y0, y1 = min(y for _, y in pts), max(y for _, y in pts)
        x1, y1 = (x1 if x1 > x0 else x0 + 1e-6), (y1 if y1 > y0 else y0 + 1e-6)
        def to_px(x: float, y: float) -> QPointF:
            return QPointF(area.left() + (x - x0) / (x1 - x0) * area.width(),
                           area.bottom() - (y - y0) / (y1 - y0) * area.height())
        for i, (key, s) in enumerate(self.series.items()):
            colour = COLOURS.get(key, QColor.fromHsv((i * 67) % 360, 200, 220))
            p.setPen(QPen(colour, 1.5))
            p.drawPolyline(QPolygonF([to_px(x, y) for x, y in s]))
            p.drawText(area.left() + 6 + 80 * i, area.top() + 14, key)
        p.setPen(QPen(fg, 1))
        p.drawText(2, area.top() + 10, f"{y1:.2f}")
        p.drawText(2, area.bottom(), f"{y0:.2f}")
        p.drawText(area.left(), self.height() - 4, f"{x0:.2f} kimg")
        p.drawText(area.right() - 70, self.height() - 4, f"{x1:.2f} kimg")
        p.end()
