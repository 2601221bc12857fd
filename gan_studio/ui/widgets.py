"""Small reusable widgets: an image view with a transparency checkerboard, a before/after comparison,
thumbnails, labelled sliders, a throttle timer and scroll strips (the model pickers are in model_picker.py)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, QPointF, QRect, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen, QPixmap
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QSlider,
    QToolButton,
    QWidget,
)

MAX_SEED = 2**31 - 1  # the seed spin boxes' top: a QSpinBox holds a C int (the sessions take up to 2**32 - 1)


def checkerboard(size: int = 8) -> QPixmap:
    pm = QPixmap(size * 2, size * 2)
    pm.fill(QColor(236, 236, 236))
    p = QPainter(pm)
    p.fillRect(0, 0, size, size, QColor(204, 204, 204))
    p.fillRect(size, size, size, size, QColor(204, 204, 204))
    p.end()
    return pm


class ImageView(QWidget):
    """Shows a QImage scaled to fit, crisp when enlarged, over a checkerboard where it is transparent."""

    clicked = Signal()
    painted = Signal()  # an image has just been painted (the explorer waits for its restored frame)

    def __init__(self, min_side: int = 64, parent: QWidget | None = None, margin: int = 0) -> None:
        super().__init__(parent)
        self._image: QImage | None = None
        self._checker = checkerboard()
        self._message = ""
        self.margin = margin  # px left free on every side (the sketch pad's paper has 4)
        self.side_limit: int | None = None  # at most this many px (the sketch pad matches its paper's size)
        self.setMinimumSize(min_side, min_side)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def image(self) -> QImage | None:
        return self._image

    def set_image(self, image: QImage | None) -> None:
        self._image = image
        self._message = ""
        self.update()

    def set_message(self, text: str) -> None:
        self._message = text
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        return QSize(256, 256)

    def image_rect(self) -> QRect:
        """Where the image is drawn: the largest rect of its aspect ratio inside the margins, centred."""
        size = self._image.size() if self._image is not None and not self._image.isNull() else QSize(1, 1)
        m = self.margin
        r = _fit(size, self.rect().adjusted(m, m, -m, -m))
        if self.side_limit is not None and max(r.width(), r.height()) > self.side_limit:
            r = _fit(size, QRect(r.center().x() - self.side_limit // 2 + 1, r.center().y() - self.side_limit // 2 + 1,
                                 self.side_limit, self.side_limit))
        return r

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt API)
        p = QPainter(self)
        if self._image is not None and not self._image.isNull():
            r = self.image_rect()
            x, y, side = r.x(), r.y(), r.size()
            p.drawTiledPixmap(x, y, side.width(), side.height(), self._checker)
            smooth = side.width() < self._image.width()
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, smooth)
            p.drawImage(x, y, self._image.scaled(side, Qt.AspectRatioMode.IgnoreAspectRatio,
                                                 Qt.TransformationMode.SmoothTransformation if smooth
                                                 else Qt.TransformationMode.FastTransformation))
            self.painted.emit()
        if self._message:
            p.setPen(self.palette().color(self.foregroundRole()))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self._message)
        p.end()


def _fit(size: QSize, area: QRect) -> QRect:
    """The largest rect of ``size``'s aspect ratio centred in ``area``."""
    side = size.scaled(area.size(), Qt.AspectRatioMode.KeepAspectRatio)
    return QRect(area.x() + (area.width() - side.width()) // 2, area.y() + (area.height() - side.height()) // 2,
                 side.width(), side.height())


def _draw_image(p: QPainter, image: QImage, target: QRect, checker: QPixmap) -> None:
    """Checkerboard under ``image`` in ``target``; crisp pixels when enlarged, smooth when shrunk."""
    p.drawTiledPixmap(target, checker)
    smooth = target.width() < image.width()
    p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, smooth)
    p.drawImage(target, image)


class BeforeAfterView(QWidget):
    """An input and its translation in one frame, split by a vertical divider the user drags (or side by side).

    Both images are drawn into the same rect, so an output of another size (×4 upscaling) still lines up.
    """

    splitChanged = Signal(float)  # noqa: N815 (Qt naming)

    def __init__(self, min_side: int = 128, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._before: QImage | None = None
        self._after: QImage | None = None
        self._split = 0.5
        self._side_by_side = False
        self._message = ""
        self._checker = checkerboard()
        self.setMinimumSize(min_side, min_side)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.setToolTip("Drag to compare before and after (← → move the divider)")

    # -- state ----------------------------------------------------------------------------------------
    def before(self) -> QImage | None:
        return self._before

    def after(self) -> QImage | None:
        return self._after

    def set_before(self, image: QImage | None) -> None:
        self._before, self._after, self._message = image, None, ""
        self.update()

    def set_after(self, image: QImage | None) -> None:
        self._after, self._message = image, ""
        self.update()

    def set_message(self, text: str) -> None:
        self._message = text
        self.update()

    def message(self) -> str:
        return self._message

    def split(self) -> float:
        return self._split

    def set_split(self, value: float) -> None:
        value = min(1.0, max(0.0, value))
        if value != self._split:
            self._split = value
            self.splitChanged.emit(value)
            self.update()

    def side_by_side(self) -> bool:
        return self._side_by_side

    def set_side_by_side(self, on: bool) -> None:
        self._side_by_side = on
        self.setCursor(Qt.CursorShape.ArrowCursor if on else Qt.CursorShape.SplitHCursor)
        self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt API)
        return QSize(512, 384)

    # -- geometry ---------------------------------------------------------------------------------------
    def _frame(self) -> QRect | None:
        base = self._before or self._after
        if base is None or base.isNull():
            return None
        return _fit(base.size(), self.rect().adjusted(4, 4, -4, -4))

    def _divider_x(self, frame: QRect) -> int:
        return frame.x() + round(self._split * frame.width())

    # -- input ------------------------------------------------------------------------------------------
    def _drag(self, x: float) -> None:
        frame = self._frame()
        if frame is not None and frame.width() > 0 and not self._side_by_side:
            self.set_split((x - frame.x()) / frame.width())

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if event.button() == Qt.MouseButton.LeftButton:
            self._drag(event.position().x())

    def mouseMoveEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if event.buttons() & Qt.MouseButton.LeftButton:
            self._drag(event.position().x())

    def keyPressEvent(self, event) -> None:  # noqa: N802 (Qt API)
        step = {Qt.Key.Key_Left: -0.05, Qt.Key.Key_Right: 0.05}.get(Qt.Key(event.key()))
        if step is None or self._side_by_side:
            super().keyPressEvent(event)
            return
        self.set_split(self._split + step)

    # -- painting ---------------------------------------------------------------------------------------
    def paintEvent(self, event) -> None:  # noqa: N802 (Qt API)
        p = QPainter(self)
        fg = self.palette().color(self.foregroundRole())
        frame = self._frame()
        if frame is not None:
            if self._side_by_side:
                self._paint_side_by_side(p)
            else:
                self._paint_split(p, frame)
        if self._message:
            p.setPen(fg)
            if frame is None:
                p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self._message)
            else:
                band = QRect(0, self.height() - 48, self.width(), 48)
                p.fillRect(band, QColor(0, 0, 0, 150))
                p.setPen(QColor(255, 255, 255))
                p.drawText(band.adjusted(8, 0, -8, 0), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                           self._message)
        p.end()

    def _paint_split(self, p: QPainter, frame: QRect) -> None:
        x = self._divider_x(frame)
        if self._before is not None:
            p.save()
            p.setClipRect(QRect(frame.x(), frame.y(), x - frame.x(), frame.height()) if self._after else frame)
            _draw_image(p, self._before, frame, self._checker)
            p.restore()
        if self._after is not None:
            p.save()
            p.setClipRect(QRect(x, frame.y(), frame.right() - x + 1, frame.height()) if self._before else frame)
            _draw_image(p, self._after, frame, self._checker)
            p.restore()
        if self._before is not None and self._after is not None:
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            p.setPen(QPen(QColor(255, 255, 255), 2))
            p.drawLine(x, frame.top(), x, frame.bottom())
            p.setBrush(QColor(40, 40, 40, 200))
            p.drawEllipse(QPointF(x, frame.center().y()), 10, 10)
            p.drawText(QRect(x - 10, frame.center().y() - 10, 20, 20), Qt.AlignmentFlag.AlignCenter, "⇔")
            self._label(p, "Before", frame.topLeft().x() + 6, frame.top() + 6, left=True)
            self._label(p, "After", frame.right() - 6, frame.top() + 6, left=False)

    def _paint_side_by_side(self, p: QPainter) -> None:
        area = self.rect().adjusted(4, 4, -4, -4)
        half = (area.width() - 8) // 2
        for i, (img, name) in enumerate(((self._before, "Before"), (self._after, "After"))):
            cell = QRect(area.x() + i * (half + 8), area.y(), half, area.height())
            if img is None or img.isNull():
                continue
            target = _fit(img.size(), cell)
            _draw_image(p, img, target, self._checker)
            self._label(p, name, target.x() + 6, target.y() + 6, left=True)

    def _label(self, p: QPainter, text: str, x: int, y: int, left: bool) -> None:
        w = p.fontMetrics().horizontalAdvance(text) + 12
        h = p.fontMetrics().height() + 4
        box = QRect(x if left else x - w, y, w, h)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(0, 0, 0, 140))
        p.drawRoundedRect(box, 4, 4)
        p.setPen(QColor(255, 255, 255))
        p.drawText(box, Qt.AlignmentFlag.AlignCenter, text)


class Thumb(QToolButton):
    """A clickable thumbnail carrying a payload (a seed or a source)."""

    def __init__(self, payload: object, side: int = 96, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.payload = payload
        self.setIconSize(QSize(side, side))
        self.setFixedSize(side + 8, side + 22)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextUnderIcon)
        self.setCheckable(True)
        self.setAutoRaise(True)

    def set_image(self, image: QImage) -> None:
        side = self.iconSize().width()
        pm = QPixmap(side, side)
        pm.fill(Qt.GlobalColor.transparent)
        w, h = max(1, image.width()), max(1, image.height())
        scale = side / max(w, h)  # keep the aspect: a CoGAN pair is a wide image, letterboxed
        target = QRect(round((side - w * scale) / 2), round((side - h * scale) / 2), round(w * scale),
                       round(h * scale))
        p = QPainter(pm)
        p.drawTiledPixmap(target, checkerboard(6))
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, w * scale < w)  # smooth only when shrinking
        p.drawImage(target, image)
        p.end()
        self.setIcon(pm)


class LabeledSlider(QWidget):
    """A horizontal slider over a float range with its value shown beside it."""

    valueChanged = Signal(float)  # noqa: N815 (Qt naming)

    def __init__(self, lo: float, hi: float, value: float, step: float = 0.01, fmt: str = "{:.2f}",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._lo, self._step, self._fmt = lo, step, fmt
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, round((hi - lo) / step))
        self.label = QLabel()
        self.label.setMinimumWidth(44)
        lay = QHBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.slider, 1)
        lay.addWidget(self.label)
        self.slider.valueChanged.connect(self._changed)
        self.set_value(value)

    def value(self) -> float:
        return round(self._lo + self.slider.value() * self._step, 6)

    def set_value(self, value: float, emit: bool = True) -> None:
        blocked = self.slider.blockSignals(not emit)
        self.slider.setValue(round((value - self._lo) / self._step))
        self.slider.blockSignals(blocked)
        self.label.setText(self._fmt.format(self.value()))

    def set_range(self, lo: float, hi: float) -> None:
        self._lo = lo
        self.slider.setRange(0, round((hi - lo) / self._step))

    def _changed(self, _: int) -> None:
        self.label.setText(self._fmt.format(self.value()))
        self.valueChanged.emit(self.value())


def throttle_timer(parent: QObject, interval_ms: int, slot: Callable[[], None]) -> QTimer:
    """Single-shot timer a panel restarts on every input change, so only the newest value renders."""
    timer = QTimer(parent)
    timer.setSingleShot(True)
    timer.setInterval(interval_ms)
    timer.timeout.connect(slot)
    return timer


def scroll_strip(height: int) -> tuple[QHBoxLayout, QScrollArea]:
    """A horizontal row of thumbnails (insert before its trailing stretch) in a fixed-height scroll area."""
    row = QHBoxLayout()
    row.addStretch(1)
    inner = QWidget()
    inner.setLayout(row)
    scroll = QScrollArea()
    scroll.setWidget(inner)
    scroll.setWidgetResizable(True)
    scroll.setFixedHeight(height)
    return row, scroll


def side_column(content: QWidget, width: int) -> QScrollArea:
    """A panel's control column, ``width`` px at most, that scrolls vertically when the screen is short."""
    scroll = QScrollArea()
    scroll.setWidget(content)
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QScrollArea.Shape.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    bar = scroll.verticalScrollBar().sizeHint().width()
    scroll.setMinimumWidth(min(width, content.minimumSizeHint().width() + bar))
    scroll.setMaximumWidth(width + bar)
    return scroll
