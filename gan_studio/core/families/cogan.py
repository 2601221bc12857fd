"""CoGAN: two generators sharing their first layers draw a pair (one image per domain) from one latent,
learned from two unpaired folders (trainA/ trainB/); the explorer shows and exports both side by side."""

from __future__ import annotations

from typing import Any

from .registry import FamilySpec, Option, TrainerSpec, register

_T = "gan_studio.core.training.cogan_trainer"


def load(card: Any) -> Any:
    from ..library.weights import load_strict
    from ..nets.cogan import CoGANConfig, CoGANGenerator

    return load_strict(CoGANGenerator(CoGANConfig.from_dict(card.architecture)), card, "generator")


SPEC = register(FamilySpec(
    name="cogan", tasks=("explore",), load=f"{__name__}:load",
    session="gan_studio.core.sessions.pair:PairSession", latent=True,
    trainer=TrainerSpec("CoGAN (a pair of domains from one latent; trainA/ trainB/)", f"{_T}:train_cogan",
                        f"{_T}:export_cogan", "domains", order=25,
                        options=(Option("--pair-loss", "pair_loss", str, "hinge",
                                        "hinge (default, with DiffAugment/ADA) or nsgan (the paper's; its critics "
                                        "win on small folders)", ("hinge", "nsgan")),)),
))
