"""The explorer's frame cache trusts a frame only for the weights, app version and recipe that drew it."""

import json
from types import SimpleNamespace

from gan_studio import __version__
from gan_studio.core.sessions.frame_cache import cacheable, frame_path, matching_request
from gan_studio.core.sessions.requests import RenderRequest, Source, make_recipe


def _card(sha="ab" * 32, model_id="m"):
    return SimpleNamespace(id=model_id, sha256_of=lambda role="generator": sha)


def test_a_frame_matches_only_its_own_weights_version_and_a_deterministic_render():
    req = RenderRequest("m", source=Source.from_seed(7), psi=0.5)
    text = json.dumps(make_recipe(req, "ab" * 32))
    assert matching_request(text, _card()) == req
    assert matching_request(text, _card(sha="cd" * 32)) is None  # retrained or replaced weights
    assert matching_request(text, _card(model_id="other")) is None
    assert matching_request(text.replace(__version__, "0.0.0-old"), _card()) is None
    for bad in (None, "", "not json", "[1, 2]", json.dumps({"model_id": "m"})):
        assert matching_request(bad, _card()) is None
    noisy = RenderRequest("m", source=Source.from_seed(7), noise_mode="random")
    assert not cacheable(noisy) and matching_request(json.dumps(make_recipe(noisy, "ab" * 32)), _card()) is None


def test_frame_paths_stay_inside_the_cache_folder(_fresh_home):
    path = frame_path("../../etc/passwd")
    assert path.parent == _fresh_home / "cache" / "frames" and path.name == "______etc_passwd.png"
