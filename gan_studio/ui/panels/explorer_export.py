"""The explorer's exports (image, seed grid, walk video, the source of an upscaled export) and the recipes it
restores: the explorer owns what it makes, the window only routes Ctrl+E and friends to it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog

from ..export_size import CHOSEN, ExportSizeBox, request_export, request_sized
from .contract import PanelDefaults, UpscaleSource


class ExplorerExports(PanelDefaults):
    """Mixed into ExplorerPanel (which supplies ``worker``, ``model_id``, ``state`` and the requests)."""

    # Set by the window: switch the toolbar's model (raises ValueError for a model not in the library).
    pick_model: Callable[[str], None] | None = None
    size_box: ExportSizeBox | None = None  # the window's toolbar box (shared with the mixer); None: native

    def export_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export image", "gan-studio.png", "PNG image (*.png)")
        if path:
            self.export(Path(path))

    def export(self, path: Path, size: int | None | str = CHOSEN) -> int:
        """Render the current image with its recipe into ``path`` (PNG) at ``size`` (default: the export size
        box's), enlarged by the upscale model, on the worker; the window reports it."""
        if not self.model_id:
            raise RuntimeError("no model")
        req = self.current_request()
        # a pair model writes each of its images too
        return self.reported(request_sized(self.worker, "export", self.model_id, self.size_box,
                                           lambda s, px, up: s.export(req, path, px, up)[0], size))

    def export_grid_dialog(self) -> None:
        from ...core.io.images import grid, save_png

        path, _ = QFileDialog.getSaveFileName(self, "Export seed grid", "grid.png", "PNG image (*.png)")
        if not path or not self.model_id:
            return
        reqs, cols = self.grid_requests(), self.grid_box.columns  # the page on screen
        self.reported(request_export(self.worker, "export", self.model_id,
                                     lambda s: (save_png(grid(s.render_many(reqs), cols=cols), Path(path)), path)[1]))

    def export_video(self, path: Path, fps: int = 24, size: int | None = None) -> int:
        from ...core.io.export import write_video

        req = self.walk_request()
        if len(req.keys) < 2:
            raise ValueError("add two or more images to the walk first")
        return self.reported(request_export(
            self.worker, "export", self.model_id or "",
            lambda s: write_video(s.walk_frames(req), path, fps=fps, size=size).describe()))

    def export_video_dialog(self) -> None:
        if len(self.state.path) < 2:
            self.error.emit("Add two or more images to the walk first (Explorer → Add to walk).")
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export walk", "walk.mp4",
                                              "MP4 video (*.mp4);;Animated GIF (*.gif)")
        if path:
            from ...core.io.export import MP4_SIZE

            self.export_video(Path(path), size=MP4_SIZE if path.lower().endswith(".mp4") else 256)

    def upscale_source(self) -> UpscaleSource:
        req = self.current_request()
        return self.model_id, lambda s: (s.render(req), s.recipe(req))

    def restore_recipe(self, recipe: dict[str, Any], path: Path) -> bool:
        """An exported image (its seed or latent, ψ, noise, edits, class) or a walk (its keys)."""
        from dataclasses import replace

        from ...core.sessions.requests import request_from_recipe

        req = request_from_recipe(recipe)
        if self.pick_model is not None:
            self.pick_model(req.model_id)
        if hasattr(req, "keys"):
            self.set_state(replace(self.state, path=req.keys, t=0.0, walking=True))
        else:
            self.apply_recipe(req)
        return True
