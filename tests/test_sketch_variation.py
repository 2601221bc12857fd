"""The sketch pad's variation seed says how much it changes a painting on this model (issue 23)."""

from pathlib import Path

from tests.conftest import TINY_SKETCH_ID

MODELS = Path(__file__).resolve().parents[1] / "models"


def test_variation_effect_is_measured_per_model(tiny_library):
    from gan_studio.core.library.registry import Library
    from gan_studio.core.sessions.open import open_session

    tiny = open_session(TINY_SKETCH_ID, Library())
    assert tiny.has_variation and tiny.variation_effect() > 1.0
    shipped = open_session("sketch2emoji-128", Library([(MODELS, "bundled")]))
    assert shipped.variation_effect() > 5.0  # the shipped model's seeds visibly differ (measured 15.7 levels)
