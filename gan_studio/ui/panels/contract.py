"""What the window asks of every panel, so it calls the panel in use instead of branching on panel names.

Each panel owns its exports and the recipes it made. An action a panel does not have is ``None``; the window
then sends it to the explorer, the window's default panel (Ctrl+Z in the mixer undoes the explorer, Ctrl+Shift+E
in the sketch pad exports the explorer's seed grid), as it always did.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, Protocol, runtime_checkable

Action = Callable[[], None] | None
# (model id, worker function returning (image, recipe)) of the image an "Export upscaled" starts from
UpscaleSource = tuple[str | None, Callable[[Any], Any] | None]


@runtime_checkable
class Panel(Protocol):
    """One dockable panel, as the window sees it."""

    name: ClassVar[str]  # the key of ``MainWindow.panels`` / ``docks`` and of ``core.sessions.recipes.PANELS``
    title: ClassVar[str]  # the dock's title
    export_dialog: Action  # Ctrl+E
    export_grid_dialog: Action  # Ctrl+Shift+E
    export_video_dialog: Action  # Ctrl+Alt+E
    undo: Action
    redo: Action
    upscale_source: Callable[[], UpscaleSource] | None  # the image "Export upscaled" enlarges

    def restore_recipe(self, recipe: dict[str, Any], path: Path) -> bool:
        """Restore the state an exported PNG's ``recipe`` describes; raise ValueError when it cannot be.
        False: the panel has already said what happened (the window then adds no "Restored" message)."""
        ...


class PanelDefaults:
    """Every action absent (the explorer's); a panel overrides what it has. Mixed into each panel class."""

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    export_dialog: Action = None
    export_grid_dialog: Action = None
    export_video_dialog: Action = None
    undo: Action = None
    redo: Action = None
    upscale_source: Callable[[], UpscaleSource] | None = None

    def restore_recipe(self, recipe: dict[str, Any], path: Path) -> bool:
        raise ValueError(f"the {self.name or 'this'} panel makes no image recipes")

    def reported(self, handle: Any, done: Callable[[Any], Any] | None = None,
                 failed: Callable[[str], Any] | None = None) -> int:
        """Say on the panel's ``status`` / ``error`` signals (the window's status bar) how the export behind
        ``handle`` ended, after ``done(result)`` / ``failed(message)``; returns its id for callers that wait."""
        from ..export_size import exported

        def ok(result: Any) -> None:
            if done is not None:
                done(result)
            self.status.emit(exported(result))  # type: ignore[attr-defined]

        def bad(message: str) -> None:
            if failed is not None:
                failed(message)
            self.error.emit(message)  # type: ignore[attr-defined]

        handle.then(ok, bad)
        return handle.id
