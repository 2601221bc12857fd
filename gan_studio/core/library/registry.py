"""The model library: bundled cards in ``models/`` plus the user's own, with sha256-checked loading.

The library knows no family: it finds cards, checks sha256 and caches what it loaded, and hands each card to
the model loader that ``core.families`` installs (:func:`set_model_loader`), so the layers stay one-way.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import platformdirs

from .cards import CARD_NAME, CardError, ChecksumError, ModelCard, UnknownModelError, sha256_file

Loader = Callable[[ModelCard], Any]
TRAINING_ONLY_ROLES = ("train-state",)  # resume files: verified by `models show`, not read to render
_model_loader: Loader | None = None


def set_model_loader(fn: Loader) -> None:
    """Called once by ``core.families``: build a card's nets by its family."""
    global _model_loader
    _model_loader = fn


def model_loader() -> Loader:
    if _model_loader is None:
        importlib.import_module("gan_studio.core.families")  # installs the loader (see the module docstring)
    assert _model_loader is not None
    return _model_loader


def home_dir() -> Path:
    """User data folder; ``GAN_STUDIO_HOME`` overrides the platform default (tests use it)."""
    env = os.environ.get("GAN_STUDIO_HOME")
    return Path(env) if env else Path(platformdirs.user_data_dir("gan-studio", appauthor=False))


def bundled_dir() -> Path:
    env = os.environ.get("GAN_STUDIO_BUNDLED_MODELS")
    if env:
        return Path(env)
    packaged = Path(__file__).resolve().parents[2] / "_models"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[3] / "models"


def user_models_dir() -> Path:
    return home_dir() / "models"


class Library:
    """Lists and loads models; ``roots`` default to the bundled folder then the user's folder."""

    def __init__(self, roots: list[tuple[Path, str]] | None = None) -> None:
        self.roots = roots or [(bundled_dir(), "bundled"), (user_models_dir(), "user")]
        self._verified: dict[tuple[str, int, float], str] = {}
        self._loaded: dict[str, Any] = {}

    def cards(self) -> list[ModelCard]:
        out: dict[str, ModelCard] = {}
        for root, source in self.roots:
            if not root.is_dir():
                continue
            for folder in sorted(p for p in root.iterdir() if (p / CARD_NAME).is_file()):
                try:
                    card = ModelCard.read(folder)
                except CardError:
                    continue  # a broken user card must not hide the others; `models show` reports it
                card.source = source
                out.setdefault(card.id, card)
        return sorted(out.values(), key=lambda c: (c.source != "bundled", c.id))

    def ids(self) -> list[str]:
        return [c.id for c in self.cards()]

    def card(self, model_id: str) -> ModelCard:
        for card in self.cards():
            if card.id == model_id:
                return card
        known = ", ".join(self.ids()) or "none"
        raise UnknownModelError(f"unknown model {model_id!r}; available: {known}")

    def verify(self, card: ModelCard, skip_roles: tuple[str, ...] = ()) -> None:
        """Check weight files against the card's sha256 (cached by size and mtime)."""
        for f in card.files:
            if f.role in skip_roles:
                continue
            path = (card.folder or Path()) / f.path
            if not path.is_file():
                raise ChecksumError(f"{card.id}: weight file {path} is missing")
            st = path.stat()
            key = (str(path), st.st_size, st.st_mtime)
            digest = self._verified.get(key) or sha256_file(path)
            if digest != f.sha256:
                raise ChecksumError(
                    f"{card.id}: {f.path} has sha256 {digest[:12]}…, the card says {f.sha256[:12]}…; "
                    "the file is corrupt or was replaced, so it is refused"
                )
            self._verified[key] = digest

    def load(self, model_id: str) -> Any:
        """Load (and cache) a model by id through its family's loader, after the sha256 check."""
        if model_id in self._loaded:
            return self._loaded[model_id]
        card = self.card(model_id)
        load = model_loader()
        self.verify(card, skip_roles=TRAINING_ONLY_ROLES)
        model = load(card)
        self._loaded[model_id] = model
        return model

    def forget(self, model_id: str) -> None:
        self._loaded.pop(model_id, None)
