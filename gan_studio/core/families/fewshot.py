"""Few-shot (FastGAN-style): learns a small folder (50–500 images) in CPU-hours; the explorer and mixer draw it."""

from __future__ import annotations

from typing import Any

from .registry import FamilySpec, TrainerSpec, register

_T = "gan_studio.core.training.fewshot_trainer"


def load(card: Any) -> Any:
    from ..library.weights import load_strict
    from ..nets.fewshot import FewShotConfig, FewShotGenerator

    arch = {**card.architecture, "spectral": False}
    return load_strict(FewShotGenerator(FewShotConfig.from_dict(arch)), card, "generator").eval()


SPEC = register(FamilySpec(
    name="fewshot", tasks=("explore", "mix"), load=f"{__name__}:load",
    session="gan_studio.core.sessions.generator:GeneratorSession", latent=True,
    trainer=TrainerSpec("Few-shot (small folders, 64–256 px; fast on a CPU)", f"{_T}:train_fewshot",
                        f"{_T}:export_fewshot", "folder", order=1),
))
