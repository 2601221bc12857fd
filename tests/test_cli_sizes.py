"""Every export command takes --size through the upscale model (--upscaler, --no-upscaler), as the window does."""

import numpy as np
import pytest
from PIL import Image

from gan_studio.cli import main
from gan_studio.core.io.recipe import read_recipe
from gan_studio.core.sessions.sized_export import fit
from tests.conftest import TINY_AGE_ID, TINY_CYCLE_ID, TINY_ID, TINY_SR_ID, TINY_TEXT_ID


@pytest.fixture
def sr(tiny_library):
    from gan_studio.core.sessions.translator import TranslatorSession

    return TranslatorSession.open(TINY_SR_ID, library=tiny_library)


def _px(path):
    return np.asarray(Image.open(path))


def _icon(path):
    img = np.zeros((16, 16, 4), np.uint8)
    img[4:12, 4:12] = (200, 40, 40, 255)
    Image.fromarray(img).save(path)
    return path


def _both(tmp_path, argv, size, out_flag="-o", name="x.png", extra=()):
    """Run ``argv`` at the model's size and at ``size``; the two outputs."""
    native, sized = tmp_path / f"native-{name}", tmp_path / f"sized-{name}"
    assert main([*argv, out_flag, str(native)]) == 0
    assert main([*argv, out_flag, str(sized), "--size", str(size), *extra]) == 0
    return native, sized


@pytest.mark.parametrize("argv, size", [
    (["mix", "--model", TINY_ID, "--rows", "1,2", "--cols", "3,4"], 4 * 52),  # the grid: 3 × 16 + 2 gaps of 2
    (["age", "--model", TINY_AGE_ID, "--seed", "4", "--age", "0.3"], 64),
    (["sketch", "--seed", "3", "--trace"], 256),
    (["translate", "--model", TINY_CYCLE_ID], 64),
])
def test_a_larger_size_is_the_upscalers_pixels(tiny_library, sr, tmp_path, argv, size):
    if argv[0] in ("sketch", "translate"):
        argv = [*argv, "--input", str(_icon(tmp_path / "icon.png"))]
    native, sized = _both(tmp_path, argv, size)
    assert max(Image.open(sized).size) == size
    assert np.array_equal(_px(sized), sr.upscale(_px(native)))
    rec = read_recipe(sized)
    assert rec["upscaled"] == TINY_SR_ID and rec["export_size"] == size and "upscaled" not in read_recipe(native)


def test_generate_and_text_write_each_seed_at_the_size(tiny_library, sr, tmp_path):
    for argv, size, passes in ((["generate", "--model", TINY_ID, "--seeds", "1-2"], 256, 2),  # 16 → 64 → 256
                               (["text", "--model", TINY_TEXT_ID, "--prompt", "smiling cat", "--seeds", "1-2"],
                                128, 1)):  # 32 → 128
        assert main([*argv, "-o", str(tmp_path / argv[0] / "a")]) == 0
        assert main([*argv, "-o", str(tmp_path / argv[0] / "b"), "--size", str(size)]) == 0
        for seed in (1, 2):
            want, big = (_px(tmp_path / argv[0] / d / f"seed{seed:06d}.png") for d in "ab")
            for _ in range(passes):
                want = sr.upscale(want)
            assert big.shape == (size, size, 4) and np.array_equal(big, want)


def test_the_age_strip_sizes_each_face(tiny_library, sr, tmp_path):
    native, sized = _both(tmp_path, ["age", "--model", TINY_AGE_ID, "--seed", "4", "--ages", "0,1"], 64)
    assert Image.open(sized).size == (2 * 64 + 2, 64) and read_recipe(sized)["ages"] == [0.0, 1.0]
    assert np.array_equal(_px(sized)[:, 66:], sr.upscale(_px(native)[:, 18:]))


def test_no_upscaler_plainly_resizes_and_says_so(tiny_library, tmp_path, capsys):
    argv = ["age", "--model", TINY_AGE_ID, "--seed", "4", "--age", "0.3"]
    native, sized = _both(tmp_path, argv, 64, extra=["--no-upscaler"])
    assert np.array_equal(_px(sized), fit(_px(native), 64)) and "upscaled" not in read_recipe(sized)
    assert "plain" in capsys.readouterr().err
    small = tmp_path / "small.png"  # smaller than the model's: a downscale, whatever the upscaler
    assert main([*argv, "-o", str(small), "--size", "16"]) == 0 and Image.open(small).size == (16, 16)


@pytest.mark.parametrize("argv, message", [
    (["generate", "--model", TINY_ID, "--size", "2048", "-o", "OUT"], "16 … 1024"),
    (["generate", "--model", TINY_ID, "--size", "64", "--no-upscaler", "--size", "8", "-o", "OUT"], "16 … 1024"),
    (["mix", "--model", TINY_ID, "--rows", "1", "--cols", "2", "--size", "64", "--upscaler", TINY_CYCLE_ID,
      "-o", "m.png"], "not a upscale model"),
    (["translate", "--model", TINY_CYCLE_ID, "--input", ".", "--size", "64", "-o", "dir"], "a file input"),
])
def test_bad_sizes_and_upscalers_are_one_line(tiny_library, tmp_path, capsys, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("cmd", ["generate", "mix", "sketch", "translate", "age", "text"])
def test_help_shows_the_size_options_and_defaults(cmd, capsys):
    with pytest.raises(SystemExit):
        main([cmd, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--size N" in text and "--upscaler MODEL" in text and "--no-upscaler" in text
    assert "default: the model's own size" in text and "default: the first in the library" in text
