"""Images a user has: bombs are a clear ValueError, unreadable formats are listed as skipped with the reason,
EXIF and 32-bit TIFF are described truthfully. Every file is built here."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from gan_studio.core.data.check import IMAGE_SUFFIXES, Prep, check_folder, open_image
from gan_studio.core.sessions.translator import read_image


def _png_header_only(path, w: int, h: int) -> None:
    """A PNG that declares w×h pixels but holds a few bytes: what a decompression bomb looks like up front."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
                     + chunk(b"IEND", b""))


@pytest.mark.parametrize("side", [9000, 20000])
def test_bomb_png_is_a_clear_value_error(tmp_path, side):
    path = tmp_path / "bomb.png"
    _png_header_only(path, side, side)
    with pytest.raises(ValueError, match="pixel limit|decompression bomb"):
        read_image(path)


def test_unreadable_formats_are_listed_as_skipped(tmp_path):
    Image.new("RGB", (32, 32), (200, 10, 10)).save(tmp_path / "ok.png")
    (tmp_path / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32"/>')
    (tmp_path / "phone.heic").write_bytes(b"\0\0\0\x18ftypheic" + b"\0" * 64)
    if ".avif" in IMAGE_SUFFIXES:
        Image.new("RGB", (32, 32), (10, 200, 10)).save(tmp_path / "photo.avif")
    check = check_folder(tmp_path, Prep(resolution=16))
    reasons = {p.name: r for p, r in check.skipped}
    assert "SVG" in reasons["logo.svg"] and "PNG" in reasons["logo.svg"]
    assert "HEIC" in reasons["phone.heic"]
    assert {p.name for p in check.usable} == {"ok.png"} | ({"photo.avif"} if ".avif" in IMAGE_SUFFIXES else set())


@pytest.mark.parametrize("orientation, rotated", [(0, False), (9, False), (65535, False), (1, False), (6, True)])
def test_exif_orientation_notes(tmp_path, orientation, rotated):
    im = Image.new("RGB", (40, 20), (90, 90, 90))
    exif = Image.Exif()
    exif[0x0112] = orientation
    im.save(tmp_path / "p.jpg", exif=exif)
    out, notes = open_image(tmp_path / "p.jpg")
    assert ("rotated as its EXIF orientation says" in notes) == rotated
    assert out.size == ((20, 40) if rotated else (40, 20))


def test_int32_tiff_is_not_called_16_bit_nor_clipped(tmp_path):
    arr = np.tile(np.linspace(0, 1_000_000, 32).astype(np.int32), (32, 1))
    Image.fromarray(arr, "I").save(tmp_path / "deep.tif")
    out, notes = open_image(tmp_path / "deep.tif")
    assert not any("16-bit" in n for n in notes) and any("32-bit integer" in n for n in notes)
    grey = np.asarray(out)[0, :, 0]
    assert grey[0] == 0 and grey[-1] == 255 and len(np.unique(grey)) > 16  # a ramp, not a wall of white
    ramp16 = np.tile(np.linspace(0, 65535, 32).astype(np.int32), (32, 1))
    Image.fromarray(ramp16, "I").save(tmp_path / "ramp16.tif")
    _, notes16 = open_image(tmp_path / "ramp16.tif")
    assert any("16-bit values" in n for n in notes16)


def test_labelled_folders_list_unreadable_images_as_skipped_too(tmp_path):
    """Age and caption folders go through the same listing: an SVG or HEIC there is skipped with the reason."""
    from gan_studio.core.data.images import load_folder
    from gan_studio.core.data.labels import load_age_labels, load_captions

    for level in ("baby", "old"):
        (tmp_path / level).mkdir()
        Image.new("RGB", (32, 32), (200, 10, 10)).save(tmp_path / level / "a.png")
        (tmp_path / level / "a.txt").write_text("a face")
    (tmp_path / "baby" / "logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>')
    (tmp_path / "baby" / "logo.txt").write_text("a logo")
    (tmp_path / "old" / "phone.heic").write_bytes(b"\0\0\0\x18ftypheic" + b"\0" * 64)
    (tmp_path / "old" / "phone.txt").write_text("a photo")
    for listed in (load_age_labels(tmp_path), load_captions(tmp_path)):
        names = {p.name for p, _ in listed}
        assert {"logo.svg", "phone.heic"} <= names
        _, scan = load_folder(tmp_path, 16, files=[p for p, _ in listed])
        reasons = {p.name: r for p, r in scan.skipped}
        assert "SVG" in reasons["logo.svg"] and "HEIC" in reasons["phone.heic"]
        assert {p.name for p in scan.usable} == {"a.png"}


def test_a_bomb_png_is_one_clear_line_in_every_command_that_reads_an_image(tiny_library, tmp_path, capsys):
    from gan_studio.cli import main
    from tests.conftest import TINY_AGE_ID, TINY_CYCLE_ID, TINY_ID, TINY_SKETCH_ID, TINY_SR_ID

    for side in (9000, 20000):  # over the app's 64 MP limit; over Pillow's own bomb limit
        bomb = tmp_path / f"bomb{side}.png"
        _png_header_only(bomb, side, side)
        out = tmp_path / "out"
        for argv in (["upscale", "--model", TINY_SR_ID, "--input", str(bomb), "-o", str(out / "u.png")],
                     ["translate", "--model", TINY_CYCLE_ID, "--input", str(bomb), "-o", str(out / "t.png")],
                     ["project", "--model", TINY_ID, "--input", str(bomb), "--steps", "2", "-o", str(out / "p.npz")],
                     ["sketch", "--model", TINY_SKETCH_ID, "--input", str(bomb), "-o", str(out / "s.png")],
                     ["age", "--model", TINY_AGE_ID, "--input", str(bomb), "--age", "0.5", "--steps", "2", "-o",
                      str(out / "a.png")],
                     ["info", str(bomb)]):
            assert main(argv) == 2, argv
            err = capsys.readouterr().err
            assert "Traceback" not in err and "unexpected" not in err and len(err.strip().splitlines()) == 1, err
            assert "bomb" in err or "pixel limit" in err or "not a readable image" in err, err
        assert not out.exists()


def test_a_bomb_drawing_inside_a_sketch_recipe_is_a_value_error():
    import base64
    import io

    from gan_studio.core.sessions.recipes import decode_drawing

    buf = io.BytesIO()
    Image.new("L", (64, 64)).save(buf, format="PNG")
    ihdr = buf.getvalue()
    bomb = ihdr[:16] + struct.pack(">II", 30000, 30000) + ihdr[24:29]
    bomb += struct.pack(">I", zlib.crc32(bomb[12:29]) & 0xFFFFFFFF) + ihdr[33:]
    for data in (bomb, ihdr.replace(b"IHDR", b"IHDR", 1)):
        text = base64.b64encode(data).decode("ascii")
        if data is bomb:
            with pytest.raises(ValueError, match="does not decode|not a square sheet"):
                decode_drawing(text)
        else:
            assert decode_drawing(text).shape == (64, 64)
