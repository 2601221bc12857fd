"""The explorer's last frame, kept on disk so that the next start shows it before torch has loaded.

``import torch`` alone takes about 3 s on a 2-core machine, and the first frame 4–5 s; the frame the user left is
on screen with the window. It is stored as a PNG whose text chunk holds the full recipe of the render, and shown
only when that recipe still names this model's weights (sha256) and this app version. Anything else is a miss
and the worker's frame arrives as it always did. Frames with random noise are not kept: they would not match.
Torch-free: the GUI thread reads it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from ... import __version__
from ..library.registry import home_dir
from .requests import RenderRequest, request_from_recipe

RECIPE_TEXT = "gan-studio-recipe"  # the PNG text key holding the recipe


def frame_path(model_id: str) -> Path:
    """One frame per model in the user data folder; ids with odd characters map to a plain name (the recipe
    inside still names the model, so two ids sharing a name only miss)."""
    return home_dir() / "cache" / "frames" / f"{re.sub(r'[^A-Za-z0-9_-]', '_', model_id)}.png"


def cacheable(req: Any) -> bool:
    """Only renders that are the same pixels every time (const or no noise) are worth keeping."""
    return isinstance(req, RenderRequest) and req.noise_mode != "random"


def matching_request(text: str | None, card: Any) -> RenderRequest | None:
    """The cached frame's request, if its recipe was drawn by ``card``'s weights in this app version."""
    try:
        recipe = json.loads(text or "")
    except json.JSONDecodeError:
        return None
    if not isinstance(recipe, dict):
        return None
    try:
        sha = card.sha256_of("generator")
    except StopIteration:
        return None
    same = (recipe.get("model_id") == card.id and recipe.get("model_sha256") == sha
            and recipe.get("app_version") == __version__)
    if not same:
        return None
    try:
        req = request_from_recipe(recipe)
    except ValueError:
        return None
    return req if cacheable(req) else None
