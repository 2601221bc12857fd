"""What the age and text families share: a conditional StyleGen (or StackGAN Stage I) built from a card."""

from __future__ import annotations

from typing import Any

from .registry import Option


def conditional_generator(card: Any) -> Any:
    from ..library.weights import load_buffers_optional
    from ..nets.conditional import ConditionalGenerator, ConditionConfig
    from ..nets.stackgan import text_generator
    from ..nets.stylegen import StyleGenConfig

    arch = card.architecture
    net, cond = StyleGenConfig.from_dict(arch), ConditionConfig.from_dict(arch["condition"])
    G = text_generator(net, cond, arch["stage1"]) if "stage1" in arch else ConditionalGenerator(net, cond)
    return load_buffers_optional(G, card, "generator", "resample_filter")


CONDITIONAL_OPTIONS = (
    # L1 between a fake's 8×8 average and its condition's real image (colour and layout).
    Option("--layout-weight", "layout_weight", float, None,
           "weight of the 8×8 colour-and-layout L1 to the condition's real image (default 0; on --resume, the "
           "run's own)", resume=True),
    # Conditional IMLE (Li et al. 2019): for half of each fake batch, the seed of K candidates closest to the
    # condition's real image is pulled onto it by an L1 of this weight, so every real image has a seed that draws
    # it (coverage, hence varied seeds) while D keeps the detail sharp.
    Option("--imle", "imle_weight", float, None,
           "weight of conditional IMLE, an L1 that pulls the closest of K seeds onto each condition's real image, "
           "so seeds cover every image of a caption (default 0; on --resume, the run's own)", resume=True),
    Option("--imle-samples", "imle_samples", int, 8,
           "with --imle: seeds drawn per real image to pick the closest from"),
)
