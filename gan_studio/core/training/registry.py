"""Which families can be trained, and how: one record per family, read without importing torch.

The fine-tune dialog and `gan-studio train` list families from here, so a new family (age, text, …)
appears in both by adding one ``register_trainer(TrainerSpec(...))`` line below (or calling it from its
own module before the CLI parser is built). Entry points are "module:function" strings, imported only
when a run starts.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TrainerSpec:
    family: str
    label: str  # shown in the dialog
    train: str  # "module:function" with train_run's signature (cfg, resume, progress_fn, abort_fn, device)
    export: str  # "module:function" (run_dir, folder, model_id, name, **card_fields) -> ModelCard
    data: str = "folder"  # folder: one image folder (checked and prepared per job) | labelled: used as is
    # (subfolders, captions) | domains: trainA/ trainB/ …
    transfer: bool = False  # can start from a library model of the same family (``base``)
    tasks: tuple[str, ...] = ()
    order: int = 100  # position in the dialog (stylegen first)
    train_args: tuple[str, ...] = ()  # extra `gan-studio train` flags a job from one folder needs

    def train_fn(self) -> Callable[..., Any]:
        return _resolve(self.train)

    def export_fn(self) -> Callable[..., Any]:
        return _resolve(self.export)


def _resolve(target: str) -> Callable[..., Any]:
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


_SPECS: dict[str, TrainerSpec] = {}


def register_trainer(spec: TrainerSpec) -> TrainerSpec:
    _SPECS[spec.family] = spec
    return spec


def trainer_specs() -> list[TrainerSpec]:
    """Every trainable family, dialog order."""
    return sorted(_SPECS.values(), key=lambda s: (s.order, s.family))


def trainer_spec(family: str) -> TrainerSpec:
    try:
        return _SPECS[family]
    except KeyError:
        known = ", ".join(s.family for s in trainer_specs())
        raise KeyError(f"no trainer for family {family!r}; trainable: {known}") from None


_PKG = "gan_studio.core.training"
register_trainer(TrainerSpec("stylegen", "StyleGen (explore & mix)", f"{_PKG}.stylegen_trainer:train_stylegen",
                             f"{_PKG}.stylegen_trainer:export_run", "folder", True, ("explore", "mix"), 0))
register_trainer(TrainerSpec("pix2pix", "pix2pix (sketch → your art)", f"{_PKG}.pix2pix_trainer:train_pix2pix",
                             f"{_PKG}.pix2pix_trainer:export_pix2pix", "folder", False, ("sketch",), 10,
                             ("--pairs", "sketch")))
register_trainer(TrainerSpec("cyclegan", "CycleGAN (unpaired translation)", f"{_PKG}.cyclegan_trainer:train_cyclegan",
                             f"{_PKG}.cyclegan_trainer:export_cyclegan", "domains", False, ("translate",), 20))
register_trainer(TrainerSpec("sr", "Super-resolution ×4", f"{_PKG}.sr_trainer:train_sr", f"{_PKG}.sr_trainer:export_sr",
                             "folder", False, ("upscale",), 30))
register_trainer(TrainerSpec("age", "Age (labelled subfolders baby/child/adult/old)",
                             f"{_PKG}.conditional_trainer:train_age", f"{_PKG}.conditional_trainer:export_age",
                             "labelled", False, ("age",), 40))
register_trainer(TrainerSpec("text", "Text → image (a caption .txt beside each image)",
                             f"{_PKG}.conditional_trainer:train_text", f"{_PKG}.conditional_trainer:export_text",
                             "labelled", True, ("text",), 50, ("--imle", "10")))
