"""Age judge and the age model's measurements: monotonic ageing, accuracy per level, identity kept.

The judge is our small classifier (``FeatureNet``) trained on real age-labelled images of the folder
(the starter world's faces, or the user's labelled folder), with the held-out split for its own accuracy.
Its expected level Σ p_k·k is the "judged age" of an image.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..data.images import load_folder
from ..data.labels import GENDERS, SKIN_TONES, load_age_labels
from ..nets.featurenet import FeatureNet, accuracy, prep_images, train_feature_net

SLIDER = (0.0, 1 / 6, 1 / 3, 1 / 2, 2 / 3, 5 / 6, 1.0)


def _labelled(root: Path, splits: tuple[str, ...], resolution: int, channels: int) -> tuple[np.ndarray, np.ndarray]:
    pairs = load_age_labels(root, splits)
    if not pairs:
        raise ValueError(f"no age-labelled images in {root}")
    arr, scan = load_folder(root, resolution, channels, files=[p for p, _ in pairs])
    bad = {str(p) for p, _ in scan.skipped}
    levels = np.array([round(lab.level) for p, lab in pairs if str(p) not in bad], dtype=np.int64)
    return arr, levels


def train_age_judge(root: Path, resolution: int = 64, channels: int = 4, epochs: int = 40, seed: int = 0
                    ) -> tuple[FeatureNet, dict[str, float]]:
    """Train on the labelled 'train' split (each level equally weighted by repetition); report held-out accuracy."""
    root = Path(root)
    x, y = _labelled(root, ("train",), resolution, channels)
    counts = np.bincount(y, minlength=4)
    reps = np.concatenate([np.repeat(np.flatnonzero(y == k), max(1, int(round(counts.max() / max(c, 1)))))
                           for k, c in enumerate(counts) if c])
    net = train_feature_net(x[reps], y[reps], num_classes=4, epochs=epochs, seed=seed)
    stats = {"judge_train_images": int(len(y)), "judge_accuracy_train": round(accuracy(net, x, y), 4)}
    try:
        xh, yh = _labelled(root, ("heldout",), resolution, channels)
        stats["judge_heldout_images"] = int(len(yh))
        stats["judge_accuracy_heldout"] = round(accuracy(net, xh, yh), 4)
    except ValueError:
        pass
    return net, stats


@torch.inference_mode()
def judged_age(net: FeatureNet, images: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Expected level (0…3), argmax level and penultimate features for HWC uint8 images."""
    x = prep_images(np.asarray(images), net.cfg.channels)
    feats = net.features(x)
    p = torch.softmax(net.head(feats), dim=1)
    return (p * torch.arange(4.0)).sum(1).numpy(), p.argmax(1).numpy(), feats.numpy()


def face_colour(images: np.ndarray) -> np.ndarray:
    """Mean RGB of each image's opaque pixels: the skin-tone statistic of identity."""
    imgs = np.asarray(images, dtype=np.float64)
    alpha = (imgs[..., 3:4] > 127).astype(np.float64) if imgs.shape[-1] == 4 else np.ones_like(imgs[..., :1])
    return (imgs[..., :3] * alpha).sum((1, 2)) / np.maximum(alpha.sum((1, 2)), 1.0)


def evaluate_age_model(session: Any, judge: FeatureNet, seeds: int = 100, tolerance: float = 0.1,
                       seed0: int = 10_000) -> dict[str, float]:
    """For ``seeds`` faces (seed, random gender and tone), render the slider's 7 stops and measure."""
    from ..sessions.cond_requests import AgeRequest
    from ..sessions.requests import Source

    rng = np.random.RandomState(0)
    mono, rank_corr, level_hits, level_total = 0, [], np.zeros(4), np.zeros(4)
    colour_steps: list[float] = []
    first_frames: list[np.ndarray] = []
    for i in range(seeds):
        req = AgeRequest(session.model_id, Source.from_seed(seed0 + i), gender=GENDERS[rng.randint(3)],
                         skin_tone=int(rng.randint(SKIN_TONES)))
        frames = np.stack(session.strip(req, list(SLIDER)))
        ages, levels, _ = judged_age(judge, frames)
        if np.all(np.diff(ages) >= -tolerance):
            mono += 1
        rank_corr.append(float(np.corrcoef(np.arange(len(ages)), ages)[0, 1]) if ages.std() > 0 else 0.0)
        for k, idx in enumerate((0, 2, 4, 6)):  # slider stops that are exactly a level
            level_total[k] += 1
            level_hits[k] += int(levels[idx] == k)
        col = face_colour(frames)
        colour_steps.append(float(np.linalg.norm(col - col.mean(0), axis=1).mean()))
        first_frames.append(frames[3])
    mids = np.stack(first_frames)
    col_mid = face_colour(mids)
    colour_between = np.linalg.norm(col_mid[:, None] - col_mid[None], axis=2)[np.triu_indices(len(mids), 1)]
    out = {"age_seeds": seeds, "age_monotonic_share": round(mono / seeds, 4),
           "age_rank_correlation_mean": round(float(np.mean(rank_corr)), 4)}
    for k, name in enumerate(("baby", "child", "adult", "old")):
        out[f"age_accuracy_{name}"] = round(float(level_hits[k] / max(level_total[k], 1)), 4)
    out["identity_colour_drift_along_slider"] = round(float(np.mean(colour_steps)), 2)
    out["identity_colour_distance_between_faces"] = round(float(np.mean(colour_between)), 2)
    return out


def evaluate_age(model_id: str, real: Path, seeds: int = 100) -> dict[str, float]:
    """`gan-studio metrics --task age`: train the judge on ``real``'s labelled images, then measure the model."""
    from ..sessions.age import AgeSession

    session = AgeSession.open(model_id, device="cpu")
    judge, stats = train_age_judge(Path(real), resolution=64, channels=session.G.cfg.img_channels)
    return {**stats, **evaluate_age_model(session, judge, seeds=seeds)}
