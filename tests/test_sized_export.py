"""Export at a size: downscales, the ×4 upscaler (once or twice), the plain resize without one, the recipe."""

import numpy as np
import pytest
from PIL import Image

from gan_studio.core.sessions.sized_export import at_size, export_at_size, fit
from tests.conftest import TINY_SR_ID


@pytest.fixture
def sr(tiny_library):
    from gan_studio.core.sessions.translator import TranslatorSession

    return TranslatorSession.open(TINY_SR_ID, library=tiny_library)


def _image(h=16, w=16, c=4, seed=0):
    img = np.random.default_rng(seed).integers(0, 256, (h, w, c), dtype=np.uint8)
    if c == 4:
        img[..., 3] = 255
        img[: h // 2, : w // 2, 3] = 0
    return img


def test_native_and_downscale_keep_aspect_and_alpha():
    img = _image(40, 20)
    assert at_size(img, None).image is img and at_size(img, 40).image is img
    small = at_size(img, 20)
    assert small.image.shape == (20, 10, 4) and small.upscaled is None and not small.plain_resize
    assert small.image[:5, :3, 3].max() < 40 and small.image[-3:, -3:, 3].min() > 200  # the alpha was resized too
    wide = at_size(_image(10, 30, 3), 20)
    assert wide.image.shape == (7, 20, 3)
    assert at_size(_image(10, 30, 3), 20, side="height").image.shape == (20, 60, 3)


@pytest.mark.parametrize("size", [15, 1025, 0, -4])
def test_sizes_outside_16_to_1024_are_refused(size):
    with pytest.raises(ValueError, match="16 … 1024"):
        at_size(_image(), size)


def test_larger_goes_through_the_upscaler_once_or_twice(sr):
    img = _image()
    once = at_size(img, 64, sr)
    assert once.image.shape == (64, 64, 4) and once.upscaled == TINY_SR_ID and once.passes == 1
    assert np.array_equal(once.image, sr.upscale(img))  # the model's pixels, not a resize
    assert not np.array_equal(once.image, fit(img, 64))
    twice = at_size(img, 200, sr)
    assert twice.image.shape == (200, 200, 4) and twice.passes == 2
    assert np.array_equal(twice.image, fit(sr.upscale(sr.upscale(img)), 200))  # 16 → 64 → 256, then down
    assert "enlarged by tiny-sr-x4 (2 passes)" in twice.note()
    near = at_size(_image(52, 52), 256, sr)  # 52 → 208, then 208 → 832 would overshoot: 64 → 256 instead
    assert near.passes == 2 and np.array_equal(near.image, sr.upscale(fit(sr.upscale(_image(52, 52)), 64)))


def test_channels_follow_the_input_whatever_the_upscaler_makes(sr):
    rgb = at_size(_image(c=3), 64, sr).image
    assert rgb.shape == (64, 64, 3)
    assert np.array_equal(rgb, sr.upscale(_image(c=3))[..., :3])


def test_without_an_upscaler_a_plain_resize_says_so():
    sized = at_size(_image(), 64)
    assert sized.plain_resize and sized.upscaled is None and np.array_equal(sized.image, fit(_image(), 64))
    assert "plain Lanczos resize" in sized.note()


def test_the_recipe_records_the_size_and_the_upscaler(sr, tmp_path):
    from gan_studio.core.io.recipe import read_recipe

    path = export_at_size(_image(), tmp_path / "big.png", {"app": "gan-studio", "kind": "x"}, 64, sr)
    assert Image.open(path).size == (64, 64) and "enlarged by" in path.note
    rec = read_recipe(path)
    assert rec["export_size"] == 64 and rec["upscaled"] == TINY_SR_ID
    path = export_at_size(_image(20, 40), tmp_path / "small.png", {"app": "gan-studio", "kind": "x"}, 20)
    assert Image.open(path).size == (20, 10)
    rec = read_recipe(path)
    assert rec["export_size"] == 20 and "upscaled" not in rec
