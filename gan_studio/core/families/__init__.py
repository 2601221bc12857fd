"""Model families: one module each, one registry (see ``registry.py``)."""

from ..library.registry import set_model_loader
from .registry import (
    FamilySpec,
    Option,
    TrainerSpec,
    UnknownFamilyError,
    dialog_families,
    families,
    family_options,
    for_format,
    get,
    load_model,
    open_session,
    resolve,
    trainable,
    trainer,
)

set_model_loader(load_model)

__all__ = ["FamilySpec", "Option", "TrainerSpec", "UnknownFamilyError", "dialog_families", "families", "family_options",
           "for_format", "get", "load_model", "open_session", "resolve", "trainable", "trainer"]
