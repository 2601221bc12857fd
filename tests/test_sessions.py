"""GeneratorSession: mixing definition, interpolation, recipes that regenerate identical pixels."""

import numpy as np
import pytest
import torch

from gan_studio.core.io.export import export_png, write_video
from gan_studio.core.io.recipe import RecipeError, read_recipe
from gan_studio.core.sessions.generator import (
    GeneratorSession,
    MixRequest,
    RenderRequest,
    Source,
    WalkRequest,
    layer_groups,
    request_from_recipe,
)
from tests.conftest import TINY_ID


@pytest.fixture
def sess(tiny_library):
    return GeneratorSession.open(TINY_ID, library=tiny_library, device="cpu")


def test_render_is_deterministic_and_seeds_differ(sess):
    a = sess.render(RenderRequest(TINY_ID, seed=3))
    b = sess.render(RenderRequest(TINY_ID, seed=3))
    c = sess.render(RenderRequest(TINY_ID, seed=4))
    assert a.shape == (16, 16, 4) and a.dtype == np.uint8
    assert np.array_equal(a, b) and not np.array_equal(a, c)


def test_render_many_matches_single(sess):
    reqs = [RenderRequest(TINY_ID, seed=s, psi=0.6) for s in range(5)]
    batch = sess.render_many(reqs)
    for r, img in zip(reqs, batch, strict=True):
        assert np.abs(img.astype(int) - sess.render(r).astype(int)).max() <= 1


def test_mixing_equals_its_definition(sess):
    rows, cols = (Source.from_seed(1), Source.from_seed(2)), (Source.from_seed(3),)
    layers = (0, 1, 2, 3)
    cells = sess.mix_cells(MixRequest(TINY_ID, rows=rows, cols=cols, layers=layers))
    for i, r in enumerate(rows):
        ws = sess.w_of(r).clone()
        ws[:, list(layers)] = sess.w_of(cols[0])[:, list(layers)]
        expected = sess.synth(ws, "const", 1.0)[0]
        assert np.array_equal(cells[i, 0], expected)
    # No layers from the column = the row image; all layers = the column image.
    none = sess.mix_cells(MixRequest(TINY_ID, rows=rows[:1], cols=cols, layers=()))
    all_ = sess.mix_cells(MixRequest(TINY_ID, rows=rows[:1], cols=cols, layers=tuple(range(sess.num_ws))))
    assert np.array_equal(none[0, 0], sess.render(RenderRequest(TINY_ID, source=rows[0])))
    assert np.array_equal(all_[0, 0], sess.render(RenderRequest(TINY_ID, source=cols[0])))
    with pytest.raises(ValueError):
        sess.mix_cells(MixRequest(TINY_ID, rows=rows, cols=cols, layers=(99,)))


def test_mix_grid_layout(sess):
    req = MixRequest(TINY_ID, rows=(Source.from_seed(1), Source.from_seed(2)),
                     cols=(Source.from_seed(3), Source.from_seed(4), Source.from_seed(5)), layers=(0, 1))
    g = sess.mix_grid(req)
    assert g.shape == (3 * 16 + 2 * 2, 4 * 16 + 3 * 2, 4)
    head = sess.render(RenderRequest(TINY_ID, seed=3))
    assert np.abs(g[:16, 18:34].astype(int) - head.astype(int)).max() <= 1


def test_layer_groups_cover_all_layers():
    for n in (8, 10, 12, 14, 18):
        g = layer_groups(n)
        assert sorted(g["coarse"] + g["middle"] + g["fine"]) == list(range(n))
        assert g["coarse"][0] == 0 and g["fine"][-1] == n - 1


def test_interpolation_endpoints(sess):
    path = (Source.from_seed(1), Source.from_seed(2), Source.from_seed(9))
    for t, src in ((0.0, path[0]), (1.0, path[1]), (2.0, path[2])):
        assert np.array_equal(sess.render(RenderRequest(TINY_ID, path=path, t=t)),
                              sess.render(RenderRequest(TINY_ID, source=src)))
    mid = sess.render(RenderRequest(TINY_ID, path=path, t=0.5))
    assert not np.array_equal(mid, sess.render(RenderRequest(TINY_ID, source=path[0])))


def test_w_source_roundtrip(sess):
    w = sess.w_of(Source.from_seed(5))[0, 0]
    src = Source.from_w(w, "mine")
    assert np.array_equal(sess.render(RenderRequest(TINY_ID, source=src)),
                          sess.render(RenderRequest(TINY_ID, seed=5)))
    with pytest.raises(ValueError):
        sess.w_of(Source.from_w(np.zeros(7)))


@pytest.mark.parametrize("req", [
    RenderRequest(TINY_ID, seed=11, psi=0.5, noise_mode="none"),
    RenderRequest(TINY_ID, path=(Source.from_seed(1), Source.from_seed(2)), t=0.25, psi=0.8),
    MixRequest(TINY_ID, rows=(Source.from_seed(1),), cols=(Source.from_seed(2),), layers=(2, 3), psi=0.9),
])
def test_export_recipe_regenerates_same_pixels(sess, tmp_path, req):
    img = sess.mix_grid(req) if isinstance(req, MixRequest) else sess.render(req)
    path = export_png(img, tmp_path / "out.png", sess.recipe(req))
    recipe = read_recipe(path)
    assert recipe["model_id"] == TINY_ID and recipe["model_sha256"] == sess.sha256
    again = request_from_recipe(recipe)
    assert again == req
    regenerated = sess.mix_grid(again) if isinstance(again, MixRequest) else sess.render(again)
    from PIL import Image

    assert np.array_equal(np.asarray(Image.open(path)), regenerated)


def test_export_larger_size_and_bad_files(sess, tmp_path):
    req = RenderRequest(TINY_ID, seed=1)
    path = export_png(sess.render(req), tmp_path / "big.png", sess.recipe(req), size=64)
    from PIL import Image

    assert Image.open(path).size == (64, 64)
    assert read_recipe(path)["export_size"] == 64
    plain = tmp_path / "plain.png"
    Image.new("RGB", (8, 8)).save(plain)
    with pytest.raises(RecipeError, match="no GAN Studio recipe"):
        read_recipe(plain)
    junk = tmp_path / "junk.png"
    junk.write_text("not an image")
    with pytest.raises(RecipeError):
        read_recipe(junk)
    with pytest.raises(ValueError):
        request_from_recipe({"kind": "render"})


def test_walk_video_gif_and_mp4(sess, tmp_path):
    frames = sess.walk_frames(WalkRequest(TINY_ID, keys=(Source.from_seed(1), Source.from_seed(2)),
                                          frames_per_key=6, loop=True))
    assert len(frames) == 12
    from PIL import Image

    gif = write_video(frames, tmp_path / "w.gif", fps=12, size=32)
    im = Image.open(gif)
    assert im.n_frames == 12 and im.size == (32, 32)
    mp4 = write_video(frames, tmp_path / "w.mp4", fps=12, size=32)
    import cv2

    cap = cv2.VideoCapture(str(mp4))
    assert int(cap.get(cv2.CAP_PROP_FRAME_COUNT)) == 12
    with pytest.raises(ValueError):
        write_video(frames, tmp_path / "w.avi")


def test_session_on_channels_last_matches_contiguous(sess):
    req = RenderRequest(TINY_ID, seed=2)
    a = sess.render(req)
    sess.memory_format = torch.contiguous_format
    assert np.abs(a.astype(int) - sess.render(req).astype(int)).max() <= 1


def test_preset_effects_measure_how_much_each_mixing_preset_changes_an_image():
    from gan_studio.core.sessions.generator import GeneratorSession

    sess = GeneratorSession.open("stylegen-faces-64", device="cpu")
    effects = sess.preset_effects()
    assert set(effects) == {"coarse", "middle", "fine"}
    assert effects["coarse"] > effects["fine"] > 0  # coarse layers move an image most
