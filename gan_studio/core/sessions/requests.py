"""Request types of the generator session: frozen, hashable, torch-free (the GUI thread builds them)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from ... import __version__

RECIPE_VERSION = 1


NOISE_MODES = ("const", "random", "none")
_MISSING = object()
_KINDS = {int: "a whole number", float: "a number", str: "text"}


def as_value(value: Any, name: str, kind: type) -> Any:
    """``kind(value)`` for a recipe field (int, float or str), or a ValueError that names the field: a recipe
    is read from a file, and "could not convert string to float" does not say which of its numbers is wrong."""
    try:
        if isinstance(value, bool) or (kind is not str and not isinstance(value, int | float)):
            raise TypeError
        out = kind(value)
        if kind is int and isinstance(value, float) and not value.is_integer():
            raise ValueError
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"{name} must be {_KINDS[kind]}, not {value!r}"[:200]) from None
    return out


def field_of(recipe: Any, name: str, kind: type, default: Any = _MISSING) -> Any:
    """``recipe[name]`` as ``kind`` (``default`` when absent), naming the field when it is missing or wrong."""
    if not isinstance(recipe, dict):
        raise ValueError(f"expected an object with {name!r}, not {recipe!r}"[:200])
    if name not in recipe:
        if default is _MISSING:
            raise ValueError(f"the field {name!r} is missing")
        return default
    return as_value(recipe[name], name, kind)


def list_of(recipe: dict[str, Any], name: str, kind: type | None = None, limit: int = 65536) -> list[Any]:
    """``recipe[name]``, a list (of ``kind`` when given) of at most ``limit`` items."""
    items = recipe.get(name)
    if name not in recipe:
        raise ValueError(f"the field {name!r} is missing")
    if not isinstance(items, list) or len(items) > limit:
        raise ValueError(f"{name} must be a list of at most {limit} items, not {items!r}"[:200])
    return items if kind is None else [as_value(v, name, kind) for v in items]


def _check_common(psi: float, noise_mode: str, noise_strength: float) -> None:
    """Fields every generator request shares, checked where a request is made (a recipe, the CLI, the UI), so a
    bad value is one clear error there instead of a failure deep in a render (or in every render after it)."""
    if not isinstance(psi, int | float) or not math.isfinite(psi) or not -2.0 <= psi <= 3.0:
        raise ValueError(f"ψ must be a number from −2 to 3, not {psi!r}")
    if noise_mode not in NOISE_MODES:
        raise ValueError(f"noise mode must be one of {', '.join(NOISE_MODES)}, not {noise_mode!r}")
    strength_ok = isinstance(noise_strength, int | float) and math.isfinite(noise_strength)
    if not strength_ok or not 0 <= noise_strength <= 10:
        raise ValueError(f"noise strength must be 0 … 10, not {noise_strength!r}")


@dataclass(frozen=True)
class Source:
    """One latent: a seed, or an explicit w (e.g. a projected image) as a tuple of floats."""

    seed: int | None = None
    w: tuple[float, ...] | None = None
    label: str = ""

    @classmethod
    def from_seed(cls, seed: int) -> Source:
        return cls(seed=int(seed))

    @classmethod
    def from_w(cls, w: Any, label: str = "latent") -> Source:
        import numpy as np

        arr = np.asarray(w.detach().cpu() if hasattr(w, "detach") else w, dtype=np.float32)
        return cls(w=tuple(float(v) for v in arr.reshape(-1)), label=label)

    def __post_init__(self) -> None:
        if (self.seed is None) == (self.w is None):
            raise ValueError("a source is either a seed or a w vector")
        if self.seed is not None and (isinstance(self.seed, bool) or not isinstance(self.seed, int)
                                      or not 0 <= self.seed < 2**32):
            raise ValueError(f"seed must be a whole number 0 … 4294967295, not {self.seed!r}")
        if self.w is not None and (len(self.w) > 65536 or not all(math.isfinite(v) for v in self.w)):
            raise ValueError("a latent must be at most 65536 finite numbers")

    def describe(self) -> str:
        return f"seed {self.seed}" if self.seed is not None else (self.label or "latent")

    def to_json(self) -> dict[str, Any]:
        return {"seed": self.seed} if self.seed is not None else {"w": list(self.w or ()), "label": self.label}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Source:
        if not isinstance(d, dict):
            raise ValueError(f"a source is {{'seed': …}} or {{'w': […], 'label': …}}, not {d!r}"[:200])
        if d.get("seed") is not None:
            return cls(seed=field_of(d, "seed", int))
        return cls(w=tuple(list_of(d, "w", float)), label=field_of(d, "label", str, "latent"))


@dataclass(frozen=True)
class Edit:
    """Move along direction ``direction`` by ``amount`` standard deviations on layers [start, stop)."""

    direction: int
    amount: float
    layers: tuple[int, int] | None = None  # None: every layer
    name: str = ""

    def __post_init__(self) -> None:
        if not 0 <= self.direction < 512:
            raise ValueError(f"direction must be 0 … 511, not {self.direction}")
        if not math.isfinite(self.amount) or abs(self.amount) > 20:
            raise ValueError(f"an edit's amount is in standard deviations, −20 … 20, not {self.amount}")
        if self.layers is not None and not 0 <= self.layers[0] < self.layers[1]:
            raise ValueError(f"layer range {self.layers} must be start < stop, from 0")

    def to_json(self) -> dict[str, Any]:
        layers = list(self.layers) if self.layers else None
        return {"direction": self.direction, "amount": self.amount, "layers": layers, "name": self.name}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Edit:
        layers = list_of(d, "layers", int, 2) if d.get("layers") else None
        return cls(field_of(d, "direction", int), field_of(d, "amount", float), tuple(layers) if layers else None,
                   field_of(d, "name", str, ""))


@dataclass(frozen=True)
class RenderRequest:
    """One image: a source (or a point on the path through ``path``), ψ and noise."""

    model_id: str
    seed: int | None = None
    source: Source | None = None
    path: tuple[Source, ...] = ()
    t: float = 0.0
    psi: float = 1.0
    noise_mode: str = "const"
    noise_strength: float = 1.0
    edits: tuple[Edit, ...] = ()  # semantic-direction edits (sessions/directions.py), applied after ψ
    class_name: str | None = None  # the class a class-conditional model draws (None: its current one)
    kind: str = field(default="render", init=False)

    def __post_init__(self) -> None:
        _check_common(self.psi, self.noise_mode, self.noise_strength)
        if self.seed is not None:
            Source(seed=self.seed)  # the same check as a source's
        if not math.isfinite(self.t) or not 0 <= self.t <= max(0, len(self.path) - 1):
            raise ValueError(f"walk position t must be 0 … {max(0, len(self.path) - 1)}, not {self.t!r}")
        if len(self.path) > 256 or len(self.edits) > 64:
            raise ValueError("at most 256 walk keys and 64 edits")
        if self.class_name is not None and (not isinstance(self.class_name, str) or len(self.class_name) > 200):
            raise ValueError(f"a class is a name of at most 200 characters, not {self.class_name!r}")

    def sources(self) -> tuple[Source, ...]:
        if self.path:
            return self.path
        if self.source is not None:
            return (self.source,)
        if self.seed is None:
            raise ValueError("a render request needs a seed, a source or a path")
        return (Source.from_seed(self.seed),)


@dataclass(frozen=True)
class MixRequest:
    """Style-mixing grid: each cell takes ``layers`` from its column source, the rest from its row."""

    model_id: str
    rows: tuple[Source, ...]
    cols: tuple[Source, ...]
    layers: tuple[int, ...]
    psi: float = 1.0
    noise_mode: str = "const"
    noise_strength: float = 1.0
    kind: str = field(default="mix", init=False)

    def __post_init__(self) -> None:
        _check_common(self.psi, self.noise_mode, self.noise_strength)
        if not self.rows or not self.cols or len(self.rows) > 64 or len(self.cols) > 64:
            raise ValueError("a mix needs 1 … 64 row sources and 1 … 64 column sources")
        if any(isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < 64 for i in self.layers):
            raise ValueError(f"layers must be whole numbers 0 … 63, not {list(self.layers)!r}")


@dataclass(frozen=True)
class WalkRequest:
    """Frames of a walk through keyframes (W-space linear or spherical-in-z interpolation)."""

    model_id: str
    keys: tuple[Source, ...]
    frames_per_key: int = 24
    psi: float = 1.0
    noise_mode: str = "const"
    noise_strength: float = 1.0
    loop: bool = False
    class_name: str | None = None  # a class-conditional model: the class every frame draws
    kind: str = field(default="walk", init=False)

    def __post_init__(self) -> None:
        _check_common(self.psi, self.noise_mode, self.noise_strength)
        if self.class_name is not None and (not isinstance(self.class_name, str) or len(self.class_name) > 200):
            raise ValueError(f"a class is a name of at most 200 characters, not {self.class_name!r}")
        if isinstance(self.frames_per_key, bool) or not isinstance(self.frames_per_key, int) or \
                not 1 <= self.frames_per_key <= 1000:
            raise ValueError(f"frames per key must be 1 … 1000, not {self.frames_per_key!r}")
        if len(self.keys) > 256:
            raise ValueError("a walk has at most 256 keys")


def layer_groups(num_ws: int) -> dict[str, tuple[int, ...]]:
    """Coarse (4–8 px), middle (16–32 px) and fine (the rest) layer indices, as in the StyleGAN paper."""
    coarse = tuple(range(0, min(4, num_ws)))
    middle = tuple(range(4, min(8, num_ws - 2))) if num_ws > 6 else ()
    fine = tuple(i for i in range(num_ws) if i not in coarse and i not in middle)
    return {"coarse": coarse, "middle": middle, "fine": fine}


def layer_preset(name: str, num_ws: int) -> tuple[int, ...]:
    return layer_groups(num_ws)[name]


def make_recipe(req: RenderRequest | MixRequest | WalkRequest, sha256: str) -> dict[str, Any]:
    body = asdict(req)
    if "edits" in body:
        body["edits"] = [e.to_json() for e in req.edits]  # type: ignore[union-attr]
    for key in ("source", "rows", "cols", "keys", "path"):
        if key in body and body[key] is not None:
            val = getattr(req, key)
            body[key] = val.to_json() if isinstance(val, Source) else [s.to_json() for s in val]
    return {"app": "gan-studio", "app_version": __version__, "recipe_version": RECIPE_VERSION,
            "model_sha256": sha256, **body}


def request_from_recipe(recipe: dict[str, Any]) -> RenderRequest | MixRequest | WalkRequest:
    """Inverse of :func:`make_recipe`; raises ValueError on anything malformed."""
    try:
        kind = recipe["kind"]
        if not isinstance(recipe["model_id"], str) or not recipe["model_id"]:
            raise ValueError(f"model_id must be a model's id, not {recipe['model_id']!r}")
        common = {"model_id": recipe["model_id"], "psi": field_of(recipe, "psi", float, 1.0),
                  "noise_mode": field_of(recipe, "noise_mode", str, "const"),
                  "noise_strength": field_of(recipe, "noise_strength", float, 1.0)}
        if kind == "render":
            src = recipe.get("source")
            path = list_of(recipe, "path", limit=256) if recipe.get("path") else []
            edits = list_of(recipe, "edits", limit=64) if recipe.get("edits") else []
            return RenderRequest(
                **common, seed=recipe.get("seed"), source=Source.from_json(src) if src else None,
                path=tuple(Source.from_json(s) for s in path), t=field_of(recipe, "t", float, 0.0),
                edits=tuple(Edit.from_json(e) for e in edits), class_name=recipe.get("class_name"))
        if kind == "mix":
            return MixRequest(**common, rows=tuple(Source.from_json(s) for s in list_of(recipe, "rows", limit=64)),
                              cols=tuple(Source.from_json(s) for s in list_of(recipe, "cols", limit=64)),
                              layers=tuple(list_of(recipe, "layers", int, 64)))
        if kind == "walk":
            return WalkRequest(**common, keys=tuple(Source.from_json(s) for s in list_of(recipe, "keys", limit=256)),
                               frames_per_key=field_of(recipe, "frames_per_key", int),
                               loop=bool(recipe.get("loop", False)), class_name=recipe.get("class_name"))
    except KeyError as exc:
        raise ValueError(f"recipe is malformed: the field {exc.args[0]!r} is missing") from exc
    except (TypeError, ValueError, OverflowError, AttributeError) as exc:
        raise ValueError(f"recipe is malformed: {exc}") from exc
    raise ValueError(f"unknown recipe kind {kind!r}")
