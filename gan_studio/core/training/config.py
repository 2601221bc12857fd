"""Typed, frozen training configuration; saved as config.json beside a run's outputs."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..io.atomic import atomic_write_text

# Family options that were TrainConfig fields before they moved into ``options``: a run folder's config.json from
# then holds them as top-level keys, and ``TrainConfig.load`` moves them where they are read now.
LEGACY_OPTION_KEYS = ("pairs", "l1_weight", "cycle_weight", "identity_weight", "layout_weight", "refiner_l1",
                      "imle_weight", "imle_samples")


@dataclass(frozen=True)
class TrainConfig:
    family: str = "stylegen"
    data: str = ""
    out: str = ""
    resolution: int = 64
    channels: int = 4
    batch: int = 32
    kimg: float | None = None
    minutes: float | None = None
    seed: int = 0
    lr_g: float | None = None  # None: the family's default
    lr_d: float | None = None
    r1_gamma: float = 0.05
    r1_interval: int = 16
    style_mixing: float = 0.9
    ema_kimg: float = 10.0
    ema_rampup: float = 0.05
    augment: str = "ada"  # ada | fixed | off
    augment_p: float = 0.0
    ada_target: float = 0.6
    ada_interval: int = 4
    base: str | None = None
    freeze_d: int = 0  # Freeze-D: keep the discriminator's first N blocks (highest resolution) at the base's weights
    name: str | None = None
    threads: int | None = None
    checkpoint_every_s: float = 300.0
    preview_every_s: float = 120.0
    keep_checkpoints: int = 2
    arch: dict = field(default_factory=dict)
    # A family's own options (core.families Option.dest → value), e.g. pix2pix's l1_weight, DCGAN's loss: declared
    # once in the family module with their defaults and read with ``option(cfg, dest)``; a new run writes them into
    # config.json complete, and a resume keeps the run's own (but for those declared ``resume=True``).
    options: dict = field(default_factory=dict)
    # auto: bf16 autocast where it is measured faster on this machine (core.device.choose_precision); a new run
    # writes its choice ("bf16" or "fp32") into config.json, so a resume computes exactly as before.
    precision: str = "auto"

    def save(self, run_dir: Path) -> None:
        atomic_write_text(Path(run_dir) / "config.json", json.dumps(asdict(self), indent=2) + "\n")

    @classmethod
    def load(cls, run_dir: Path) -> TrainConfig:
        data = json.loads((Path(run_dir) / "config.json").read_text(encoding="utf-8"))
        return cls(**{k: v for k, v in _migrated(data).items() if k in cls.__dataclass_fields__})


def _migrated(data: dict[str, Any]) -> dict[str, Any]:
    """An older config.json's flat family keys as options: those the run's family declares (every config of
    then carried all of them, each family reading a few); options already there win."""
    legacy = {k: data[k] for k in LEGACY_OPTION_KEYS if k in data}
    if not legacy:
        return data
    from ..families import UnknownFamilyError, trainer

    try:
        declared = {o.dest for o in trainer(str(data.get("family", "stylegen"))).options}
        legacy = {k: v for k, v in legacy.items() if k in declared}
    except UnknownFamilyError:
        pass  # kept whole: the resume says what is wrong with the family
    return {**data, "options": {**legacy, **(data.get("options") or {})}}


def option(cfg: TrainConfig, dest: str) -> Any:
    """A family option's value in this run: its own in ``cfg.options``, else the default its family declares
    (each default is spelled once, in the family module; an option the family does not declare is a ValueError)."""
    from ..families import trainer

    declared = trainer(cfg.family).option(dest)
    value = cfg.options.get(dest)
    return declared.default if value is None else value


def with_declared_options(cfg: TrainConfig) -> TrainConfig:
    """``cfg`` with every option its family declares (its default where not given), as a new run saves it, so a
    resume trains as the run started even when a later version changes a default."""
    from dataclasses import replace

    from ..families import trainer
    from ..families.registry import UnknownFamilyError

    fields_ = TrainConfig.__dataclass_fields__
    try:
        options = trainer(cfg.family).options
    except UnknownFamilyError:  # a trainer run directly, outside the registry (e.g. a test's), declares nothing
        options = ()
    declared = {o.dest: o.default for o in options if o.dest not in fields_}
    return replace(cfg, options={**declared, **cfg.options})
