"""Semantic directions (GANSpace PCA of w): computed once and cached, and they move an image visibly and
smoothly along a slider."""

from __future__ import annotations

import time

import numpy as np
import pytest

from gan_studio.core.sessions.directions import Directions, Edit, apply_edits, directions_for
from gan_studio.core.sessions.generator import GeneratorSession, RenderRequest


@pytest.fixture(scope="module")
def faces():
    return GeneratorSession.open("stylegen-faces-64", device="cpu")


def test_directions_are_orthonormal_ordered_and_cached(faces):
    t0 = time.perf_counter()
    dirs = directions_for(faces)
    first = time.perf_counter() - t0
    c = dirs.components
    assert np.allclose(c @ c.T, np.eye(len(c)), atol=1e-4)
    assert np.all(np.diff(dirs.stddev) <= 1e-6) and 0 < dirs.explained.sum() <= 1
    faces._directions = None  # a fresh session of the same model reads the disk cache
    t0 = time.perf_counter()
    again = directions_for(faces)
    assert np.array_equal(again.components, c) and time.perf_counter() - t0 < first


def test_a_slider_moves_the_face_visibly_and_monotonically(faces):
    req = RenderRequest(model_id=faces.model_id, seed=3, psi=0.7)
    from dataclasses import replace

    base = faces.render(req).astype(float)
    changes = [np.abs(faces.render(replace(req, edits=(Edit(0, a),))).astype(float) - base).mean()
               for a in np.linspace(0.25, 3.0, 12)]
    assert changes[-1] > 8.0, changes  # 3σ along the first direction is a visible change (mean grey levels)
    assert all(b > a for a, b in zip(changes, changes[1:], strict=False)), changes  # smooth: grows step by step


def test_layer_ranges_and_bad_edits():
    import torch

    dirs = Directions(np.eye(4, dtype=np.float32), np.array([2.0, 1, 1, 1], np.float32), np.full(4, 0.25, np.float32))
    ws = torch.zeros(1, 3, 4)
    out = apply_edits(ws, dirs, (Edit(0, 1.5, (1, 3)),))
    assert out[0, 0].tolist() == [0, 0, 0, 0] and out[0, 1].tolist() == [3.0, 0, 0, 0] == out[0, 2].tolist()
    with pytest.raises(ValueError, match="direction 9 does not exist"):
        apply_edits(ws, dirs, (Edit(9, 1.0),))
    with pytest.raises(ValueError, match="out of range"):
        apply_edits(ws, dirs, (Edit(0, 1.0, (0, 5)),))
    with pytest.raises(ValueError, match="standard deviations"):
        Edit(0, float("nan"))
    assert Edit.from_json(Edit(2, -1.0, (0, 4), "smile").to_json()) == Edit(2, -1.0, (0, 4), "smile")


def test_edits_travel_in_the_recipe_and_the_session_reports_directions(faces):
    from dataclasses import replace

    from gan_studio.core.sessions.requests import request_from_recipe

    req = replace(RenderRequest(model_id=faces.model_id, seed=3, psi=0.7), edits=(Edit(1, 2.0, (0, 4), "pose"),))
    back = request_from_recipe(faces.recipe(req))
    assert back == req
    assert np.array_equal(faces.render(back), faces.render(req))
    info = faces.directions(8)
    assert [d["index"] for d in info] == list(range(8)) and info[0]["explained"] >= info[1]["explained"] > 0
    with pytest.raises(ValueError, match="malformed"):
        request_from_recipe({**faces.recipe(req), "edits": [{"direction": "x"}]})


def test_cli_directions_sheet_and_generate_with_edits(tmp_path, capsys):
    from PIL import Image

    from gan_studio.cli import main

    sheet = tmp_path / "sheet.png"
    assert main(["directions", "--model", "stylegen-faces-64", "--k", "3", "--amounts=-2,0,2", "-o", str(sheet),
                 "--json"]) == 0
    assert Image.open(sheet).size[0] > Image.open(sheet).size[1] * 0.9  # 3 columns × 3 rows of 64 px tiles
    out = tmp_path / "edited"
    assert main(["generate", "--model", "stylegen-faces-64", "--seeds", "3", "--edit", "0:2.5:coarse",
                 "-o", str(out)]) == 0
    from gan_studio.core.io.recipe import read_recipe
    from gan_studio.core.sessions.requests import request_from_recipe

    req = request_from_recipe(read_recipe(out / "seed000003.png"))
    assert len(req.edits) == 1 and req.edits[0].direction == 0 and req.edits[0].layers[0] == 0
    capsys.readouterr()
    assert main(["generate", "--model", "stylegen-faces-64", "--seeds", "3", "--edit", "x:1", "-o",
                 str(tmp_path / "bad")]) == 2
    assert "K:AMOUNT" in capsys.readouterr().err
