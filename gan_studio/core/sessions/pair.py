"""The explorer's session for pair generators (CoGAN): GeneratorSession whose every image is the two domains
of one latent side by side, plus what the window needs to label and split them."""

from __future__ import annotations

from typing import Any

import numpy as np

from .generator import GeneratorSession


def _slug(name: str) -> str:
    import re

    return re.sub(r"[^A-Za-z0-9_-]+", "-", name).strip("-") or "domain"


class PairSession(GeneratorSession):
    """Seeds, ψ, walks and exports work as for any latent model; the image is ``[domain A | gap | domain B]``."""

    @property
    def domains(self) -> tuple[str, str]:
        return tuple(self.G.domains)  # type: ignore[return-value]

    def split(self, image: np.ndarray) -> dict[str, np.ndarray]:
        """A rendered pair → {domain name: its image}, for exporting each one on its own."""
        res = self.resolution
        if image.shape[0] != res or image.shape[1] != 2 * res + self.G.cfg.gap:
            raise ValueError(f"not a pair image of this model: {image.shape[1]}×{image.shape[0]} px")
        a, b = self.domains
        return {a: image[:, :res], b: image[:, -res:]}

    def export(self, req: Any, path: Any, size: int | None = None, upscaler: Any = None) -> list[Any]:
        """The pair as one PNG, and each domain's image as ``<name>-<domain>.png`` beside it, all with the
        recipe (any of them reopens the pair); ``size`` is each image's height, so the pair stays two squares."""
        from pathlib import Path

        from .sized_export import export_at_size

        path = Path(path)
        image, recipe = self.render(req), self.recipe(req)
        written = [export_at_size(image, path, recipe, size, upscaler, side="height")]
        for domain, img in self.split(image).items():
            written.append(export_at_size(img, path.with_name(f"{path.stem}-{_slug(domain)}{path.suffix}"), recipe,
                                          size, upscaler, side="height"))
        return written

    def project(self, image: np.ndarray, *args: Any, **kwargs: Any) -> Any:
        raise ValueError(f"{self.model_id} draws image pairs; 'use my image' needs a one-image model")

    def facts(self) -> dict[str, Any]:
        return {**super().facts(), "domains": list(self.domains), "pair_gap": self.G.cfg.gap}
