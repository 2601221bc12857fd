"""Export upscaled: the image of the panel in use (the text panel's or the explorer's) through the library's
first ×N model, as two worker tasks so each model's session stays cached and the GUI thread never waits."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog

from .export_size import exported, request_export


class UpscaleExport:
    """Mixed into MainWindow (which supplies ``worker``, ``panels``, ``explorer``, ``upscale_action``,
    ``export_sizing``, ``_active``, ``statusBar`` and ``_show_error``)."""

    upscale_id: str | None = None

    def _set_upscaler(self, card: Any) -> None:
        self.upscale_id = card.id if card is not None else None
        self.export_sizing.set_upscaler(card)  # the export size boxes enlarge with it too
        scale = int(card.architecture.get("scale", 4)) if card is not None else 4
        self.upscale_action.setText(f"Export &upscaled ×{scale}…")
        self.upscale_action.setEnabled(card is not None)
        self.upscale_action.setStatusTip(f"Render the explorer's or text panel's image and enlarge it with {card.name}"
                                         if card is not None else
                                         "Needs a model with the 'upscale' task in your library")

    def export_upscaled(self, path: Path, source: str | None = None) -> int | None:
        """Render the focused image of ``source`` (the text panel, else the explorer; default: the panel in
        use) with its model, then upscale and save it with the SR model: two worker tasks, so each model's
        session stays cached and the GUI thread never waits."""
        if not self.upscale_id:
            self._show_error("No upscale model in your library: train or import one (task 'upscale').")
            return None
        panel = self.panels[source or self._active()]
        model_id, render = (panel.upscale_source or self.explorer.upscale_source)()
        if not model_id or render is None:
            self._show_error("No image to upscale: choose a model and make an image first.")
            return None
        target = (Path(path).with_suffix(".png"), self.upscale_id)
        handle = request_export(self.worker, "export-upscale-src", model_id, render)
        handle.then(lambda result: self._upscale(target, *result), self._show_error)
        return handle.id

    def _upscale(self, target: tuple[Path, str], img: Any, recipe: dict[str, Any]) -> None:
        from ..core.io.export import export_png

        path, up_id = target
        request_export(self.worker, "export", up_id,
                       lambda s: str(export_png(s.upscale(img), path, {**recipe, "upscaled": up_id}))).then(
            lambda result: self.statusBar().showMessage(exported(result), 6000), self._show_error)

    def export_upscaled_dialog(self) -> None:
        if not self.upscale_id:
            self._show_error("No upscale model in your library: train or import one (task 'upscale').")
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export upscaled image", "gan-studio-x4.png",
                                              "PNG image (*.png)")
        if path:
            self.export_upscaled(Path(path))
