"""The translate panel's export: the result shown, translated again, at the export size (through the upscale
model when larger than the translation). A folder batch writes each image at the translation's own size."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog

from ..export_size import CHOSEN, request_sized


class TranslateExports:
    """Mixed into TranslatePanel (which supplies ``worker``, ``model_id``, ``size_box``, ``status``, ``source``,
    ``colours``, ``_input``, ``direction`` and ``fit``)."""

    def export_dialog(self) -> None:
        if self._input is None or not self.model_id:
            self.status.emit("Open an image to translate first.")
            return
        stem = self.source.stem if self.source else "translation"
        path, _ = QFileDialog.getSaveFileName(self, "Export translation", f"{stem}-{self.direction()}.png",
                                              "PNG image (*.png)")
        if path:
            self.export(Path(path))

    def export(self, path: Path, size: int | None | str = CHOSEN) -> int | None:
        """Translate again on the worker (the exact settings shown) and write PNG + recipe at ``size`` (default:
        the export size box's)."""
        if self._input is None or not self.model_id:
            return None
        arr, direction, fit, colours = self._input, self.direction(), self.fit(), self.colours.step()
        name = self.source.name if self.source else None

        def write(s: Any, px: int | None, up: Any) -> Any:
            from ...core.colour import apply_colours
            from ...core.sessions.sized_export import export_at_size

            recipe = s.recipe(direction=direction, fit=fit, source=name,
                              **({"colours": colours.to_json()} if colours.active else {}))
            out = apply_colours(s.run(arr, direction, fit=fit), colours)
            return export_at_size(out, Path(path).with_suffix(".png"), recipe, px, up)

        handle = request_sized(self.worker, "translate-export", self.model_id, self.size_box, write, size)
        return self.reported(handle, lambda result: self.caption.setText(f"Exported {Path(result).name}"),
                             lambda message: self.caption.setText(f"⚠ {message}"))
