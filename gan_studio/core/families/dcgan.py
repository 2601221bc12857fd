"""DCGAN: the classic baseline (transposed convs + batch norm), trained on your folder; the explorer draws it."""

from __future__ import annotations

from typing import Any

from .registry import FamilySpec, TrainerSpec, register

_T = "gan_studio.core.training.dcgan_trainer"


def load(card: Any) -> Any:
    from ..library.weights import load_strict
    from ..nets.dcgan import DCGANConfig, DCGANGenerator

    return load_strict(DCGANGenerator(DCGANConfig.from_dict(card.architecture)), card, "generator")


SPEC = register(FamilySpec(
    name="dcgan", tasks=("explore",), load=f"{__name__}:load",
    session="gan_studio.core.sessions.generator:GeneratorSession", latent=True,
    trainer=TrainerSpec("DCGAN (the classic baseline, fast)", f"{_T}:train_dcgan", f"{_T}:export_dcgan", "folder",
                        order=5),
))
