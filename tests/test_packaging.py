"""Packaging: the wheel's contents, the build hook, desktop files and their validators, icons, --version, About."""

from __future__ import annotations

import re
import runpy
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
from PIL import Image

from gan_studio import __version__
from gan_studio.about import about_info, version_text
from gan_studio.core.library.registry import TRAINING_ONLY_ROLES, Library
from gan_studio.resources import APP_ID, icon_path, resources_dir

REPO = Path(__file__).resolve().parents[1]
DESKTOP = REPO / "resources" / f"{APP_ID}.desktop"
METAINFO = REPO / "resources" / f"{APP_ID}.metainfo.xml"
BUNDLED_IDS = sorted(p.name for p in (REPO / "models").iterdir() if (p / "card.json").is_file())


def _setup_py() -> dict:
    return runpy.run_path(str(REPO / "setup.py"), run_name="setup_under_test")  # not __main__: no setup()


def test_version_is_the_same_everywhere():
    top = re.search(r"^## \[?(\d+\.\d+\.\d+)\]?", (REPO / "CHANGELOG.md").read_text(), re.M)
    assert top and top.group(1) == __version__, "CHANGELOG.md's newest release must be gan_studio.__version__"
    releases = ET.parse(METAINFO).getroot().find("releases")
    assert releases[0].get("version") == __version__, "the metainfo's newest <release> must match"
    assert 'attr = "gan_studio.__version__"' in (REPO / "pyproject.toml").read_text()


def test_version_flag_names_app_models_and_data_licences(capsys):
    from gan_studio.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"gan-studio {__version__}\n")
    for card in Library().cards():
        assert card.id in out and card.license in out
    for needle in ("MIT licence", "SIL Open Font License 1.1", "Symbola: free for any use",
                   "all-MiniLM-L6-v2: Apache-2.0", "PySide6-Essentials"):
        assert needle in out


def test_about_dialog_lists_every_model_and_copies_the_details(qtbot):
    from PySide6.QtGui import QGuiApplication

    from gan_studio.ui.about import AboutDialog

    dialog = AboutDialog(info=about_info())
    qtbot.addWidget(dialog)
    text = dialog.details.toPlainText()
    for model_id in BUNDLED_IDS:
        assert model_id in text
    assert "SIL Open Font License" in text and "Apache-2.0" in text and "free for any use" in text
    dialog.copy_details()
    assert QGuiApplication.clipboard().text() == version_text(dialog.info)


def test_build_hook_leaves_out_training_state_and_models_still_verify_and_load(tmp_path):
    import json

    from gan_studio.core.library.cards import sha256_file

    hook = _setup_py()
    assert tuple(hook["OMIT_ROLES"]) == TRAINING_ONLY_ROLES
    # A copy of the bundled models in which the StyleGen starter also ships a training state.
    src = tmp_path / "src"
    shutil.copytree(REPO / "models", src)
    state = src / "stylegen-faces-64" / "train-state.pt"
    state.write_bytes(b"checkpoint bytes")
    card_path = src / "stylegen-faces-64" / "card.json"
    raw = json.loads(card_path.read_text(encoding="utf-8"))
    raw["files"].append({"path": "train-state.pt", "sha256": sha256_file(state), "role": "train-state"})
    card_path.write_text(json.dumps(raw), encoding="utf-8")
    out = tmp_path / "out"
    assert hook["copy_models"](src, out) == BUNDLED_IDS
    assert not list(out.rglob("train-state.pt"))
    lib = Library([(out, "bundled")])
    for card in lib.cards():
        assert not any(f.role in TRAINING_ONLY_ROLES for f in card.files)
        lib.verify(card)  # every file the packaged card lists is there, with its sha256
    card = lib.card("stylegen-faces-64")
    assert "not installed with the wheel" in card.training["resume_state"]
    assert lib.load("stylegen-faces-64") is not None


@pytest.mark.slow
def test_wheel_carries_models_and_resources(tmp_path):
    import setuptools

    # The venv's own setuptools builds it when new enough (./studio installs one); else pip fetches one.
    fresh = tuple(int(x) for x in setuptools.__version__.split(".")[:2]) >= (70, 1)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp_path), str(REPO)]
                   + (["--no-build-isolation"] if fresh else []), check=True, cwd=REPO, timeout=300)
    (wheel,) = tmp_path.glob("gan_studio-*.whl")
    assert wheel.name.startswith(f"gan_studio-{__version__}-")
    names = set(zipfile.ZipFile(wheel).namelist())
    for model_id in BUNDLED_IDS:
        assert f"gan_studio/_models/{model_id}/card.json" in names
    assert "gan_studio/_models/stylegen-faces-64/generator.safetensors" in names
    assert not [n for n in names if n.endswith("train-state.pt")]
    for rel in (f"{APP_ID}.desktop", f"{APP_ID}.metainfo.xml", f"icons/{APP_ID}.svg",
                f"icons/hicolor/256x256/apps/{APP_ID}.png"):
        assert f"gan_studio/_resources/{rel}" in names
    assert wheel.stat().st_size < 120e6, "keep the wheel lean (models without training state)"


@pytest.mark.skipif(not shutil.which("desktop-file-validate"), reason="Debian package desktop-file-utils missing")
def test_desktop_file_validates():
    res = subprocess.run(["desktop-file-validate", str(DESKTOP)], capture_output=True, text=True)
    assert res.returncode == 0 and not res.stdout.strip(), res.stdout + res.stderr


@pytest.mark.skipif(not shutil.which("appstreamcli"), reason="Debian package appstream missing")
def test_metainfo_validates():
    res = subprocess.run(["appstreamcli", "validate", "--no-net", str(METAINFO)], capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr


def test_desktop_entry_and_metainfo_agree_with_the_icon():
    main_group = DESKTOP.read_text().split("\n[Desktop Action")[0]
    entry = dict(line.split("=", 1) for line in main_group.splitlines() if "=" in line)
    assert entry["Icon"] == APP_ID and entry["Exec"] == "gan-studio"
    root = ET.parse(METAINFO).getroot()
    assert root.findtext("id") == APP_ID and root.findtext("launchable") == DESKTOP.name
    svg = ET.parse(icon_path()).getroot()
    assert svg.get("viewBox") == "0 0 256 256"
    for size in (16, 24, 32, 48, 64, 128, 256, 512):
        with Image.open(icon_path(size)) as im:
            assert im.size == (size, size) and im.mode == "RGBA"


def test_resources_are_found_from_the_checkout():
    assert resources_dir() == REPO / "resources"
    assert icon_path().is_file()
