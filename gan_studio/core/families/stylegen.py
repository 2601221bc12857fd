"""StyleGen: our StyleGAN2-style generator (mapping + modulated convs), the explorer's and mixer's family."""

from __future__ import annotations

from typing import Any

from .registry import FamilySpec, Option, TrainerSpec, register

_T = "gan_studio.core.training.stylegen_trainer"


def load(card: Any) -> Any:
    from ..library.weights import load_buffers_optional
    from ..nets.stylegen import Generator, StyleGenConfig

    return load_buffers_optional(Generator(StyleGenConfig.from_dict(card.architecture)), card, "generator",
                                 "resample_filter")


SPEC = register(FamilySpec(
    name="stylegen", tasks=("explore", "mix"), load=f"{__name__}:load",
    session="gan_studio.core.sessions.generator:GeneratorSession",
    import_formats=("nvidia-stylegan2", "nvidia-state-dict", "rosinality"),
    export="gan_studio.core.exporters.model_export:latent_export", latent=True,
    trainer=TrainerSpec("StyleGen (explore & mix)", f"{_T}:train_stylegen", f"{_T}:export_run", "folder",
                        transfer=True, order=0, freeze_d=True, r1=True,
                        options=(Option("--freeze-d", "freeze_d", int, 0,
                                        "keep the first N discriminator blocks fixed (Freeze-D, with --base)"),)),
))
