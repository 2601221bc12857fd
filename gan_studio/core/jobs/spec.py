"""What the user asked for when starting a fine-tune, and the data-efficient defaults for small folders."""

from __future__ import annotations

import re
import sys
from dataclasses import asdict, dataclass, field, replace
from typing import Any

STARTER_MODEL = "stylegen-faces-64"
SMALL_FOLDER = 2000  # below this many images, transfer + ADA + Freeze-D (Karras et al. 2020: ADA shines < 5k)


@dataclass(frozen=True)
class JobSpec:
    name: str
    data: str  # the user's folder
    family: str = "stylegen"
    base: str | None = None  # library model to start from (transfer learning); None: from scratch
    resolution: int = 64
    channels: int = 4
    minutes: float | None = 30.0
    kimg: float | None = None
    batch: int = 16
    augment: str = "auto"  # auto | ada | fixed | off
    augment_p: float = 0.0
    r1_gamma: float = 0.05
    freeze_d: int = 0
    fit: str = "crop"
    alpha: str = "keep"
    background: tuple[int, int, int] = (255, 255, 255)
    threads: int | None = 1  # GUI jobs leave the other core(s) to the explorer
    nproc: int = 1
    seed: int = 0
    preview_every_s: float = 60.0
    checkpoint_every_s: float = 120.0
    arch: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)  # the family's own options (Option.dest → value)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> JobSpec:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        if "background" in known:
            known["background"] = tuple(known["background"])
        return cls(**known)


def dialog_options(family: str) -> tuple[Any, ...]:
    """The family's options a job takes from ``JobSpec.options``: not those a JobSpec field already holds
    (Freeze-D) nor those the family's one-folder job fixes (its ``train_args``)."""
    from .. import families

    t = families.trainer(family)
    return tuple(o for o in t.options if o.dest not in JobSpec.__dataclass_fields__ and o.flag not in t.train_args)


def check_options(spec: JobSpec) -> None:
    """Raise ValueError when the spec's options are not the family's job options or cannot train."""
    from .. import families

    allowed = {o.dest for o in dialog_options(spec.family)}
    for dest in spec.options:
        if dest not in allowed:
            raise ValueError(f"a {spec.family} job takes no option {dest!r}")
    families.trainer(spec.family).check_options(spec.options, spec.resolution, spec.channels, spec.data)


def slug(text: str) -> str:
    """A folder- and id-safe name: lowercase letters, digits and dashes."""
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return s[:48] or "job"


def resolve_augment(augment: str, image_count: int) -> tuple[str, float]:
    """'auto' by dataset size: ADA always (it only adds augmentation when D overfits), starting at p 0.2 on
    small folders so the first minutes are already protected."""
    if augment != "auto":
        return augment, 0.0
    return "ada", (0.2 if image_count < SMALL_FOLDER else 0.0)


def with_defaults(spec: JobSpec, image_count: int) -> JobSpec:
    """Fill the data-efficient defaults for a folder of ``image_count`` images."""
    augment, p = resolve_augment(spec.augment, image_count)
    out = replace(spec, augment=augment, augment_p=spec.augment_p or p)
    if out.base and image_count < SMALL_FOLDER and spec.freeze_d == 0 and _freeze_d_helps(spec.family):
        out = replace(out, freeze_d=1)  # keep the base D's highest-resolution block (Freeze-D)
    return out


def _freeze_d_helps(family: str) -> bool:
    from .. import families

    return families.trainer(family).freeze_d


def gan_studio_command() -> list[str]:
    """How to start `gan-studio` from here: the frozen bundle's binary, or this Python with ``-m``."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    return [sys.executable, "-m", "gan_studio"]
