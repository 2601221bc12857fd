"""Help → About: version, and the licences of the app, of every model in the library and of their data."""

from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QPixmap
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QTextBrowser, QVBoxLayout, QWidget

from ..about import about_info, version_text
from ..resources import icon_path


def about_html(info: dict[str, Any]) -> str:
    rows = "".join(
        f"<tr><td><b>{escape(m['name'])}</b><br><small>{escape(m['id'])} · {escape(m['source'])}</small></td>"
        f"<td>{escape(m['license'])}<br><small>Trained on: {escape(m['data'])}</small></td></tr>"
        for m in info["models"]) or "<tr><td colspan=2>No models found.</td></tr>"
    data = "".join(f"<li><b>{escape(d['name'])}</b> — {escape(d['license'])}<br>"
                   f"<small>{escape(d['used_for'])}; {escape(d['source'])}</small></li>" for d in info["data"])
    libs = ", ".join(f"{escape(x['name'])} {escape(x['version'])} ({escape(x['license'])})"
                     for x in info["libraries"])
    return (f"<p>{escape(info['copyright'])}. GAN Studio is free software under the "
            f"<b>{escape(info['license'])}</b> licence.</p>"
            f"<h3>Models</h3><table cellspacing=6>{rows}</table>"
            f"<h3>Training data and third-party models</h3><ul>{data}</ul>"
            f"<h3>Libraries</h3><p><small>Python {escape(info['python'])}; {libs}</small></p>")


class AboutDialog(QDialog):
    def __init__(self, parent: QWidget | None = None, info: dict[str, Any] | None = None) -> None:
        super().__init__(parent)
        self.info = info or about_info()
        self.setWindowTitle("About GAN Studio")
        self.resize(620, 560)

        icon = QLabel()
        pixmap = QPixmap(str(icon_path(128)))
        if not pixmap.isNull():
            icon.setPixmap(pixmap.scaled(96, 96, Qt.AspectRatioMode.KeepAspectRatio,
                                         Qt.TransformationMode.SmoothTransformation))
        title = QLabel(f"<h2>GAN Studio {escape(self.info['version'])}</h2>"
                       "Explore, mix and export GAN images on your own machine, offline.")
        title.setWordWrap(True)
        header = QHBoxLayout()
        header.addWidget(icon)
        header.addWidget(title, 1)

        self.details = QTextBrowser()
        self.details.setOpenExternalLinks(False)
        self.details.setHtml(about_html(self.info))

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy = buttons.addButton("Copy details", QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(self.copy_details)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(header)
        layout.addWidget(self.details, 1)
        layout.addWidget(buttons)

    def copy_details(self) -> None:
        QGuiApplication.clipboard().setText(version_text(self.info))
