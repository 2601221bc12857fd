"""Age-cGAN: a conditional StyleGen whose condition is age ‖ gender ‖ skin tone (data/labels.py)."""

from __future__ import annotations

from typing import Any

from ._conditional import CONDITIONAL_OPTIONS, conditional_generator
from .registry import FamilySpec, TrainerSpec, register

_T = "gan_studio.core.training.age_trainer"


def load(card: Any) -> Any:
    return conditional_generator(card)


SPEC = register(FamilySpec(
    name="age", tasks=("age",), load=f"{__name__}:load", session="gan_studio.core.sessions.age:AgeSession",
    trainer=TrainerSpec("Age (labelled subfolders baby/child/adult/old)", f"{_T}:train_age", f"{_T}:export_age",
                        "labelled", fine_tunes=True, order=40, options=CONDITIONAL_OPTIONS, r1=True),
))
