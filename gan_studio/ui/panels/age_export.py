"""The age panel's exports: the face shown and the strip of ages at the export size (each face through the
upscale model when larger than the model's), and baby → old as GIF or MP4 (plainly resized: 48 frames)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QFileDialog

from ..export_size import CHOSEN, request_sized

VIDEO_FRAMES = 48  # GIF / MP4: ages 0 → 1 in this many frames
VIDEO_FPS = 24
STRIP_FILTERS = "PNG strip (*.png);;Animated GIF (*.gif);;MP4 video (*.mp4)"


class AgeExports:
    """Mixed into AgePanel (which supplies ``worker``, ``model_id``, ``size_box``, ``status``, ``face``, ``age``,
    ``current_request`` and ``ages``)."""

    def export_grid_dialog(self) -> None:
        self.export_strip_dialog()  # the N ages as one PNG (or GIF / MP4)

    def export_video_dialog(self) -> None:
        self.export_strip_dialog(".mp4")  # baby → old

    def export_dialog(self) -> None:
        if not self.model_id:
            self.status.emit("No age model to export from.")
            return
        from ...core.sessions.cond_requests import age_label_name

        name = f"age-{self.face.describe().replace(' ', '')}-{age_label_name(self.age.value())}.png"
        path, _ = QFileDialog.getSaveFileName(self, "Export aged face", name, "PNG image (*.png)")
        if path:
            self.export(Path(path))

    def export(self, path: Path, size: int | None | str = CHOSEN) -> int | None:
        """Render the face shown again on the worker and write PNG + recipe (kind "age") at ``size`` (default:
        the export size box's)."""
        if not self.model_id:
            return None
        req, path = self.current_request(), Path(path).with_suffix(".png")

        def write(s: Any, px: int | None, up: Any) -> Any:
            from ...core.sessions.sized_export import export_at_size

            return export_at_size(s.render(req), path, s.recipe(req), px, up)

        return self._exporting(request_sized(self.worker, "age-export", self.model_id, self.size_box, write, size))

    def export_strip_dialog(self, default: str = ".png") -> None:
        if not self.model_id:
            self.status.emit("No age model to export from.")
            return
        chosen = {".png": "PNG strip (*.png)", ".gif": "Animated GIF (*.gif)", ".mp4": "MP4 video (*.mp4)"}
        path, used = QFileDialog.getSaveFileName(self, "Export the ages", f"ages{default}", STRIP_FILTERS,
                                                 chosen.get(default, ""))
        if not path:
            return
        p = Path(path)
        if p.suffix.lower() not in chosen:
            p = p.with_suffix(next((k for k, v in chosen.items() if v == used), default))
        self.export_strip(p)

    def export_strip(self, path: Path, size: int | None | str = CHOSEN) -> int | None:
        """``.png``: the strip's N ages side by side, each face at ``size`` (recipe of the current age, plus the
        ages); ``.gif``/``.mp4``: baby → old in VIDEO_FRAMES frames, plainly resized to ``size``."""
        if not self.model_id:
            return None
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in (".png", ".gif", ".mp4"):
            raise ValueError(f"export the strip as .png, .gif or .mp4, not {suffix or 'no extension'}")
        req, ages = self.current_request(), self.ages()

        def write(s: Any, px: int | None, up: Any) -> Any:
            from ...core.io.export import write_video
            from ...core.sessions.sized_export import export_strip

            if suffix == ".png":
                return export_strip(s.strip(req, ages), path, {**s.recipe(req), "ages": ages}, px, up)
            steps = [i / (VIDEO_FRAMES - 1) for i in range(VIDEO_FRAMES)]
            frames = [f for i in range(0, VIDEO_FRAMES, 16) for f in s.strip(req, steps[i:i + 16])]
            return str(write_video(frames, path, fps=VIDEO_FPS, size=px))

        box = self.size_box if suffix == ".png" else None  # a video needs no upscale model's session
        if box is None and size == CHOSEN:
            size = self.size_box.export_size()
        return self._exporting(request_sized(self.worker, "age-export", self.model_id, box, write, size))

    def _exporting(self, handle: Any) -> int:
        return self.reported(handle, lambda result: self.info.setText(f"Exported {Path(result).name}"),
                             lambda message: self.info.setText(f"⚠ {message}"))
