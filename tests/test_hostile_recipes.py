"""Malformed recipes (a corpus the test builds): every one is one clear ValueError where it is parsed, never
another exception, and a later valid request still works."""

from __future__ import annotations

import json

import pytest
from PIL import Image, PngImagePlugin

from gan_studio.core.io.recipe import RECIPE_KEY, RecipeError, read_recipe
from gan_studio.core.sessions.requests import request_from_recipe

GOOD = {"app": "gan-studio", "kind": "render", "model_id": "m", "seed": 3, "psi": 0.7, "noise_mode": "const",
        "noise_strength": 1.0}
BAD_FIELDS = [
    {"seed": 2**40}, {"seed": 1e400}, {"seed": "abc"}, {"seed": -1}, {"seed": True}, {"psi": float("nan")},
    {"psi": 1e308}, {"psi": "x"}, {"noise_mode": "loud"}, {"noise_strength": -1}, {"noise_strength": 1e400},
    {"t": 1e400}, {"path": [{"seed": 1}, {"seed": 2}], "t": 5.0}, {"source": {"w": [1e400, 0]}},
    {"edits": [{"direction": 1e400, "amount": 1}]}, {"edits": [{"direction": 0, "amount": float("nan")}]},
    {"kind": "mix", "rows": [{"seed": 1}], "cols": [{"seed": 2}], "layers": [1e400]},
    {"kind": "mix", "rows": [], "cols": [{"seed": 2}], "layers": [0]},
    {"kind": "mix", "rows": [{"seed": 1}], "cols": [{"seed": 2}], "layers": [-1]},
    {"kind": "walk", "keys": [{"seed": 1}, {"seed": 2}], "frames_per_key": 1e400, "loop": False},
    {"kind": "walk", "keys": [{"seed": 1}, {"seed": 2}], "frames_per_key": 0, "loop": False},
    {"kind": "nonsense"}, {"model_id": None, "seed": None},
]


@pytest.mark.parametrize("fields", BAD_FIELDS, ids=[json.dumps(f)[:40] for f in BAD_FIELDS])
def test_a_malformed_generator_recipe_is_one_value_error(fields):
    recipe = json.loads(json.dumps({**GOOD, **fields}, allow_nan=True))
    with pytest.raises(ValueError):
        request_from_recipe(recipe)


def test_the_good_recipe_parses():
    req = request_from_recipe(GOOD)
    assert req.seed == 3 and req.psi == 0.7


def _png_with(tmp_path, text: str):
    info = PngImagePlugin.PngInfo()
    info.add_text(RECIPE_KEY, text)
    path = tmp_path / "r.png"
    Image.new("RGB", (4, 4)).save(path, pnginfo=info)
    return path


def test_deep_or_huge_recipe_text_is_a_recipe_error(tmp_path):
    deep = '{"app": "gan-studio", "x": ' + "[" * 100_000 + "]" * 100_000 + "}"
    with pytest.raises(RecipeError, match="nested too deeply|damaged"):
        read_recipe(_png_with(tmp_path, deep))
    with pytest.raises(RecipeError, match="too large"):
        read_recipe(_png_with(tmp_path, '{"a": "' + "x" * 4_100_000 + '"}'))


AGE = {"app": "gan-studio", "kind": "age", "model_id": "a", "source": {"seed": 1}, "age": 0.5, "psi": 1.0}
TEXT = {"app": "gan-studio", "kind": "text", "model_id": "t", "prompt": "a red heart", "seeds": [1, 2],
        "variation": 0.5, "psi": 1.0}
BAD_COND = [
    {**AGE, "source": None}, {k: v for k, v in AGE.items() if k != "source"}, {**AGE, "age": float("nan")},
    {**AGE, "age": 7}, {**AGE, "skin_tone": 1e400}, {**AGE, "skin_tone": 9}, {**AGE, "psi": 1e308},
    {**TEXT, "seeds": ["abc"]}, {**TEXT, "seeds": [2**40]}, {**TEXT, "seeds": []}, {**TEXT, "variation": 5},
    {**TEXT, "prompt": "x" * 5000}, {**TEXT, "noise_mode": 3},
]


@pytest.mark.parametrize("recipe", BAD_COND, ids=[str(i) for i in range(len(BAD_COND))])
def test_a_malformed_age_or_text_recipe_is_one_value_error(recipe):
    from gan_studio.core.sessions.cond_requests import cond_request_from_recipe

    with pytest.raises(ValueError):
        cond_request_from_recipe(json.loads(json.dumps(recipe, allow_nan=True)))


def test_good_age_and_text_recipes_parse():
    from gan_studio.core.sessions.cond_requests import cond_request_from_recipe

    assert cond_request_from_recipe(AGE).age == 0.5
    assert cond_request_from_recipe(TEXT).seeds == (1, 2)
