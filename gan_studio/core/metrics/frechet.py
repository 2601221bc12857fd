"""Fréchet distance between two sets of features (FD-emoji when they come from ``nets.featurenet``).

Inception weights cannot be downloaded here, so FID proper is impossible; figures are comparable only with
each other and with the real-vs-real floor reported beside them.
"""

from __future__ import annotations

import numpy as np
import torch


def frechet_distance(a: np.ndarray, b: np.ndarray) -> float:
    """‖μa−μb‖² + Tr(Σa + Σb − 2(Σa Σb)^½), with the root from a symmetric eigendecomposition."""
    mu_a, mu_b = a.mean(0), b.mean(0)
    sa, sb = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    ta = torch.from_numpy(sa)
    evals, evecs = torch.linalg.eigh(ta)
    root_a = (evecs * evals.clamp(min=0).sqrt()) @ evecs.T
    inner = root_a @ torch.from_numpy(sb) @ root_a
    tr_covmean = torch.linalg.eigvalsh((inner + inner.T) / 2).clamp(min=0).sqrt().sum().item()
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(sa) + np.trace(sb) - 2 * tr_covmean)
