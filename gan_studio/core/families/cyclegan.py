"""CycleGAN: two ResNet generators for unpaired translation, both directions (trainA/ trainB/ data)."""

from __future__ import annotations

from typing import Any

from .registry import FamilySpec, Option, TrainerSpec, register

_T = "gan_studio.core.training.cyclegan_trainer"


def load(card: Any) -> dict[str, Any]:
    from ..library.weights import load_strict
    from ..nets.cyclegan import ResnetConfig, ResnetGenerator

    cfg = ResnetConfig.from_dict(card.architecture)
    nets = {"AtoB": load_strict(ResnetGenerator(cfg), card, "generator_ab")}
    if any(f.role == "generator_ba" for f in card.files):  # an imported latest_net_G.pth has one direction
        nets["BtoA"] = load_strict(ResnetGenerator(cfg), card, "generator_ba")
    return nets


SPEC = register(FamilySpec(
    name="cyclegan", tasks=("translate",), load=f"{__name__}:load",
    session="gan_studio.core.sessions.translator:TranslatorSession", import_formats=("junyanz-resnet",),
    export="gan_studio.core.exporters.model_export:image_export",
    trainer=TrainerSpec("CycleGAN (unpaired translation)", f"{_T}:train_cyclegan", f"{_T}:export_cyclegan",
                        "domains", fine_tunes=True, order=20,
                        options=(Option("--cycle-weight", "cycle_weight", float, 10.0, "weight of the cycle loss"),
                                 Option("--identity-weight", "identity_weight", float, 0.5,
                                        "identity loss weight, relative to the cycle weight"),
                                 Option("--colour-weight", "colour_weight", float, None,
                                        "weight of a low-frequency colour loss between A→B and the B image of "
                                        "the same file name (8×8 cells, alpha-weighted RGB); default 0, and no "
                                        "same-named files: off (unpaired); on --resume, the run's own unless given",
                                        resume=True))),
))
