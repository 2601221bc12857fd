"""The text panel's exports: the focused image at the export size (through the upscale model when larger than
the model's), the whole grid as drawn, and the image "Export upscaled" starts from."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog

from ..export_size import CHOSEN, request_export, request_sized
from .contract import UpscaleSource
from .text_tasks import GRID_COLS


class TextExports:
    """Mixed into TextPanel (which supplies ``worker``, ``model_id``, ``size_box``, ``status``, ``current`` and
    ``focused_request``)."""

    def upscale_source(self) -> UpscaleSource:
        req = self.focused_request()
        return self.model_id, (lambda s: (s.render(req)[0], s.recipe(req))) if req is not None else None  # one seed

    def export_dialog(self) -> None:
        if self.focused_request() is None:
            self.status.emit("Generate images first.")
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export image", "text-image.png", "PNG image (*.png)")
        if path:
            self.export(Path(path))

    def export(self, path: Path, size: int | None | str = CHOSEN) -> int | None:
        """The focused image, rendered again on its own, as PNG with its recipe (kind "text", the prompt), at
        ``size`` (default: the export size box's)."""
        req = self.focused_request()
        if req is None or not self.model_id:
            return None
        path = Path(path).with_suffix(".png")

        def write(s: Any, px: int | None, up: Any) -> Any:
            from ...core.sessions.sized_export import export_at_size

            return export_at_size(s.render(req)[0], path, s.recipe(req), px, up)

        return self._exporting(request_sized(self.worker, "text-export", self.model_id, self.size_box, write, size))

    def export_grid_dialog(self) -> None:
        if self.current is None:
            self.status.emit("Generate images first.")
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export grid", "text-grid.png", "PNG image (*.png)")
        if path:
            self.export_grid(Path(path))

    def export_grid(self, path: Path) -> int | None:
        """The whole grid as one PNG, as drawn (the export size is the single image's); its recipe lists every
        seed."""
        req = self.current
        if req is None or not self.model_id:
            return None
        path = Path(path).with_suffix(".png")
        cols = min(GRID_COLS, len(req.seeds))

        def write(s: Any) -> str:
            from ...core.io.export import export_png
            from ...core.io.images import grid

            return str(export_png(grid(s.render(req), cols=cols), path, s.recipe(req)))

        return self._exporting(request_export(self.worker, "text-export-grid", self.model_id, write))

    def _exporting(self, handle: Any) -> int:
        return self.reported(handle, lambda result: self.info.setText(f"Exported {Path(result).name}"),
                             lambda message: self.info.setText(f"⚠ {message}"))
