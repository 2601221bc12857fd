"""What the explorer shows, as a value (``ExplorerState``), and its undo/redo history: plain Python, no Qt."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from ...core.defaults import NOISE_MODES, NOISE_STRENGTH, PSI


@dataclass(frozen=True)
class ExplorerState:
    """Everything the explorer shows; undo/redo moves between these."""

    seed: int = 0
    psi: float = PSI.default
    noise_mode: str = NOISE_MODES[0]
    noise_strength: float = NOISE_STRENGTH.default
    path: tuple[Any, ...] = ()  # Sources of the walk
    t: float = 0.0
    walking: bool = False
    latent: Any = None  # a Source that is not a seed (favourite latent, restored recipe)
    grid_base: int = 0
    edits: tuple[Any, ...] = ()  # semantic-direction Edits (the Directions box)
    class_name: str | None = None  # a class-conditional model's class (None: the model's own)


class History:
    """Undo/redo stack of states; rapid changes of one control merge into one step."""

    def __init__(self, first: ExplorerState) -> None:
        self._states = [first]
        self._pos = 0
        self._last_key = ""
        self._last_time = 0.0

    @property
    def current(self) -> ExplorerState:
        return self._states[self._pos]

    def push(self, state: ExplorerState, key: str = "") -> None:
        now = time.monotonic()
        merge = key and key == self._last_key and now - self._last_time < 0.8 and self._pos > 0
        del self._states[self._pos + 1:]
        if merge:
            self._states[self._pos] = state
        else:
            self._states.append(state)
            self._pos += 1
        self._last_key, self._last_time = key, now

    def undo(self) -> ExplorerState | None:
        if self._pos == 0:
            return None
        self._pos -= 1
        self._last_key = ""
        return self.current

    def redo(self) -> ExplorerState | None:
        if self._pos >= len(self._states) - 1:
            return None
        self._pos += 1
        self._last_key = ""
        return self.current
