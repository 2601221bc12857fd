"""The sharpness judge: real against real is 1, a blur scores far lower, a size mismatch is an error."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from gan_studio.core.metrics.sharpness import hf_energy, sharpness


def _drawings(n: int = 12, size: int = 64) -> np.ndarray:
    rng = np.random.RandomState(0)
    out = []
    for _ in range(n):
        im = Image.new("RGBA", (size, size), (0, 0, 0, 0))
        from PIL import ImageDraw

        d = ImageDraw.Draw(im)
        x0, y0 = rng.randint(4, 20, 2)
        d.ellipse([x0, y0, size - 8, size - 6], fill=tuple(rng.randint(0, 255, 3).tolist()) + (255,),
                  outline=(0, 0, 0, 255), width=2)
        out.append(np.asarray(im))
    return np.stack(out)


def test_real_scores_one_and_a_blur_scores_low():
    real = _drawings()
    blurred = np.stack([np.asarray(Image.fromarray(x).resize((32, 32), Image.Resampling.BILINEAR)
                                   .resize((64, 64), Image.Resampling.BILINEAR)) for x in real])
    assert sharpness(real, real)["sharpness"] == 1.0
    s = sharpness(real, blurred)["sharpness"]
    assert 0 < s < 0.5
    assert hf_energy(np.zeros((2, 16, 16, 4), np.uint8)).max() == 0  # transparent: white, no edges
    with pytest.raises(ValueError, match="one size"):
        sharpness(real, real[:, :32, :32])
