"""NumPy HWC uint8 → QImage that owns its pixels (safe to pass across threads)."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QImage


def to_qimage(arr: Any) -> QImage:
    import numpy as np

    a = np.ascontiguousarray(arr)
    h, w, c = a.shape
    fmt = QImage.Format.Format_RGBA8888 if c == 4 else QImage.Format.Format_RGB888
    return QImage(a.data, w, h, w * c, fmt).copy()


def qimage_pixels(img: QImage) -> Any:
    """QImage → HWC uint8 RGBA array (for tests and export of what is on screen)."""
    import numpy as np

    img = img.convertToFormat(QImage.Format.Format_RGBA8888)
    ptr = img.constBits()
    arr = np.frombuffer(ptr, np.uint8, count=img.sizeInBytes()).reshape(img.height(), img.bytesPerLine())
    return arr[:, : img.width() * 4].reshape(img.height(), img.width(), 4).copy()


def qimage_gray(img: QImage) -> Any:
    """Grey QImage (a sketch: R = G = B) → HW uint8, by picking the red channel; a copy, no weighting."""
    return qimage_pixels(img)[..., 0].copy()


def gray_qimage(arr: Any) -> QImage:
    """HW uint8 → Grayscale8 QImage that owns its pixels (e.g. a sketch computed in the worker)."""
    import numpy as np

    a = np.ascontiguousarray(arr, dtype=np.uint8)
    h, w = a.shape
    return QImage(a.data, w, h, w, QImage.Format.Format_Grayscale8).copy()
