"""Super-resolution ×4: the upscaler behind every "export at size" (SRGAN-style residual net)."""

from __future__ import annotations

from typing import Any

from ._translation import L1_OPTIONS
from .registry import FamilySpec, Option, TrainerSpec, register

_T = "gan_studio.core.training.sr_trainer"


def load(card: Any) -> dict[str, Any]:
    from ..library.weights import load_strict
    from ..nets.srnet import SRConfig, SRNet

    return {"up": load_strict(SRNet(SRConfig.from_dict(card.architecture)), card, "generator")}


SPEC = register(FamilySpec(
    name="sr", tasks=("upscale",), load=f"{__name__}:load",
    session="gan_studio.core.sessions.translator:TranslatorSession",
    export="gan_studio.core.exporters.model_export:image_export",
    trainer=TrainerSpec("Super-resolution ×4", f"{_T}:train_sr", f"{_T}:export_sr", "folder", fine_tunes=True, order=30,
                        options=(*L1_OPTIONS,
                                 Option("--adv-weight", "adv_weight", float, 1.0,
                                        "weight of the adversarial loss (0: the L1 loss alone, no discriminator)"))),
))
