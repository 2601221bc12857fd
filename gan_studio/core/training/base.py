"""Fine-tunes of the image-to-image families (pix2pix, CycleGAN, ×4 SR): their generators start from a library
model's weights, role by role; the discriminators start fresh (the cards ship no discriminator)."""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger("gan_studio.train")


def start_from_base(model_id: str, nets: dict[str, Any]) -> None:
    """Load each ``role → net`` from the base card's file of that role. The run's architecture is the base's
    (``runner.config_from_base``), so every tensor must match; a role the base lacks (an imported CycleGAN with
    one direction) starts fresh and is said in the log."""
    from safetensors.torch import load_file

    from ..library.registry import TRAINING_ONLY_ROLES, Library

    lib = Library()
    card = lib.card(model_id)
    lib.verify(card, skip_roles=TRAINING_ONLY_ROLES)
    roles = {f.role for f in card.files}
    taken = []
    for role, net in nets.items():
        if role not in roles:
            log.info("%s has no %s: it starts fresh", model_id, role)
            continue
        try:
            net.load_state_dict(load_file(str(card.file_for(role))))
        except RuntimeError as exc:
            raise ValueError(f"base model {model_id} has a different architecture ({role}); pick matching "
                             "settings") from exc
        taken.append(role)
    if not taken:
        raise ValueError(f"base model {model_id} has none of {', '.join(nets)}: it is not a model to fine-tune here")
    log.info("started %s from %s", ", ".join(taken), model_id)
