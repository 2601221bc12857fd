"""Image folders with bad files, and the starter-world builder."""

import numpy as np
import pytest
from PIL import Image

from gan_studio.core.data.images import load_folder, load_image, scan_folder


def test_bad_files_are_skipped_with_reasons(image_folder):
    (image_folder / "empty.png").write_bytes(b"")
    (image_folder / "text.jpg").write_text("hello, not a JPEG")
    good = (image_folder / "img00.png").read_bytes()
    (image_folder / "truncated.png").write_bytes(good[: len(good) // 2])
    Image.new("RGB", (1, 1)).save(image_folder / "tiny.png")
    (image_folder / "notes.txt").write_text("ignored")
    scan = scan_folder(image_folder)
    reasons = {p.name: r for p, r in scan.skipped}
    assert len(scan.usable) == 24
    assert reasons["empty.png"] == "empty file"
    assert "unreadable" in reasons["text.jpg"] or "not a valid" in reasons["text.jpg"]
    assert "truncated.png" in reasons and "too small" in reasons["tiny.png"]
    arr, _ = load_folder(image_folder, 16, 4)
    assert arr.shape == (24, 16, 16, 4) and arr.dtype == np.uint8


def test_odd_modes_and_exif_rotation(tmp_path):
    Image.new("I;16", (20, 10), 30000).save(tmp_path / "a16.png")
    pal = Image.new("P", (12, 12))
    pal.info["transparency"] = 0
    pal.save(tmp_path / "pal.png")
    Image.new("CMYK", (12, 12), (0, 255, 0, 0)).save(tmp_path / "cmyk.jpg")
    im = Image.new("RGB", (20, 10), (255, 0, 0))
    exif = im.getexif()
    exif[0x0112] = 6  # rotate 90°
    im.save(tmp_path / "rot.jpg", exif=exif)
    for name in ("a16.png", "pal.png", "cmyk.jpg", "rot.jpg"):
        arr = load_image(tmp_path / name, 8, 4)
        assert arr.shape == (8, 8, 4), name
    assert load_image(tmp_path / "pal.png", 8, 4)[..., 3].max() == 0  # palette transparency kept


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a folder"):
        scan_folder(tmp_path / "nope")


def test_starter_builder_renders_labelled_emoji(tmp_path):
    from gan_studio.core.data.starter import NOTO_COLOR, build_starter, read_manifest

    if not __import__("os").path.exists(NOTO_COLOR):
        pytest.fail("fonts-noto-color-emoji is not installed: run the README's setup command")
    items = build_starter(tmp_path, limit=40)
    assert len(items) >= 40
    again = read_manifest(tmp_path)
    assert again == items
    colour = [i for i in items if i.domain == "colour"]
    img = Image.open(tmp_path / colour[0].file)
    assert img.size == (128, 128) and img.mode == "RGBA"
    a = np.asarray(img)
    assert a[..., 3].max() == 255 and a[0, 0, 3] == 0 and a[..., :3].std() > 10
    assert all(i.caption and i.category and i.split in ("train", "heldout") for i in items)
