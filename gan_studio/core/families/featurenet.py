"""FeatureNet: the small classifier we trained on the starter emoji; its features are our judges (FD-emoji)."""

from __future__ import annotations

from typing import Any

from .registry import FamilySpec, TrainerSpec, register


def load(card: Any) -> Any:
    from ..library.weights import load_strict
    from ..nets.featurenet import FeatureNet, FeatureNetConfig

    cfg = FeatureNetConfig(**{k: v for k, v in card.architecture.items() if k in FeatureNetConfig.__dataclass_fields__})
    return load_strict(FeatureNet(cfg), card, "classifier")


SPEC = register(FamilySpec(
    name="featurenet", tasks=("metrics",), load=f"{__name__}:load",
    trainer=TrainerSpec("FeatureNet judge (starter data)", "", order=90, in_dialog=False,
                        standalone="gan_studio.core.training.featurenet_trainer:train_featurenet"),
))
