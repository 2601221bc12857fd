"""Request types of the generator session: frozen, hashable, torch-free (the GUI thread builds them)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from ... import __version__

RECIPE_VERSION = 1


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
        if self.seed is not None and not 0 <= self.seed < 2**32:
            raise ValueError(f"seed must be 0 … 4294967295, not {self.seed}")

    def describe(self) -> str:
        return f"seed {self.seed}" if self.seed is not None else (self.label or "latent")

    def to_json(self) -> dict[str, Any]:
        return {"seed": self.seed} if self.seed is not None else {"w": list(self.w or ()), "label": self.label}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Source:
        if d.get("seed") is not None:
            return cls(seed=int(d["seed"]))
        return cls(w=tuple(float(v) for v in d["w"]), label=str(d.get("label", "latent")))


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
        layers = d.get("layers")
        return cls(int(d["direction"]), float(d["amount"]), tuple(int(v) for v in layers) if layers else None,
                   str(d.get("name", "")))


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
    kind: str = field(default="render", init=False)

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
    kind: str = field(default="walk", init=False)


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
        common = {"model_id": str(recipe["model_id"]), "psi": float(recipe.get("psi", 1.0)),
                  "noise_mode": str(recipe.get("noise_mode", "const")),
                  "noise_strength": float(recipe.get("noise_strength", 1.0))}
        if kind == "render":
            src = recipe.get("source")
            return RenderRequest(
                **common, seed=recipe.get("seed"), source=Source.from_json(src) if src else None,
                path=tuple(Source.from_json(s) for s in recipe.get("path") or ()), t=float(recipe.get("t", 0.0)),
                edits=tuple(Edit.from_json(e) for e in recipe.get("edits") or ()))
        if kind == "mix":
            return MixRequest(**common, rows=tuple(Source.from_json(s) for s in recipe["rows"]),
                              cols=tuple(Source.from_json(s) for s in recipe["cols"]),
                              layers=tuple(int(i) for i in recipe["layers"]))
        if kind == "walk":
            return WalkRequest(**common, keys=tuple(Source.from_json(s) for s in recipe["keys"]),
                               frames_per_key=int(recipe["frames_per_key"]), loop=bool(recipe["loop"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"recipe is malformed: {exc}") from exc
    raise ValueError(f"unknown recipe kind {kind!r}")
