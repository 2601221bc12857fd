"""TranslatorSession: sketches, both directions, variation seeds, fit modes, batch folders; CLI commands."""

import json

import numpy as np
import pytest
from PIL import Image

from gan_studio.cli import main
from gan_studio.core.data.sketch import augment_sketches, extract_sketch, image_to_sketch
from gan_studio.core.io.recipe import read_recipe
from gan_studio.core.sessions.open import open_session
from gan_studio.core.sessions.translator import TranslatorSession
from tests.conftest import TINY_CYCLE_ID, TINY_ID, TINY_SKETCH_ID, TINY_SR_ID


def _drawing(side=64):
    from PIL import ImageDraw

    im = Image.new("L", (side, side), 255)
    d = ImageDraw.Draw(im)
    d.ellipse([8, 8, side - 8, side - 8], outline=0, width=3)
    d.arc([20, 20, side - 20, side - 20], 20, 160, fill=0, width=3)
    return np.asarray(im)


def test_open_session_dispatches_by_family(tiny_library):
    from gan_studio.core.sessions.generator import GeneratorSession

    assert isinstance(open_session(TINY_ID, tiny_library), GeneratorSession)
    assert isinstance(open_session(TINY_CYCLE_ID, tiny_library), TranslatorSession)


def test_sketch_outputs_and_variation(tiny_library):
    sess = TranslatorSession.open(TINY_SKETCH_ID, library=tiny_library)
    drawing = _drawing()
    plain = sess.sketch(drawing)
    assert plain.shape == (64, 64, 4) and plain.std() > 5
    assert np.array_equal(plain, sess.sketch(drawing))  # deterministic without a seed
    assert sess.has_variation
    v1, v2 = sess.sketch(drawing, seed=1), sess.sketch(drawing, seed=2)
    assert np.array_equal(v1, sess.sketch(drawing, seed=1)) and not np.array_equal(v1, v2)
    assert sess.sketch(_drawing(200)).shape == (64, 64, 4)  # any canvas size


def test_directions_and_fit(tiny_library):
    sess = TranslatorSession.open(TINY_CYCLE_ID, library=tiny_library)
    assert sess.directions == {"AtoB": "symbol → colour", "BtoA": "colour → symbol"}
    assert sess.resolve_direction("symbol2colour") == "AtoB" and sess.resolve_direction("colour → symbol") == "BtoA"
    with pytest.raises(ValueError, match="no direction"):
        sess.resolve_direction("cats2dogs")
    img = np.random.RandomState(0).randint(0, 255, (50, 70, 3)).astype(np.uint8)
    for fit in ("model", "native"):
        out = sess.run(img, "AtoB", fit=fit)
        assert out.shape == (50, 70, 4)
    assert not np.array_equal(sess.run(img, "AtoB"), sess.run(img, "BtoA"))


def test_upscale_is_four_times(tiny_library):
    sess = TranslatorSession.open(TINY_SR_ID, library=tiny_library)
    img = np.random.RandomState(0).randint(0, 255, (20, 30, 4)).astype(np.uint8)
    assert sess.upscale(img).shape == (80, 120, 4)


def test_batch_folder_skips_bad_files_with_reasons(tiny_library, image_folder, tmp_path):
    (image_folder / "broken.png").write_bytes(b"not an image at all")
    (image_folder / "empty.jpg").write_bytes(b"")
    sess = TranslatorSession.open(TINY_CYCLE_ID, library=tiny_library)
    seen = []
    report = sess.translate_folder(image_folder, tmp_path / "out", "AtoB", progress_fn=lambda i, n, p: seen.append(i))
    assert len(report.written) == 24 and seen[-1] == 24
    reasons = {p.name: r for p, r in report.skipped}
    assert set(reasons) == {"broken.png", "empty.jpg"} and all(reasons.values())
    recipe = read_recipe(report.written[0])
    assert recipe["model_id"] == TINY_CYCLE_ID and recipe["direction"] == "AtoB"
    calls = {"n": 0}

    def abort():
        calls["n"] += 1
        return calls["n"] > 5

    cancelled = sess.translate_folder(image_folder, tmp_path / "out2", "AtoB", abort_fn=abort)
    assert cancelled.cancelled and len(cancelled.written) == 5


def test_extracted_and_augmented_sketches():
    img = np.zeros((64, 64, 4), np.uint8)
    img[16:48, 16:48] = (200, 40, 40, 255)
    sk = extract_sketch(img)
    assert sk.dtype == np.uint8 and sk[0, 0] == 255 and (sk < 128).sum() > 50
    assert image_to_sketch(np.repeat(np.repeat(img, 3, 0), 2, 1), 64).shape == (64, 64)
    import torch

    ink = torch.from_numpy(1 - sk / 255.0).float()[None, None].repeat(4, 1, 1, 1)
    a = augment_sketches(ink, torch.Generator().manual_seed(0))
    b = augment_sketches(ink, torch.Generator().manual_seed(0))
    assert torch.equal(a, b) and a.shape == (4, 1, 64, 64) and float(a.max()) == 1.0


def test_cli_sketch_translate_upscale(tiny_library, image_folder, tmp_path, capsys):
    drawing = tmp_path / "draw.png"
    Image.fromarray(_drawing()).save(drawing)
    assert main(["sketch", "--input", str(drawing), "--seed", "3", "-o", str(tmp_path / "s.png")]) == 0
    assert read_recipe(tmp_path / "s.png")["seed"] == 3
    src = next(image_folder.glob("*.png"))
    assert main(["translate", "--model", TINY_CYCLE_ID, "--input", str(src), "--direction", "colour2symbol",
                 "-o", str(tmp_path / "t.png")]) == 0
    assert Image.open(tmp_path / "t.png").size == Image.open(src).size
    capsys.readouterr()
    assert main(["translate", "--input", str(image_folder), "-o", str(tmp_path / "dir"), "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["written"]) == 24
    assert main(["upscale", "--input", str(src), "-o", str(tmp_path / "u.png")]) == 0
    assert Image.open(tmp_path / "u.png").size == (128, 128)
    assert main(["translate", "--model", TINY_SR_ID, "--input", str(src), "-o", str(tmp_path / "x.png")]) == 2
    assert "not a translate model" in capsys.readouterr().err


def test_an_empty_or_nearly_empty_sketch_paints_nothing():
    """The bundled sketch model once painted a large yellow smear on an empty canvas."""
    sess = TranslatorSession.open("sketch2emoji-128")
    blank = np.full((128, 128), 255, np.uint8)
    assert sess.sketch(blank).shape == (128, 128, 4) and sess.sketch(blank)[..., 3].max() == 0
    dot = blank.copy()
    dot[60:64, 60:64] = 0  # a stray 4×4 dot
    assert sess.sketch(dot)[..., 3].max() == 0
    circle = blank.copy()
    yy, xx = np.mgrid[:128, :128]
    circle[np.abs(np.hypot(yy - 64, xx - 64) - 40) < 2] = 0  # a drawn circle paints
    painted = sess.sketch(circle)
    assert painted[..., 3].astype(float).mean() > 20


def test_an_upscale_too_big_for_memory_is_refused_before_allocating(tiny_library, tmp_path, monkeypatch, capsys):
    """×4 of an 8000×8000 image would need about 57 GB while it is made: refused with the size that fits."""
    import gan_studio.core.device as device

    monkeypatch.setattr(device, "available_ram", lambda: 64 << 20)  # a machine with 64 MiB free
    sess = TranslatorSession.open(TINY_SR_ID, library=tiny_library)
    with pytest.raises(MemoryError, match=r"2048×2048 px .*largest result that fits is about \d+×\d+"):
        sess.upscale(np.zeros((512, 512, 4), np.uint8))
    assert sess.upscale(np.zeros((32, 32, 4), np.uint8)).shape == (128, 128, 4)  # small ones still work
    big = tmp_path / "big.png"
    Image.new("RGBA", (512, 512), (10, 200, 30, 255)).save(big)
    code = main(["upscale", "--model", TINY_SR_ID, "--input", str(big), "-o", str(tmp_path / "out.png")])
    err = capsys.readouterr().err
    assert code == 2 and "largest result that fits" in err and "Traceback" not in err
    assert not (tmp_path / "out.png").exists()
