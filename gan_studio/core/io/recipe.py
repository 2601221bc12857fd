"""Recipes in PNG metadata: an iTXt chunk holding JSON that regenerates the image exactly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from PIL import Image, PngImagePlugin

RECIPE_KEY = "gan-studio:recipe"


class RecipeError(ValueError):
    """The file has no readable GAN Studio recipe."""


def png_info(recipe: dict[str, Any]) -> PngImagePlugin.PngInfo:
    info = PngImagePlugin.PngInfo()
    info.add_itxt(RECIPE_KEY, json.dumps(recipe, separators=(",", ":")), zip=True)
    info.add_text("Software", f"GAN Studio {recipe.get('app_version', '')}".strip())
    return info


def read_recipe(path: Path) -> dict[str, Any]:
    from .files import is_regular_file, not_regular

    if Path(path).exists() and not is_regular_file(path):  # a missing file is "not a readable image" below
        raise RecipeError(f"{path}: {not_regular(path)}")
    try:
        with Image.open(path) as im:
            text = im.text.get(RECIPE_KEY) if hasattr(im, "text") else None
    except Image.DecompressionBombError as exc:  # an Exception, not an OSError: named so it is one clear message
        raise RecipeError(f"{path}: a decompression bomb ({exc}); nothing was decoded") from exc
    except (OSError, ValueError, SyntaxError) as exc:
        raise RecipeError(f"{path}: not a readable image ({exc})") from exc
    if text is None:
        raise RecipeError(f"{path}: no GAN Studio recipe in this image")
    if len(text) > 4_000_000:
        raise RecipeError(f"{path}: recipe is too large to be one of ours ({len(text)} characters)")
    try:
        recipe = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RecipeError(f"{path}: recipe is damaged ({exc})") from exc
    except RecursionError as exc:
        raise RecipeError(f"{path}: recipe is damaged (nested too deeply)") from exc
    if not isinstance(recipe, dict) or recipe.get("app") != "gan-studio":
        raise RecipeError(f"{path}: recipe is not from GAN Studio")
    return recipe
