"""Model library: listing, typed errors, sha256 refusal, and every bundled model's card and pixels."""

import json

import numpy as np
import pytest

from gan_studio.core.library.cards import CardError, ChecksumError, UnknownModelError
from gan_studio.core.library.registry import Library
from tests.conftest import BUNDLED, TINY_ID, make_tiny_model


def test_lists_and_loads(tiny_library):
    assert tiny_library.ids() == [TINY_ID]
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
