"""pix2pix: a U-Net translating one domain to another (the sketch pad's family), one direction A→B."""

from __future__ import annotations

from typing import Any

from ._translation import L1_OPTIONS
from .registry import FamilySpec, Option, TrainerSpec, register

_T = "gan_studio.core.training.pix2pix_trainer"


def load(card: Any) -> dict[str, Any]:
    """The nets dict is what ``TranslatorSession`` runs."""
    from ..library.weights import load_strict
    from ..nets.pix2pix import UnetConfig, UnetGenerator

    return {"AtoB": load_strict(UnetGenerator(UnetConfig.from_dict(card.architecture)), card, "generator")}


SPEC = register(FamilySpec(
    name="pix2pix", tasks=("sketch", "translate"), load=f"{__name__}:load",
    session="gan_studio.core.sessions.translator:TranslatorSession", import_formats=("junyanz-unet",),
    export="gan_studio.core.exporters.model_export:image_export",
    trainer=TrainerSpec("pix2pix (sketch → your art)", f"{_T}:train_pix2pix", f"{_T}:export_pix2pix", "folder",
                        fine_tunes=True, order=10, train_args=("--pairs", "sketch"),
                        options=(Option("--pairs", "pairs", str, "folders",
                                        "inputs: A/ B/ folders (or side-by-side AB), or sketches drawn from --data",
                                        ("folders", "sketch")),
                                 *L1_OPTIONS)),
))
