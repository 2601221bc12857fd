"""Imported lucidrains stylegan2-pytorch generators: their own math (nets/lucid.py), StyleGen's session."""

from __future__ import annotations

from typing import Any

from .registry import FamilySpec, register


def load(card: Any) -> Any:
    from ..library.weights import load_strict
    from ..nets.lucid import LucidConfig, LucidGenerator

    return load_strict(LucidGenerator(LucidConfig.from_dict(card.architecture)), card, "generator")


SPEC = register(FamilySpec(
    name="lucidrains", tasks=("explore", "mix"), load=f"{__name__}:load",
    session="gan_studio.core.sessions.generator:GeneratorSession", import_formats=("lucidrains",), latent=True,
))
