"""Every exported PNG's recipe names the panel that reopens it; sketch, translate and age-strip recipes parse
to their settings, and a malformed one is one clear ValueError."""

from __future__ import annotations

import numpy as np
import pytest

from gan_studio.cli import main
from gan_studio.core.io.export import export_png
from gan_studio.core.sessions.cond_requests import panel_strip_length, strip_ages_from_recipe
from gan_studio.core.sessions.recipes import (
    decode_drawing,
    encode_drawing,
    panel_for_recipe,
    sketch_from_recipe,
    sketch_recipe_fields,
    translate_from_recipe,
)


def _drawing() -> np.ndarray:
    d = np.full((256, 256), 255, np.uint8)
    d[40:200, 100:106] = 0
    d[120:126, 30:220] = 90
    return d


@pytest.mark.parametrize("kind, panel", [("render", "explorer"), ("walk", "explorer"), ("mix", "mixer"),
                                         ("age", "age"), ("text", "text"), ("sketch", "sketch"),
                                         ("translate", "translate")])
def test_each_kind_has_a_panel(kind, panel):
    assert panel_for_recipe({"kind": kind}) == panel


def test_unknown_kind_is_one_clear_error():
    with pytest.raises(ValueError, match="unknown recipe kind 'upscale'"):
        panel_for_recipe({"kind": "upscale"})


def test_a_sketch_recipe_carries_the_drawing_exactly():
    d = _drawing()
    fields = sketch_recipe_fields(d, 7, "p-sketch.png")
    assert len(fields["drawing"]) < 4000  # a line drawing is small
    rec = sketch_from_recipe({"kind": "sketch", "model_id": "m", **fields})
    assert (rec.model_id, rec.seed, rec.sketch_file, rec.trace) == ("m", 7, "p-sketch.png", False)
    assert np.array_equal(rec.drawing, d)


def test_a_cli_sketch_recipe_points_at_its_input(tmp_path):
    rec = sketch_from_recipe({"kind": "sketch", "model_id": "m", "seed": None, "source": "cat.jpg", "trace": True})
    assert rec.drawing is None and rec.sketch_file == "cat.jpg" and rec.trace
    assert rec.sketch_beside(tmp_path / "out.png") is None
    (tmp_path / "cat.jpg").write_bytes(b"x")
    assert rec.sketch_beside(tmp_path / "out.png") == tmp_path / "cat.jpg"


@pytest.mark.parametrize("bad, message", [
    ({"model_id": "m", "drawing": "!!!"}, "drawing does not decode"),
    ({"model_id": "m", "drawing": encode_drawing(np.zeros((8, 8), np.uint8))}, "not a square sheet"),
    ({"model_id": "m", "drawing": 12}, "drawing is not text"),
    ({"model_id": "m", "seed": -1}, "seed -1"),
    ({"model_id": "m", "seed": "3"}, "seed '3'"),
    ({"seed": 1}, "names no model"),
    ({"model_id": "m", "sketch_file": ["x"]}, "sketch_file is list"),
])
def test_malformed_sketch_recipes(bad, message):
    with pytest.raises(ValueError, match=f"recipe is malformed: .*{message}"):
        sketch_from_recipe({"kind": "sketch", **bad})


def test_translate_recipes():
    rec = translate_from_recipe({"kind": "translate", "model_id": "c", "direction": "BtoA", "fit": "native",
                                 "source": "icon.png"})
    assert (rec.model_id, rec.direction, rec.fit, rec.source) == ("c", "BtoA", "native", "icon.png")
    with pytest.raises(ValueError, match="recipe is malformed: fit 'huge'"):
        translate_from_recipe({"kind": "translate", "model_id": "c", "fit": "huge"})
    with pytest.raises(ValueError, match="recipe is malformed: kind is 'sketch'"):
        translate_from_recipe({"kind": "sketch", "model_id": "c"})


def test_strip_ages():
    assert strip_ages_from_recipe({"kind": "age"}) is None
    assert strip_ages_from_recipe({"ages": [0, 0.5, 1]}) == (0.0, 0.5, 1.0)
    for bad in ([], [0, 2], "0,1", [0, True], [0.1] * 300):
        with pytest.raises(ValueError, match="recipe is malformed: ages"):
            strip_ages_from_recipe({"ages": bad})
    assert panel_strip_length((0.0, 0.3333, 0.6667, 1.0)) == 4
    for uneven in ((0.5,), (0.2, 0.9), tuple(np.linspace(0, 1, 13))):
        assert panel_strip_length(uneven) is None


def test_drawing_round_trip_and_garbage():
    assert np.array_equal(decode_drawing(encode_drawing(_drawing())), _drawing())
    with pytest.raises(ValueError):
        encode_drawing(np.zeros((4, 4, 3), np.uint8))


def test_info_shows_the_drawing_as_its_size(tmp_path, capsys):
    out = tmp_path / "p.png"
    recipe = {"app": "gan-studio", "model_id": "m", **sketch_recipe_fields(_drawing(), None, "p-sketch.png")}
    export_png(np.zeros((8, 8, 3), np.uint8), out, recipe)
    assert main(["info", str(out)]) == 0
    text = capsys.readouterr().out
    assert "drawing: <PNG, " in text and recipe["drawing"] not in text and 'kind: "sketch"' in text
    assert main(["info", str(out), "--json"]) == 0
    assert recipe["drawing"] in capsys.readouterr().out


def test_cli_age_strip_carries_a_recipe_with_its_ages(tiny_library, tmp_path):
    from gan_studio.core.io.recipe import read_recipe
    from gan_studio.core.sessions.cond_requests import cond_request_from_recipe
    from tests.conftest import TINY_AGE_ID

    out = tmp_path / "strip.png"
    assert main(["age", "--model", TINY_AGE_ID, "--seed", "4", "--ages", "0,0.5,1", "-o", str(out)]) == 0
    recipe = read_recipe(out)
    assert panel_for_recipe(recipe) == "age" and strip_ages_from_recipe(recipe) == (0.0, 0.5, 1.0)
    req = cond_request_from_recipe(recipe)
    assert (req.model_id, req.source.seed, req.age) == (TINY_AGE_ID, 4, 0.0)
