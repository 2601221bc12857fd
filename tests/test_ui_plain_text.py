"""Names from outside are shown as typed: a model called ``<h1>Imported OK</h1>`` or an image file of that
name is never read as rich text by a label, a tooltip or a question in the window."""

from __future__ import annotations

import json

import pytest
from PIL import Image
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import Qt as QtGui
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import QLabel, QMessageBox

from tests.conftest import make_tiny_model

HTML = "<h1>Imported OK</h1>"


def _rendered(text: str) -> str:
    """What Qt shows for a tooltip or auto-format text: rich text when it looks like HTML."""
    doc = QTextDocument()
    (doc.setHtml if QtGui.mightBeRichText(text) else doc.setPlainText)(text)
    return doc.toPlainText()


@pytest.fixture
def window(qtbot, tiny_library, tmp_path):
    from gan_studio.ui.main_window import MainWindow
    from gan_studio.ui.worker import InferenceWorker

    models = tmp_path / "models"
    make_tiny_model(models, "html-named")
    card = models / "html-named" / "card.json"
    card.write_text(json.dumps({**json.loads(card.read_text()), "name": HTML}))
    win = MainWindow(worker=InferenceWorker(), settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    win.load_models()
    yield win
    win.close()


def test_the_premise_qt_reads_html_looking_text_as_rich(qtbot):
    assert _rendered(HTML) == "Imported OK"  # what a plain-text guard must prevent
    label = QLabel(HTML)
    assert label.textFormat() == Qt.TextFormat.AutoText


def test_every_label_of_the_window_is_plain_text(window):
    labels = window.findChildren(QLabel)
    assert len(labels) > 20
    assert [lb for lb in labels if lb.textFormat() != Qt.TextFormat.PlainText] == []


def test_a_model_named_with_html_shows_literally(window):
    picker = window.model_picker
    picker.setCurrentIndex(picker.findData("html-named"))
    assert HTML in picker.currentText()
    assert HTML in _rendered(picker.toolTip())  # the full name in the tooltip, as typed
    assert "Model of the explorer" in _rendered(picker.toolTip())


def test_an_image_file_named_with_html_shows_literally(window, tmp_path):
    path = tmp_path / f"{HTML.replace('/', '_')}.png"
    Image.new("RGB", (8, 8), (9, 9, 9)).save(path)
    assert window.translate.open_image(path)
    caption = window.translate.caption
    assert caption.text().startswith("<h1>Imported OK<_h1>.png")
    assert caption.textFormat() == Qt.TextFormat.PlainText
    window.explorer.caption.setText(HTML)  # e.g. a projected image's label
    assert window.explorer.caption.textFormat() == Qt.TextFormat.PlainText


def test_the_delete_question_names_the_job_as_typed(window, monkeypatch):
    shown = []
    monkeypatch.setattr(QMessageBox, "exec", lambda box: shown.append((box.text(), box.textFormat())) or 0)
    monkeypatch.setattr(QMessageBox, "question", staticmethod(  # Qt's static box reads the text as AutoText
        lambda parent, title, text, *a, **k: shown.append((text, Qt.TextFormat.AutoText)) or 0))
    window.jobs.current = HTML
    window.jobs._delete()
    assert shown == [(f"Delete {HTML} and its checkpoints?", Qt.TextFormat.PlainText)]


def test_the_fine_tune_dialog_labels_are_plain(window, monkeypatch):
    from PySide6.QtWidgets import QDialog

    seen = []
    monkeypatch.setattr(QDialog, "exec", lambda dlg: seen.extend(dlg.findChildren(QLabel)) or 0)
    window.jobs.new_dialog()
    assert seen and all(lb.textFormat() == Qt.TextFormat.PlainText for lb in seen)
