"""Small reusable widgets: an image view with a transparency checkerboard, thumbnails, labelled sliders."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSizePolicy, QSlider, QToolButton, QWidget


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

    def __init__(self, min_side: int = 64, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._image: QImage | None = None
        self._checker = checkerboard()
        self._message = ""
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

    def mousePressEvent(self, event) -> None:  # noqa: N802 (Qt API)
        if event.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit()

    def paintEvent(self, event) -> None:  # noqa: N802 (Qt API)
        p = QPainter(self)
        if self._image is not None and not self._image.isNull():
            side = self._image.size().scaled(self.size(), Qt.AspectRatioMode.KeepAspectRatio)
            x, y = (self.width() - side.width()) // 2, (self.height() - side.height()) // 2
            p.drawTiledPixmap(x, y, side.width(), side.height(), self._checker)
            smooth = side.width() < self._image.width()
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, smooth)
            p.drawImage(x, y, self._image.scaled(side, Qt.AspectRatioMode.IgnoreAspectRatio,
                                                 Qt.TransformationMode.SmoothTransformation if smooth
                                                 else Qt.TransformationMode.FastTransformation))
        if self._message:
            p.setPen(self.palette().color(self.foregroundRole()))
            p.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self._message)
        p.end()


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
        p = QPainter(pm)
        p.drawTiledPixmap(0, 0, side, side, checkerboard(6))
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
        p.drawImage(pm.rect(), image)
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
