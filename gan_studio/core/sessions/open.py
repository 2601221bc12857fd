"""Open the right session for any library model: a registry from family to session class."""

from __future__ import annotations

from typing import Any

from ..library.registry import Library

# family → "module:Class" (imported lazily, so opening a translator never builds StyleGen code paths)
SESSION_CLASSES: dict[str, str] = {
    "stylegen": "generator:GeneratorSession",
    "lucidrains": "generator:GeneratorSession",  # imported lucidrains nets share StyleGen's interface
    "pix2pix": "translator:TranslatorSession",
    "cyclegan": "translator:TranslatorSession",
    "sr": "translator:TranslatorSession",
    "age": "age:AgeSession",
    "text": "text:TextSession",
}


def session_class(family: str) -> Any:
    import importlib

    if family not in SESSION_CLASSES:
        raise ValueError(f"models of family {family!r} cannot be opened in a panel")
    module, cls = SESSION_CLASSES[family].split(":")
    return getattr(importlib.import_module(f"{__package__}.{module}"), cls)


def open_session(model_id: str, library: Library | None = None, device: Any = None) -> Any:
    lib = library or Library()
    return session_class(lib.card(model_id).family).open(model_id, library=lib, device=device)
