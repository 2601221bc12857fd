"""Typed, frozen training configuration; saved as config.json beside a run's outputs."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..io.atomic import atomic_write_text


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
    # A family's own options that have no field here (core.families Option.dest → value), e.g. DCGAN's loss;
    # a new run writes them into config.json complete, and a resume keeps the run's own.
    options: dict = field(default_factory=dict)
    # auto: bf16 autocast where it is measured faster on this machine (core.device.choose_precision); a new run
    # writes its choice ("bf16" or "fp32") into config.json, so a resume computes exactly as before.
    precision: str = "auto"
    # Translation families (pix2pix, cyclegan, sr).
    pairs: str = "folders"  # folders (A/ B/ or side-by-side AB) | sketch (A drawn from B's edges)
    l1_weight: float = 100.0
    cycle_weight: float = 10.0
    identity_weight: float = 0.5
    # Conditional families: L1 between a fake's 8×8 average and its caption's real image (colour and layout);
    # None: 0 for a new run, the run's own value on --resume.
    layout_weight: float | None = None
    # Text: L1 of Stage II refining a real image's softened 32 px version back to its 64 px original, beside its
    # adversarial loss on Stage I's fakes (SRGAN's content loss); None: 0 for a new run, the run's own on --resume.
    refiner_l1: float | None = None
    # Conditional families: conditional IMLE (Li et al. 2019). For half of each fake batch, the seed of K candidates
    # closest to the condition's real image is pulled onto it by an L1 of this weight, so every real image has a
    # seed that draws it (coverage, hence varied seeds) while D keeps the detail sharp. None: 0 for a new run,
    # the run's own on --resume.
    imle_weight: float | None = None
    imle_samples: int = 8

    def save(self, run_dir: Path) -> None:
        atomic_write_text(Path(run_dir) / "config.json", json.dumps(asdict(self), indent=2) + "\n")

    @classmethod
    def load(cls, run_dir: Path) -> TrainConfig:
        data = json.loads((Path(run_dir) / "config.json").read_text(encoding="utf-8"))
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})
