"""Dataset check: every bad-file case from issue 3 is skipped with a reason (or converted), nothing crashes
training, and the square/alpha options do what they say."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from gan_studio.core.data.check import Prep, check_folder, display_path, open_image, write_prepared
from gan_studio.core.data.images import load_folder, scan_folder

NON_UTF8 = os.fsdecode(b"caf\xe9-\xff.png")


def _noise(w: int, h: int, seed: int = 0) -> Image.Image:
    return Image.fromarray((np.random.RandomState(seed).rand(h, w, 3) * 255).astype(np.uint8))


def _hostile_folder(root: Path) -> dict[str, str]:
    """Write one file per case; return name → expected fragment of the skip reason ('' = usable)."""
    root.mkdir(parents=True, exist_ok=True)
    _noise(64, 64).save(root / "good.png")
    _noise(96, 96, 1).save(root / "truncated.jpg", quality=90)
    data = (root / "truncated.jpg").read_bytes()
    (root / "truncated.jpg").write_bytes(data[: len(data) // 2])
    (root / "zero.png").write_bytes(b"")
    (root / "notes.jpg").write_text("these are my notes, not a picture\n")
    Image.new("1", (10000, 7000)).save(root / "bomb.png")  # 70 M pixels in a few KB
    Image.new("CMYK", (32, 32), (0, 255, 0, 0)).save(root / "cmyk.jpg")
    Image.new("I;16", (40, 20), 30000).save(root / "deep16.png")
    pal = Image.new("P", (24, 24), 0)
    pal.putpalette([255, 0, 0, 0, 255, 0] + [0] * 762)
    pal.paste(1, (0, 0, 12, 24))
    pal.info["transparency"] = 0
    pal.save(root / "palette.png", transparency=0)
    Image.new("L", (30, 30), 90).save(root / "gray.png")
    rot = Image.new("RGB", (40, 20), (255, 0, 0))
    rot.paste((0, 0, 255), (20, 0, 40, 20))
    exif = rot.getexif()
    exif[0x0112] = 6  # camera held sideways: rotate 90° clockwise to view
    rot.save(root / "rotated.jpg", exif=exif, quality=95)
    Image.new("RGB", (1, 1)).save(root / "dot.png")
    _noise(4000, 300, 2).save(root / "panorama.jpg", quality=80)
    os.mkfifo(root / "pipe.png")  # opening it naively would block forever
    (root / "a.png").symlink_to(root / "b.png")
    (root / "b.png").symlink_to(root / "a.png")
    (root / "gone.png").symlink_to(root / "missing.png")
    sub = root / "sub"
    sub.mkdir()
    (sub / "back").symlink_to(root, target_is_directory=True)  # folder loop
    _noise(20, 20, 3).save(root / NON_UTF8)
    return {"good.png": "", "truncated.jpg": "truncated", "zero.png": "empty file", "notes.jpg": "not a valid image",
            "bomb.png": "decompression bomb", "cmyk.jpg": "", "deep16.png": "", "palette.png": "", "gray.png": "",
            "rotated.jpg": "", "dot.png": "too small", "panorama.jpg": "", "pipe.png": "not a regular file",
            "a.png": "symlink loop", "b.png": "symlink loop", "gone.png": "broken link", NON_UTF8: ""}


def test_every_bad_file_case_is_reported_and_the_rest_load(tmp_path):
    expected = _hostile_folder(tmp_path / "data")
    check = check_folder(tmp_path / "data", Prep(resolution=16))
    skipped = {p.name: r for p, r in check.skipped}
    usable = {p.name for p in check.usable}
    for name, fragment in expected.items():
        if fragment:
            assert name in skipped and fragment in skipped[name], (name, skipped.get(name))
        else:
            assert name in usable, (name, skipped.get(name))
    assert len(check.usable) + len(check.skipped) == len(expected)  # the folder loop added nothing
    assert check.images is not None and check.images.shape == (len(usable), 16, 16, 4)
    notes = {p.name: n for p, n in check.notes.items()}
    assert "16-bit reduced to 8-bit" in notes["deep16.png"] and "CMYK converted to RGB" in notes["cmyk.jpg"]
    assert any("EXIF" in n for n in notes["rotated.jpg"]) and any("wide" in n for n in notes["panorama.jpg"])
    assert len(check.sha256) == 64 and check.total_bytes > 0
    # The JSON form survives the non-UTF-8 name.
    json.dumps(check.to_json(), ensure_ascii=False).encode("utf-8")  # no lone surrogates left to fail on
    assert "caf\ufffd-\ufffd.png" in display_path(tmp_path / "data" / NON_UTF8)
    # The folder-level API agrees and loads the same files.
    arr, scan = load_folder(tmp_path / "data", 16, 4)
    assert {p.name for p in scan.usable} == usable and len(arr) == len(usable)
    assert {p.name for p in scan_folder(tmp_path / "data").usable} == usable


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_unreadable_file_is_skipped(tmp_path):
    _noise(16, 16).save(tmp_path / "locked.png")
    (tmp_path / "locked.png").chmod(0)
    check = check_folder(tmp_path, Prep(resolution=8))
    assert "unreadable" in dict((p.name, r) for p, r in check.skipped)["locked.png"]


def test_conversions_are_faithful(tmp_path):
    _hostile_folder(tmp_path)
    rgba, _ = open_image(tmp_path / "deep16.png")
    assert abs(int(np.asarray(rgba)[0, 0, 0]) - round(30000 / 65535 * 255)) <= 1  # scaled, not clipped to 255
    rgba, _ = open_image(tmp_path / "cmyk.jpg")
    assert tuple(np.asarray(rgba)[5, 5, :3]) == (255, 0, 255)
    rgba, _ = open_image(tmp_path / "rotated.jpg")
    px = np.asarray(rgba)
    assert rgba.size == (20, 40) and px[2, 10, 0] > 200 and px[-3, 10, 2] > 200  # red on top after rotation
    rgba, _ = open_image(tmp_path / "palette.png")
    px = np.asarray(rgba)
    assert px[5, 2, 3] == 255 and px[5, 20, 3] == 0  # the transparent palette entry stays transparent


def test_square_and_alpha_options(tmp_path):
    Image.new("RGBA", (40, 20), (0, 0, 255, 255)).save(tmp_path / "wide.png")
    half = Image.new("RGBA", (16, 16), (255, 0, 0, 0))
    half.paste((255, 0, 0, 255), (0, 0, 8, 16))
    half.save(tmp_path / "half.png")

    def one(name, **kw):
        check = check_folder(tmp_path, Prep(resolution=8, **kw))
        return check.images[[p.name for p in check.usable].index(name)]
    crop, pad, stretch = (one("wide.png", fit=f) for f in ("crop", "pad", "resize"))
    assert crop[..., 3].min() == 255 and stretch[..., 3].min() == 255
    assert pad[0, :, 3].max() <= 2 and pad[4, :, 3].min() >= 250  # transparent bands above and below (Lanczos ringing)
    assert tuple(pad[0, 0, :3]) == (255, 255, 255)  # straight RGB on the background
    keep = one("half.png", alpha="keep")
    flat = one("half.png", alpha="composite", background=(0, 255, 0))
    assert keep[4, 7, 3] <= 2 and keep[4, 0, 3] >= 250
    assert flat[..., 3].min() == 255
    assert np.abs(flat[4, 7, :3].astype(int) - (0, 255, 0)).max() <= 3
    assert np.abs(flat[4, 0, :3].astype(int) - (255, 0, 0)).max() <= 3
    rgb = check_folder(tmp_path, Prep(resolution=8, channels=3)).images
    assert rgb.shape[3] == 3
    with pytest.raises(ValueError, match="fit must be"):
        Prep(fit="zoom")


def test_prepared_copy_and_hash_track_content(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for i in range(3):
        _noise(20, 12, i).save(src / f"{i}.png")
    first = check_folder(src, Prep(resolution=8))
    assert write_prepared(first, tmp_path / "out") == 3
    again = check_folder(tmp_path / "out", Prep(resolution=8))
    assert np.array_equal(again.images, first.images)  # square inputs at the target size pass through unchanged
    _noise(20, 12, 9).save(src / "1.png")
    assert check_folder(src, Prep(resolution=8), load=False).sha256 != first.sha256


def test_training_survives_the_hostile_folder(tmp_path):
    from gan_studio.core.training.config import TrainConfig
    from gan_studio.core.training.stylegen_trainer import train_stylegen

    _hostile_folder(tmp_path / "data")
    arch = {"z_dim": 8, "w_dim": 8, "mapping_layers": 1, "channel_base": 32, "channel_max": 8,
            "d_channel_base": 32, "d_channel_max": 8}
    res = train_stylegen(TrainConfig(data=str(tmp_path / "data"), out=str(tmp_path / "run"), resolution=16,
                                     batch=2, kimg=0.004, threads=1, arch=arch, preview_every_s=1e9))
    assert res.finished and res.step == 2


def test_cli_dataset_check_json(tmp_path):
    _hostile_folder(tmp_path / "data")
    out = subprocess.run([sys.executable, "-m", "gan_studio", "dataset", "check", str(tmp_path / "data"), "--json",
                          "--fit", "pad", "--resolution", "16", "--preview", str(tmp_path / "p.png")],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["usable"] == 8 and data["fit"] == "pad"
    assert {"file", "reason"} <= set(data["skipped"][0])
    assert Image.open(tmp_path / "p.png").size[0] > 16
    text = subprocess.run([sys.executable, "-m", "gan_studio", "dataset", "check", str(tmp_path / "data")],
                          capture_output=True, text=True, timeout=120)
    assert text.returncode == 0 and "8 usable" in text.stdout and "decompression bomb" in text.stdout
