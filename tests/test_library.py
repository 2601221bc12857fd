"""Model library: listing, typed errors, sha256 refusal, and every bundled model's card and pixels."""

import json

import numpy as np
import pytest

from gan_studio.core.library.cards import CardError, ChecksumError, UnknownModelError
from gan_studio.core.library.registry import Library
from tests.conftest import (
    BUNDLED,
    TINY_AGE_ID,
    TINY_CYCLE_ID,
    TINY_ID,
    TINY_SKETCH_ID,
    TINY_SR_ID,
    TINY_TEXT_ID,
    make_tiny_model,
)


def test_lists_and_loads(tiny_library):
    assert tiny_library.ids() == sorted([TINY_ID, TINY_CYCLE_ID, TINY_SKETCH_ID, TINY_SR_ID, TINY_AGE_ID,
                                         TINY_TEXT_ID])
    G = tiny_library.load(TINY_ID)
    assert G.cfg.resolution == 16 and tiny_library.load(TINY_ID) is G


def test_unknown_model_is_a_typed_error(tiny_library):
    with pytest.raises(UnknownModelError, match="unknown model 'nope'.*tiny-stylegen-16"):
        tiny_library.card("nope")


def test_sha256_mismatch_is_refused(tmp_path):
    make_tiny_model(tmp_path)
    weights = tmp_path / TINY_ID / "generator.safetensors"
    data = bytearray(weights.read_bytes())
    data[-1] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(ChecksumError, match="refused"):
        Library(roots=[(tmp_path, "user")]).load(TINY_ID)


def test_broken_cards_do_not_hide_others(tmp_path):
    make_tiny_model(tmp_path)
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "card.json").write_text("{not json")
    lib = Library(roots=[(tmp_path, "user")])
    assert lib.ids() == [TINY_ID]
    from gan_studio.core.library.cards import ModelCard

    with pytest.raises(CardError):
        ModelCard.read(tmp_path / "broken")


def test_user_models_follow_gan_studio_home(tmp_path, monkeypatch):
    monkeypatch.setenv("GAN_STUDIO_HOME", str(tmp_path))
    monkeypatch.setenv("GAN_STUDIO_BUNDLED_MODELS", str(tmp_path / "none"))
    make_tiny_model(tmp_path / "models", "mine")
    lib = Library()
    assert lib.ids() == ["mine"] and lib.card("mine").source == "user"


BUNDLED_CARDS = sorted(p.parent for p in BUNDLED.glob("*/card.json"))


@pytest.mark.parametrize("folder", BUNDLED_CARDS, ids=[p.name for p in BUNDLED_CARDS])
def test_bundled_model_cards_are_complete_and_verified(folder):
    card = json.loads((folder / "card.json").read_text())
    for key in ("id", "family", "tasks", "resolution", "architecture", "files", "metrics", "license", "training"):
        assert card.get(key), f"{folder.name}: card lacks {key}"
    assert card["training"].get("command", "").startswith("gan-studio ")
    lib = Library(roots=[(BUNDLED, "bundled")])
    lib.verify(lib.card(card["id"]))


STYLEGEN = [p for p in BUNDLED_CARDS if json.loads((p / "card.json").read_text())["family"] == "stylegen"]


@pytest.mark.parametrize("folder", STYLEGEN, ids=[p.name for p in STYLEGEN])
def test_bundled_stylegen_renders_varied_images(folder):
    from gan_studio.core.sessions.generator import GeneratorSession, RenderRequest

    lib = Library(roots=[(BUNDLED, "bundled")])
    model_id = json.loads((folder / "card.json").read_text())["id"]
    sess = GeneratorSession.open(model_id, library=lib, device="cpu")
    imgs = np.stack(sess.render_many([RenderRequest(model_id, seed=s, psi=0.7) for s in range(8)]))
    assert imgs.shape[1:3] == (sess.resolution, sess.resolution)
    # Real pictures, not blank or constant: contrast inside each, differences between seeds.
    assert all(im[..., :3].std() > 20 for im in imgs)
    diffs = [np.abs(imgs[i].astype(int) - imgs[j].astype(int)).mean() for i in range(8) for j in range(i)]
    assert min(diffs) > 3
    if imgs.shape[3] == 4:  # cut-out stickers: transparent corners, opaque middle
        assert imgs[:, :4, :4, 3].mean() < 64 and imgs[:, 24:40, 24:40, 3].mean() > 192


def _family_folders(*families):
    return [p for p in BUNDLED_CARDS if json.loads((p / "card.json").read_text())["family"] in families]


def _saturation(img):
    rgb = img[..., :3].astype(float)
    return float((rgb.max(-1) - rgb.min(-1))[img[..., 3] > 128].mean()) if img.shape[2] == 4 else 0.0


def _smiley(side=256):
    from PIL import Image, ImageDraw

    im = Image.new("L", (side, side), 255)
    d = ImageDraw.Draw(im)
    s = side / 256
    d.ellipse([40 * s, 40 * s, 216 * s, 216 * s], outline=0, width=int(6 * s))
    d.ellipse([90 * s, 95 * s, 106 * s, 125 * s], fill=0)
    d.ellipse([150 * s, 95 * s, 166 * s, 125 * s], fill=0)
    d.arc([85 * s, 110 * s, 171 * s, 180 * s], 20, 160, fill=0, width=int(6 * s))
    return np.asarray(im)


@pytest.mark.parametrize("folder", _family_folders("pix2pix"), ids=lambda p: p.name)
def test_bundled_sketch_model_paints_a_drawn_smiley(folder):
    from gan_studio.core.sessions.translator import TranslatorSession

    lib = Library(roots=[(BUNDLED, "bundled")])
    sess = TranslatorSession.open(json.loads((folder / "card.json").read_text())["id"], library=lib, device="cpu")
    out = sess.sketch(_smiley())
    r = sess.resolution
    assert out.shape == (r, r, 4)
    assert out[:r // 16, :r // 16, 3].mean() < 64 and out[r // 3:2 * r // 3, r // 3:2 * r // 3, 3].mean() > 192
    assert _saturation(out) > 40  # colourful, unlike the black-and-white drawing


@pytest.mark.parametrize("folder", _family_folders("cyclegan"), ids=lambda p: p.name)
def test_bundled_cyclegan_colours_a_symbol_and_cycles_back(folder):
    from PIL import Image, ImageDraw

    from gan_studio.core.sessions.translator import TranslatorSession

    lib = Library(roots=[(BUNDLED, "bundled")])
    sess = TranslatorSession.open(json.loads((folder / "card.json").read_text())["id"], library=lib, device="cpu")
    r = sess.resolution
    im = Image.new("RGBA", (r, r), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    d.ellipse([r // 8, r // 8, 7 * r // 8, 7 * r // 8], fill=(0, 0, 0, 255))
    d.ellipse([r // 4, r // 4, 3 * r // 4, 3 * r // 4], fill=(255, 255, 255, 255))
    symbol = np.asarray(im)
    colour = sess.run(symbol, "AtoB")
    assert _saturation(colour) > _saturation(symbol) + 20
    back = sess.run(colour, "BtoA")
    from gan_studio.core.metrics.translation import _on_white

    assert np.abs(_on_white(back) - _on_white(symbol)).mean() / 255 < 0.15  # as seen: on white paper


@pytest.mark.parametrize("folder", _family_folders("sr"), ids=lambda p: p.name)
def test_bundled_upscaler_beats_bicubic(folder):
    from PIL import Image

    from gan_studio.core.metrics.translation import psnr
    from gan_studio.core.sessions.translator import TranslatorSession

    lib = Library(roots=[(BUNDLED, "bundled")])
    sess = TranslatorSession.open(json.loads((folder / "card.json").read_text())["id"], library=lib, device="cpu")
    smiley = _smiley(128)
    hr = np.zeros((128, 128, 4), np.uint8)
    hr[..., 0], hr[..., 1], hr[..., 2] = 250, 200 * (smiley > 128), 40
    hr[..., 3] = 255
    lr = np.asarray(Image.fromarray(hr, "RGBA").resize((32, 32), Image.Resampling.BOX))
    bicubic = np.asarray(Image.fromarray(lr, "RGBA").resize((128, 128), Image.Resampling.BICUBIC))
    ours = sess.upscale(lr)
    assert ours.shape == hr.shape and psnr(ours, hr) > psnr(bicubic, hr)


@pytest.mark.parametrize("folder", _family_folders("age"), ids=lambda p: p.name)
def test_bundled_age_model_greys_the_hair_and_keeps_the_skin(folder):
    """Old faces have white hair: the top rows are brighter at age 1 than at child age (dark hair), and the
    middle of the face (skin) keeps its colour along the slider."""
    from gan_studio.core.sessions.age import AgeSession
    from gan_studio.core.sessions.cond_requests import AgeRequest
    from gan_studio.core.sessions.requests import Source

    lib = Library(roots=[(BUNDLED, "bundled")])
    model_id = json.loads((folder / "card.json").read_text())["id"]
    sess = AgeSession.open(model_id, library=lib, device="cpu")
    r = sess.resolution
    greyer, skin_drift = 0, []
    for seed in range(8):
        req = AgeRequest(model_id, Source.from_seed(seed), gender=("any", "male", "female")[seed % 3],
                         skin_tone=seed % 6)
        child, adult, old = sess.strip(req, [1 / 3, 2 / 3, 1.0])

        def brightness(im, rows):
            opaque = im[rows, :, 3] > 128
            return im[rows, :, :3].astype(float).mean(-1)[opaque].mean()

        greyer += brightness(old, slice(r // 16, 5 * r // 16)) > brightness(child, slice(r // 16, 5 * r // 16)) + 30
        mid = (slice(r // 2, 3 * r // 4), slice(3 * r // 8, 5 * r // 8))
        skin_drift.append(np.abs(child[mid][..., :3].astype(float).mean((0, 1))
                                 - adult[mid][..., :3].astype(float).mean((0, 1))).mean())
    assert greyer >= 6
    assert np.median(skin_drift) < 40


TEXT = _family_folders("text")


@pytest.mark.parametrize("folder", TEXT, ids=[p.name for p in TEXT])
def test_bundled_text_model_follows_the_prompt_and_varies_by_seed(folder):
    """"red heart" paints redder than "smiling cat" (yellow), and one prompt's seeds give different images."""
    from gan_studio.core.sessions.cond_requests import TextRequest
    from gan_studio.core.sessions.text import TextSession

    lib = Library(roots=[(BUNDLED, "bundled")])
    model_id = json.loads((folder / "card.json").read_text())["id"]
    sess = TextSession.open(model_id, library=lib, device="cpu")
    seeds = tuple(range(8))
    heart = np.stack(sess.render(TextRequest(model_id, "red heart", seeds=seeds))).astype(float)
    cat = np.stack(sess.render(TextRequest(model_id, "smiling cat", seeds=seeds))).astype(float)

    def red_minus_green(imgs):
        weight = imgs[..., 3] / 255.0
        return float(((imgs[..., 0] - imgs[..., 1]) * weight).sum() / weight.sum())

    assert red_minus_green(heart) > red_minus_green(cat) + 40  # measured: 109 vs 36 (168.2 kimg model)
    pairs = [np.abs(heart[i] - heart[i + 1])[..., :3].mean() for i in range(len(seeds) - 1)]
    assert np.median(pairs) > 5  # measured: 24 (mean absolute RGB difference of neighbouring seeds)
