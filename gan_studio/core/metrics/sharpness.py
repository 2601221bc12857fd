"""Sharpness: how much high-frequency energy images carry, against real images at the same size.

SWD and even a Fréchet distance can score soft images well (a blur keeps colours and layout); this judge
cannot be fooled that way. Each image is composited on white, turned to luminance in [0, 1], and its
Laplacian's mean square is its high-frequency energy; ``ratio`` is the candidates' mean energy over the
references' (1.0: as crisp as the real images; the starter faces blurred by a bilinear 2× down-and-up score 0.05).
"""

from __future__ import annotations

import numpy as np


def hf_energy(images: np.ndarray) -> np.ndarray:
    """Per-image mean squared Laplacian of the luminance (NHWC uint8, 1–4 channels, alpha over white)."""
    x = images.astype(np.float32) / 255.0
    if x.ndim == 3:
        x = x[..., None]
    c = x.shape[3]
    rgb = x[..., :3] if c >= 3 else np.repeat(x[..., :1], 3, axis=3)
    if c in (2, 4):
        a = x[..., -1:]
        rgb = rgb * a + (1.0 - a)
    y = rgb @ np.array([0.299, 0.587, 0.114], np.float32)
    lap = 4 * y[:, 1:-1, 1:-1] - y[:, :-2, 1:-1] - y[:, 2:, 1:-1] - y[:, 1:-1, :-2] - y[:, 1:-1, 2:]
    return (lap**2).mean(axis=(1, 2))


def sharpness(reference: np.ndarray, candidate: np.ndarray) -> dict[str, float]:
    """The candidates' high-frequency energy relative to the references' (both at the same size)."""
    if reference.shape[1:3] != candidate.shape[1:3]:
        raise ValueError(f"compare sharpness at one size, not {reference.shape[1:3]} and {candidate.shape[1:3]}")
    ref, cand = float(hf_energy(reference).mean()), float(hf_energy(candidate).mean())
    return {"sharpness": round(cand / ref, 3) if ref > 0 else float("nan"),
            "hf_energy_reference": round(ref, 5), "hf_energy_candidate": round(cand, 5)}
