"""`gan-studio matcher`: train a text model's prompt matcher on its captioned data and add it to the model.

The matcher (``core/text/matcher.py``) is trained on real images only, never on the generator's output, so
it ranks seeds by what the data says a prompt looks like. Its held-out retrieval accuracy goes in the card.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..data.images import load_folder
from ..data.labels import load_captions, manifest_rows, phrasing_weights
from ..library.cards import ModelCard, WeightFile
from ..library.weights import save_weights
from ..text.matcher import Matcher, retrieval_accuracy, train_matcher
from .text_trainer import caption_embeddings

MATCHER_RES = 64


def _categories(root: Path, paths: list[Path]) -> tuple[np.ndarray, int]:
    """Starter categories from the manifest; a user's folder has none, so every image is one class."""
    if not (root / "manifest.jsonl").is_file():
        return np.zeros(len(paths), dtype=np.int64), 1
    by_file = {(root / r["file"]).resolve(): r.get("category") or "" for r in manifest_rows(root)}
    names = [by_file.get(p.resolve(), "") for p in paths]
    cats = sorted(set(names))
    return np.array([cats.index(c) for c in names], dtype=np.int64), len(cats)


def fit_matcher(card: ModelCard, data: Path, epochs: int = 6, seed: int = 1, threads: int | None = None,
                cache: Path | None = None, steps: int | None = None, progress: Any = None) -> dict[str, Any]:
    """Train on ``data``'s train split (captions as for text training), write ``matcher.safetensors`` into the
    card's folder and list it in the card with its held-out figure; returns that figure and the timing."""
    import time

    if "text" not in card.tasks or card.folder is None:
        raise ValueError(f"{card.id}: a matcher belongs to a text model in a folder (this is {card.family!r})")
    if threads:
        torch.set_num_threads(threads)
    t0 = time.perf_counter()
    data = Path(data)
    pairs = load_captions(data, ("train",))
    if not pairs:
        raise ValueError(f"no captioned images in {data}")
    channels = int(card.channels)
    images, scan = load_folder(data, MATCHER_RES, channels, files=[p for p, _ in pairs])
    usable = {p.resolve() for p in scan.usable}
    captions = [caps for p, caps in pairs if p.resolve() in usable]
    paths = [p for p, _ in pairs if p.resolve() in usable]
    emb = caption_embeddings(captions, cache)
    labels, num_classes = _categories(data, paths)
    weights = torch.tensor(phrasing_weights(captions, emb.shape[1]), dtype=torch.float64)
    m = train_matcher(images, emb, labels, num_classes, weights=weights, epochs=epochs, seed=seed,
                      steps=steps, progress=progress)
    result: dict[str, Any] = {"train_images": len(images), "seconds": round(time.perf_counter() - t0, 1)}
    held = load_captions(data, ("heldout",))
    if held:
        x_he, scan_he = load_folder(data, MATCHER_RES, channels, files=[p for p, _ in held])
        ok = {p.resolve() for p in scan_he.usable}
        first = [caps[0] for p, caps in held if p.resolve() in ok]
        result["matcher_retrieval_heldout"] = round(retrieval_accuracy(m, x_he, caption_embeddings(
            [[c] for c in first], cache)[:, 0]), 4)
        result["matcher_heldout_images"] = len(first)
    attach_matcher(card, m, result, data)
    return result


def attach_matcher(card: ModelCard, m: Matcher, result: dict[str, Any], data: Path) -> ModelCard:
    """Save the weights beside the generator and rewrite the card (both atomically)."""
    assert card.folder is not None
    sha = save_weights(m, card.folder / "matcher.safetensors")
    card.files = [f for f in card.files if f.role != "matcher"] + [
        WeightFile(path="matcher.safetensors", sha256=sha, role="matcher")]
    card.architecture = {**card.architecture, "matcher": m.cfg.to_dict()}
    how = f"real images of {data.name} (train split; figure on its held-out split): gan-studio matcher"
    card.metrics = [x for x in card.metrics if not str(x.get("name", "")).startswith("matcher_")] + [
        {"name": k, "value": v, "how": how} for k, v in result.items() if k.startswith("matcher_")]
    card.write(card.folder)
    return card
