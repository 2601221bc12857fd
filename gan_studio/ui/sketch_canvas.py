"""The sketch pad's paper: a 256 × 256 white sheet (dark ink on white, as ``core.data.sketch`` draws), pen and
eraser strokes painted with QPainter on the GUI thread, a transparent layer of colour hints above it
(``core.hints``), and per-stroke undo/redo of both."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPointF, QRect, QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from .qimage import qimage_gray, qimage_pixels

CANVAS_SIDE = 256
DEFAULT_BRUSH = 6
HISTORY_LIMIT = 64  # undo steps kept (a 256² RGB32 snapshot is 256 KiB)


class SketchCanvas(QWidget):
    """A sheet of paper to draw on: round-capped pen strokes, an eraser, and per-stroke undo/redo.

    ``strokeMoved`` fires while the pen moves (for a throttled live preview); ``edited`` fires when the
    paper reaches a new resting state (stroke end, undo, redo, clear, loaded sketch).
    """

    strokeMoved = Signal()  # noqa: N815 (Qt naming)
    edited = Signal()
    historyChanged = Signal(bool, bool)  # noqa: N815 (can undo, can redo)

    def __init__(self, side: int = CANVAS_SIDE, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._paper = self._blank(side)
        self._hints = self._clear_layer(side)
        self._undo: list[tuple[QImage, QImage]] = []
        self._redo: list[tuple[QImage, QImage]] = []
        self._last: QPointF | None = None
        self._hover: QPointF | None = None
        self.brush_size = float(DEFAULT_BRUSH)
        self.colour = QColor(0, 0, 0)
        self.erasing = False
        self.hinting = False  # strokes go onto the hint layer, in ``hint_colour``
        self.side_limit: int | None = None  # at most this many px on screen (the painting beside matches it)
        self.hint_colour = QColor(220, 30, 40)
        self.setMinimumSize(192, 192)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(True)  # to show the brush outline under the pointer
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.CrossCursor)
        self.setToolTip("Draw with the left mouse button · B pen · E eraser · X swap colour · [ ] brush size")

    @staticmethod
    def _blank(side: int) -> QImage:
        img = QImage(side, side, QImage.Format.Format_RGB32)
        img.fill(QColor(255, 255, 255))
        return img

    @staticmethod
    def _clear_layer(side: int) -> QImage:
        img = QImage(side, side, QImage.Format.Format_ARGB32)
        img.fill(Qt.GlobalColor.transparent)
        return img

    # -- the paper ----------------------------------------------------------------------------------------
    def paper(self) -> QImage:
        """A copy of the current drawing (the paper keeps changing while the user draws)."""
        return self._paper.copy()

    def pixels(self) -> Any:
        """The drawing as HW uint8 (255 paper, 0 ink): what ``TranslatorSession.sketch`` takes."""
        return qimage_gray(self._paper)

    def hint_pixels(self) -> Any:
        """The colour hints as HW×4 uint8 RGBA (transparent where there is none): ``core.hints`` takes them."""
        return qimage_pixels(self._hints)

    def has_hints(self) -> bool:
        return bool((self.hint_pixels()[..., 3] > 0).any())

    def set_hints(self, image: QImage | None) -> None:
        """Replace the hint layer (None clears it); undoable like a stroke."""
        self.restore(self._paper.copy(), image)

    def restore(self, paper: QImage, hints: QImage | None) -> None:
        """A restored recipe's drawing and hints, as one undoable step."""
        side = self._paper.width()
        if hints is None:
            layer = self._clear_layer(side)
        else:
            img = hints.convertToFormat(QImage.Format.Format_ARGB32)
            layer = img if img.size() == QSize(side, side) else img.scaled(side, side)
        self.set_paper(paper, layer)

    def set_paper(self, image: QImage, hints: QImage | None = None) -> None:
        """Replace the drawing (e.g. a loaded image turned into a sketch; ``hints``: the hint layer too);
        undoable like a stroke."""
        self._checkpoint()
        if hints is not None:
            self._hints = hints
        side = self._paper.width()
        img = image.convertToFormat(QImage.Format.Format_RGB32)
        if img.size() != QSize(side, side):
            img = img.scaled(side, side, Qt.AspectRatioMode.IgnoreAspectRatio,
                             Qt.TransformationMode.SmoothTransformation)
        self._paper = img
        self._changed()

    def clear(self) -> None:
        self._checkpoint()
        self._paper.fill(QColor(255, 255, 255))
        self._hints.fill(Qt.GlobalColor.transparent)
        self._changed()

    # -- history ----------------------------------------------------------------------------------------
    def can_undo(self) -> bool:
        return bool(self._undo)

    def can_redo(self) -> bool:
        return bool(self._redo)

    def _checkpoint(self) -> None:
        self._undo.append((self._paper.copy(), self._hints.copy()))
        del self._undo[:-HISTORY_LIMIT]
        self._redo.clear()

    def undo(self) -> None:
        if self._undo:
            self._redo.append((self._paper, self._hints))
            self._paper, self._hints = self._undo.pop()
            self._changed()

    def redo(self) -> None:
        if self._redo:
            self._undo.append((self._paper, self._hints))
            self._paper, self._hints = self._redo.pop()
            self._changed()

    def _changed(self) -> None:
        self.update()
        self.historyChanged.emit(self.can_undo(), self.can_redo())
        self.edited.emit()

    # -- drawing ----------------------------------------------------------------------------------------
    def paper_rect(self) -> QRect:
        """Where the paper is drawn: a square 4 px inside the widget, centred (the painting beside matches)."""
        return self._paper_rect()

    def _paper_rect(self) -> QRect:
        side = max(1, min(self.width(), self.height()) - 8)
        if self.side_limit is not None:
            side = min(side, self.side_limit)
        return QRect((self.width() - side) // 2, (self.height() - side) // 2, side, side)

    def _scale(self) -> float:
        """Paper pixels per widget pixel."""
        return self._paper.width() / self._paper_rect().width()

    def to_paper(self, pos: QPointF) -> QPointF:
        r = self._paper_rect()
        s = self._scale()
        return QPointF((pos.x() - r.x()) * s, (pos.y() - r.y()) * s)

    def _pen(self) -> QPen:
        colour = QColor(255, 255, 255) if self.erasing else self.colour
        return QPen(colour, self.brush_size, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap,
                    Qt.PenJoinStyle.RoundJoin)

    def _paint_segment(self, a: QPointF, b: QPointF | None = None) -> None:
        if self.hinting and not self.erasing:
            targets = [(self._hints, QPen(self.hint_colour, self.brush_size, Qt.PenStyle.SolidLine,
                                          Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin), False)]
        else:  # ink on the paper; the eraser also lifts the hints under it
            targets = [(self._paper, self._pen(), False)]
            if self.erasing:
                targets.append((self._hints, self._pen(), True))
        for image, pen, clear in targets:
            p = QPainter(image)
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            if clear:
                p.setCompositionMode(QPainter.CompositionMode.CompositionMode_Clear)
            p.setPen(pen)
            if b is None:
                p.drawPoint(a)  # a round dot: the pen's round cap
            else:
                p.drawLine(a, b)
            p.end()

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if event.button() != Qt.MouseButton.LeftButton:
            return
        self._checkpoint()
        self._last = self.to_paper(event.position())
        self._paint_segment(self._last)
        self.historyChanged.emit(True, False)
        self.update()
        self.strokeMoved.emit()

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 (Qt API)
        self._hover = event.position()
        if self._last is not None:
            pt = self.to_paper(event.position())
            self._paint_segment(self._last, pt)
            self._last = pt
            self.strokeMoved.emit()
        self.update()

    def mouseReleaseEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if event.button() != Qt.MouseButton.LeftButton or self._last is None:
            return
        pt = self.to_paper(event.position())
        if pt != self._last:
            self._paint_segment(self._last, pt)
        self._last = None
        self.update()
        self.edited.emit()

    def leaveEvent(self, event) -> None:  # noqa: N802 (Qt API)
        self._hover = None
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        return QSize(384, 384)

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt API)
        p = QPainter(self)
        r = self._paper_rect()
        p.fillRect(self.rect(), self.palette().color(self.backgroundRole()).darker(115))
        smooth = r.width() < self._paper.width()
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, smooth)
        p.drawImage(r, self._paper)
        p.drawImage(r, self._hints)
        p.setPen(QPen(QColor(128, 128, 128), 1))
        p.drawRect(r.adjusted(0, 0, -1, -1))
        if self._hover is not None and r.contains(self._hover.toPoint()):
            radius = self.brush_size / self._scale() / 2
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            p.setBrush(Qt.BrushStyle.NoBrush)
            outline = (QColor(255, 80, 80) if self.erasing else self.hint_colour if self.hinting
                       else QColor(80, 140, 255))
            p.setPen(QPen(outline, 1))
            p.drawEllipse(self._hover, max(radius, 1.5), max(radius, 1.5))
        p.end()
