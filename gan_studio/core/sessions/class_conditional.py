"""The explorer's session for class-conditional generators (a CGAN DCGAN): GeneratorSession plus the class
to draw. An unconditional model behaves exactly as in GeneratorSession (it has no classes)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from .generator import GeneratorSession, RenderRequest


class ClassConditionalSession(GeneratorSession):
    """Renders with the generator's chosen class (``G.class_index``); seeds and ws mean the same in every
    class, so the w cache stays valid when the class changes."""

    @property
    def classes(self) -> tuple[str, ...]:
        return tuple(getattr(self.G, "classes", ()) or ())

    @property
    def class_index(self) -> int | None:
        return int(self.G.class_index) if self.classes else None

    def set_class(self, cls: int | str) -> int:
        """Draw this class (index or name) from now on; returns its index."""
        if not self.classes:
            raise ValueError(f"{self.model_id} is not class-conditional")
        return self.G.set_class(cls)

    def render_class(self, req: RenderRequest, cls: int | str) -> np.ndarray:
        """One request in one class, leaving the session's chosen class as it was."""
        before = self.G.class_index
        try:
            self.set_class(cls)
            return self.render(req)
        finally:
            self.G.class_index = before

    def render(self, req: RenderRequest) -> np.ndarray:
        if req.class_name is None:
            return super().render(req)
        return self.render_class(replace(req, class_name=None), req.class_name)

    def render_many(self, reqs: list[RenderRequest]) -> list[np.ndarray]:
        if all(r.class_name is None for r in reqs):
            return super().render_many(reqs)
        return [self.render(r) for r in reqs]

    def facts(self) -> dict[str, Any]:
        return {**super().facts(), "classes": list(self.classes), "class_index": self.class_index}
