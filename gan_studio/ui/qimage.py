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
