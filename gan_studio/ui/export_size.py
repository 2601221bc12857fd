"""The export size: one choice for the whole window ("native / 256 / 512 / 768 / 1024"), shown by a box in each
panel's export area (the toolbar's for the explorer and the mixer) and remembered under one QSettings key, so an
artist who picks 1024 once gets 1024 from every panel, next time too. Sizes larger than a model's own go
through the library's ×4 upscale model: the export runs as one worker task that gets both sessions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QSettings
from PySide6.QtWidgets import QComboBox, QWidget

SIZE_KEY = "export/size"
SIZES = (None, 256, 512, 768, 1024)
CHOSEN = "chosen"  # an export's ``size`` argument: the box's size (what the dialogs export at)
MIN_SIZE, MAX_SIZE = 16, 1024  # core.sessions.sized_export's bounds (not imported here: it loads numpy)


def parse_size(value: Any) -> int | None:
    """A stored size (INI settings give strings) → pixels, or None (native) for anything else."""
    try:
        size = int(value)
    except (TypeError, ValueError):
        return None
    return size if MIN_SIZE <= size <= MAX_SIZE else None


class ExportSizeBox(QComboBox):
    """The export size of one panel's exports; every box of a window shows the same choice."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        for size in SIZES:
            self.addItem("native" if size is None else f"{size} px", size)
        self.upscale_id: str | None = None
        self.set_upscaler(None)

    def export_size(self) -> int | None:
        return self.currentData()

    def set_export_size(self, size: int | None) -> None:
        """Pick ``size``, adding it to the list when it is none of the usual ones (a setting written by hand)."""
        idx = self.findData(size)
        if idx < 0:
            self.addItem(f"{size} px", size)
            idx = self.count() - 1
        self.setCurrentIndex(idx)

    def set_upscaler(self, card: Any) -> None:
        self.upscale_id = card.id if card is not None else None
        self.setToolTip("Pixels on the longest side of the exported image (each image of a strip or pair); "
                        + (f"larger than the model's own is enlarged by {card.name}" if card is not None else
                           "no upscale model in your library, so larger than the model's own is a plain resize"))

    def choice(self, size: int | None | str = CHOSEN) -> tuple[int | None, str | None]:
        """(pixels or None, the upscale model's id when it may be needed)."""
        size = self.export_size() if size == CHOSEN else size
        return size, self.upscale_id if size is not None else None  # type: ignore[return-value]


class ExportSizing(QObject):
    """The window's one export size: kept in ``settings``; a change in any box is a change in all."""

    def __init__(self, settings: QSettings, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.size = parse_size(settings.value(SIZE_KEY))
        self.boxes: list[ExportSizeBox] = []
        self.upscaler: Any = None

    def bind(self, box: ExportSizeBox) -> ExportSizeBox:
        box.set_export_size(self.size)
        box.set_upscaler(self.upscaler)
        box.currentIndexChanged.connect(lambda _=0, b=box: self.set_size(b.export_size()))
        self.boxes.append(box)
        return box

    def set_size(self, size: int | None) -> None:
        self.size = size
        self.settings.setValue(SIZE_KEY, "native" if size is None else size)
        for box in self.boxes:
            if box.export_size() != size:
                box.blockSignals(True)
                box.set_export_size(size)
                box.blockSignals(False)

    def set_upscaler(self, card: Any) -> None:
        self.upscaler = card
        for box in self.boxes:
            box.set_upscaler(card)


def request_export(worker: Any, key: str, model_id: str, fn: Callable[..., Any], also: tuple[str, ...] = ()) -> Any:
    """Post an export: queued behind the others of its key, never dropped for a newer one (newest-wins is for
    previews; an export is a file the user asked for). Returns its TaskHandle."""
    return worker.request(key, model_id, fn, convert=False, also=also, replace=False)


def request_sized(worker: Any, key: str, model_id: str, box: ExportSizeBox | None,
                  write: Callable[[Any, int | None, Any], Any], size: int | None | str = CHOSEN) -> Any:
    """Run ``write(session, size, upscaler session or None)`` on the worker: one task that also gets the upscale
    model's session when the size may need it (the GUI thread never waits or runs torch). Returns its handle."""
    size, up = box.choice(size) if box is not None else (None if size == CHOSEN else size, None)
    also = (up,) if up else ()
    stopping = getattr(worker, "stopping", lambda: False)
    return request_export(worker, key, model_id,
                          lambda s, *ups: write(s, size, _Stoppable(ups[0], stopping) if ups else None),  # type: ignore
                          also=also)


class ExportCancelled(RuntimeError):
    """The window closed while an export was being enlarged: it stops between passes, writing nothing."""


class _Stoppable:
    """The upscale session, checking before each pass (a 12-face strip at 1024 px is a dozen passes) whether
    the window is closing, so closing it never waits for a long export."""

    def __init__(self, session: Any, stopping: Callable[[], bool]) -> None:
        self._session, self._stopping = session, stopping

    def __getattr__(self, name: str) -> Any:
        return getattr(self._session, name)

    def upscale(self, img: Any) -> Any:
        if self._stopping():
            raise ExportCancelled("the window closed: export cancelled")
        return self._session.upscale(img)


def exported(result: Any) -> str:
    """The status line of a finished export: its path, and what sizing did (e.g. a plain resize)."""
    return f"Exported {result.describe() if hasattr(result, 'describe') else result}"


def install(win: Any, toolbar: Any) -> tuple[Any, Any]:
    """Give ``win`` (a MainWindow) its one export size: bind every panel's box to it, and put the explorer's and
    the mixer's box in the toolbar; returns the toolbar's two actions (they show with the model picker)."""
    from PySide6.QtWidgets import QLabel

    win.export_sizing = ExportSizing(win.settings, win)
    win.size_box = ExportSizeBox()
    win.size_box.setObjectName("exportSizeBox")
    win.explorer.size_box = win.mixer.size_box = win.size_box
    win.export_sizing.bind(win.size_box)
    for panel in win.panels.values():
        box = getattr(panel, "size_box", None)
        if box is not None and box is not win.size_box:
            win.export_sizing.bind(box)
    return toolbar.addWidget(QLabel("  Export size ")), toolbar.addWidget(win.size_box)


def export_row(box: ExportSizeBox, *buttons: QWidget) -> Any:
    """"Export size [box]" over a panel's export buttons: the panel's export area."""
    from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout

    area, top, row = QVBoxLayout(), QHBoxLayout(), QHBoxLayout()
    top.addWidget(QLabel("Export size"))
    top.addWidget(box, 1)
    area.addLayout(top)
    for b in buttons:
        row.addWidget(b)
    if buttons:
        area.addLayout(row)
    return area
