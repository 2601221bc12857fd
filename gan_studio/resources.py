"""Where the app's resources (icons, desktop entry, AppStream metainfo) live: installed or in the repository."""

from __future__ import annotations

from pathlib import Path

APP_ID = "org.ganstudio.GANStudio"  # freedesktop application id: .desktop, metainfo and icon names


def resources_dir() -> Path:
    """``gan_studio/_resources`` in a wheel or bundle (copied there by setup.py), else the repo's ``resources/``."""
    packaged = Path(__file__).resolve().parent / "_resources"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[1] / "resources"


def icon_path(size: int | None = None) -> Path:
    """The app icon: the SVG, or the rendered PNG of ``size`` pixels."""
    icons = resources_dir() / "icons"
    if size is None:
        return icons / f"{APP_ID}.svg"
    return icons / "hicolor" / f"{size}x{size}" / "apps" / f"{APP_ID}.png"
