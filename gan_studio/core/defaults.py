"""The user-facing defaults and ranges, declared once: the window's sliders and the CLI's flags read them here.

Pure Python (no Qt, no torch), so ``gan-studio --help`` and the window both import it for free. A value a
user can type in one front end but not set in the other would make recipes disagree; one table prevents it.
"""

from __future__ import annotations

from dataclasses import dataclass


class SettingRangeError(ValueError):
    """A value outside what the window's slider offers and the sessions are tuned for."""


@dataclass(frozen=True)
class Setting:
    """One tunable number: what it is called, where it starts and the range both front ends allow."""

    name: str  # in words, for messages and help
    default: float
    lo: float
    hi: float

    def check(self, value: float, flag: str | None = None) -> float:
        if not self.lo <= value <= self.hi:
            what = f"{flag} {value:g}" if flag else f"{self.name} {value:g}"
            raise SettingRangeError(f"{what} is out of range: {self.name} runs from {self.lo:g} to {self.hi:g}")
        return value


# The explorer and the mixer (unconditional latent models): the explorer's slider since the first version.
PSI = Setting("truncation ψ", 0.7, 0.0, 1.5)
NOISE_STRENGTH = Setting("noise strength", 1.0, 0.0, 2.0)
NOISE_MODES = ("const", "random", "none")  # the first is the default
# Conditional models (age, text): ψ pulls towards the condition's average image; 1 keeps the full variety.
COND_PSI = Setting("truncation ψ", 1.0, 0.0, 1.0)
VARIATION = Setting("variation", 0.5, 0.0, 1.0)  # text: conditioning noise, 0 = the prompt's average reading
AGE = Setting("age", 0.5, 0.0, 1.0)  # 0 baby … 1 old
BASE_AGE = Setting("age the image shows", 2 / 3, 0.0, 1.0)  # a projected photo is taken to show an adult

SEED_COUNT = 8  # seeds a text render (and `gan-studio generate`) draws when none are given
SEED_MAX = 2**32 - 1  # the sessions' seed range; the window's spin boxes stop at Qt's 2**31 - 1
WALK_FRAMES = 24  # frames between two keyframes of a walk
VIDEO_FPS = 24
PROJECTION_STEPS = 200  # optimisation steps that fit a latent to an image

# The window's tabs, in the order `gan-studio --panel` lists them; the first opens by default.
PANELS = ("explorer", "mixer", "sketch", "translate", "text", "age", "jobs")
