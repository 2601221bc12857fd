"""Request types of the age and text sessions: frozen, hashable, torch-free (the GUI thread builds them)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from ... import __version__
from .requests import RECIPE_VERSION, Source, _check_common, field_of, list_of

AGE_LEVEL_NAMES = ("baby", "child", "adult", "old")


@dataclass(frozen=True)
class AgeRequest:
    """One face at one age. ``age`` runs 0 (baby) … 1 (old); a projected ``source`` (a w) was fitted at
    ``base_age`` and is moved along the model's age direction for that gender and skin tone."""

    model_id: str
    source: Source
    age: float = 0.5
    gender: str = "any"
    skin_tone: int = 0
    psi: float = 1.0
    noise_mode: str = "const"
    base_age: float = 2 / 3
    kind: str = field(default="age", init=False)

    def __post_init__(self) -> None:
        if not isinstance(self.source, Source):
            raise ValueError("an age request needs a source (a seed or a latent)")
        _check_common(self.psi, self.noise_mode, 1.0)
        for name in ("age", "base_age"):
            v = getattr(self, name)
            if not isinstance(v, int | float) or not math.isfinite(v) or not 0 <= v <= 1:
                raise ValueError(f"{name.replace('_', ' ')} must be 0 (baby) … 1 (old), not {v!r}")
        if isinstance(self.skin_tone, bool) or not isinstance(self.skin_tone, int) or not 0 <= self.skin_tone <= 5:
            raise ValueError(f"skin tone must be 0 (default) … 5, not {self.skin_tone!r}")

    def at(self, age: float) -> AgeRequest:
        from dataclasses import replace

        return replace(self, age=float(age))


@dataclass(frozen=True)
class TextRequest:
    """Images for a prompt: one per seed; ``variation`` scales the conditioning-augmentation noise."""

    model_id: str
    prompt: str
    seeds: tuple[int, ...] = (0,)
    variation: float = 0.0
    psi: float = 1.0
    noise_mode: str = "const"
    kind: str = field(default="text", init=False)

    def __post_init__(self) -> None:
        _check_common(self.psi, self.noise_mode, 1.0)
        if not isinstance(self.prompt, str) or len(self.prompt) > 2000:
            raise ValueError("a prompt is text of at most 2000 characters")
        if not 1 <= len(self.seeds) <= 1024:
            raise ValueError("a text request draws 1 … 1024 seeds")
        for seed in self.seeds:
            Source(seed=seed)  # the same check as a source's
        if not isinstance(self.variation, int | float) or not math.isfinite(self.variation) or \
                not 0 <= self.variation <= 1:
            raise ValueError(f"variation must be 0 … 1, not {self.variation!r}")


def age_label_name(age: float) -> str:
    """Nearest level name for a slider value (for labels and file names)."""
    return AGE_LEVEL_NAMES[min(3, max(0, round(age * 3)))]


def cond_recipe(req: AgeRequest | TextRequest, sha256: str) -> dict[str, Any]:
    body = asdict(req)
    if isinstance(req, AgeRequest):
        body["source"] = req.source.to_json()
    else:
        body["seeds"] = list(req.seeds)
    return {"app": "gan-studio", "app_version": __version__, "recipe_version": RECIPE_VERSION,
            "model_sha256": sha256, **body}


def cond_request_from_recipe(recipe: dict[str, Any]) -> AgeRequest | TextRequest:
    try:
        if not isinstance(recipe["model_id"], str) or not recipe["model_id"]:
            raise ValueError(f"model_id must be a model's id, not {recipe['model_id']!r}")
        common = {"model_id": recipe["model_id"], "psi": field_of(recipe, "psi", float, 1.0),
                  "noise_mode": field_of(recipe, "noise_mode", str, "const")}
        if recipe["kind"] == "age":
            return AgeRequest(**common, source=Source.from_json(recipe["source"]), age=field_of(recipe, "age", float),
                              gender=field_of(recipe, "gender", str, "any"),
                              skin_tone=field_of(recipe, "skin_tone", int, 0),
                              base_age=field_of(recipe, "base_age", float, 2 / 3))
        if recipe["kind"] == "text":
            return TextRequest(**common, prompt=field_of(recipe, "prompt", str),
                               seeds=tuple(list_of(recipe, "seeds", int, 1024)),
                               variation=field_of(recipe, "variation", float, 0.0))
    except KeyError as exc:
        raise ValueError(f"recipe is malformed: the field {exc.args[0]!r} is missing") from exc
    except (TypeError, ValueError, OverflowError, AttributeError) as exc:
        raise ValueError(f"recipe is malformed: {exc}") from exc
    raise ValueError(f"unknown recipe kind {recipe.get('kind')!r}")


STRIP_LENGTHS = (2, 12)  # the age panel's strip shows this many ages, evenly spaced baby → old
MAX_RECIPE_AGES = 256


def strip_ages_from_recipe(recipe: dict[str, Any]) -> tuple[float, ...] | None:
    """The ages of an exported age strip, or None for a single face; raises ValueError when malformed."""
    ages = recipe.get("ages")
    if ages is None:
        return None
    if (not isinstance(ages, list) or not 1 <= len(ages) <= MAX_RECIPE_AGES
            or not all(isinstance(a, int | float) and not isinstance(a, bool) and 0 <= a <= 1 for a in ages)):
        raise ValueError(f"recipe is malformed: ages must be a list of numbers 0 … 1, not {ages!r}"[:200])
    return tuple(float(a) for a in ages)


def panel_strip_length(ages: tuple[float, ...]) -> int | None:
    """How many ages the panel's strip shows to repeat ``ages``; None when they are not its evenly spaced ones
    (`gan-studio age --ages` takes any list)."""
    n = len(ages)
    lo, hi = STRIP_LENGTHS
    if not lo <= n <= hi or any(abs(a - i / (n - 1)) > 1e-3 for i, a in enumerate(ages)):
        return None
    return n
