"""Text → image, StackGAN-style: Stage I conditional generator, optional Stage II refiner and prompt matcher."""

from __future__ import annotations

from typing import Any

from ._conditional import CONDITIONAL_OPTIONS, conditional_generator
from .registry import FamilySpec, Option, TrainerSpec, register

_T = "gan_studio.core.training.text_trainer"


def load(card: Any) -> dict[str, Any]:
    from ..library.weights import load_strict

    nets = {"generator": conditional_generator(card)}
    if "refiner" in card.architecture:
        from ..nets.stackgan import Refiner, RefinerConfig

        nets["refiner"] = load_strict(Refiner(RefinerConfig.from_dict(card.architecture["refiner"])), card, "refiner")
    if "matcher" in card.architecture and any(f.role == "matcher" for f in card.files):
        from ..text.matcher import Matcher, MatcherConfig

        nets["matcher"] = load_strict(Matcher(MatcherConfig.from_dict(card.architecture["matcher"])), card, "matcher")
    return nets


SPEC = register(FamilySpec(
    name="text", tasks=("text",), load=f"{__name__}:load", session="gan_studio.core.sessions.text:TextSession",
    trainer=TrainerSpec(
        "Text → image (a caption .txt beside each image)", f"{_T}:train_text", f"{_T}:export_text", "labelled",
        transfer=True, order=50, train_args=("--imle", "10"), r1=True,
        graft_keys=("R", "R_ema", "D2", "opt_R", "opt_D2"),
        options=(*CONDITIONAL_OPTIONS,
                 # Stage II's content loss (SRGAN's): L1 of refining a real image's softened 32 px version back to
                 # its 64 px original, beside its adversarial loss on Stage I's fakes.
                 Option("--refiner-l1", "refiner_l1", float, None,
                        "weight of Stage II's L1 on real pairs (a softened 32 px real image refined back to its "
                        "64 px original), beside its adversarial loss (default 0; on --resume, the run's own)",
                        resume=True))),
))
