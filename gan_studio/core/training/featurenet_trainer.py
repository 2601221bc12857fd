"""Train the FeatureNet behind FD-emoji on the starter world's categories, and bundle it as a model."""

from __future__ import annotations

import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from ..data.images import load_image
from ..data.starter import read_manifest
from ..library.cards import ModelCard
from ..library.weights import write_model
from ..nets.featurenet import FEATURE_RES, accuracy, train_feature_net


def train_featurenet(starter: Path, folder: Path, model_id: str = "featurenet-emoji-64", epochs: int = 8,
                     seed: int = 0, command: str = "") -> ModelCard:
    items = [i for i in read_manifest(starter) if i.domain == "colour"]
    classes = sorted({i.category for i in items})
    data: dict[str, tuple[list[np.ndarray], list[int]]] = {"train": ([], []), "heldout": ([], [])}
    for it in items:
        xs, ys = data[it.split]
        xs.append(load_image(starter / it.file, FEATURE_RES, 4))
        ys.append(classes.index(it.category))
    (xt, yt), (xh, yh) = [(np.stack(x), np.array(y)) for x, y in data.values()]
    t0 = time.monotonic()
    net = train_feature_net(xt, yt, len(classes), epochs=epochs, seed=seed)
    minutes = (time.monotonic() - t0) / 60
    metrics: list[dict[str, Any]] = [
        {"name": "train_accuracy", "value": round(accuracy(net, xt, yt), 4), "how": "category top-1, train split"},
        {"name": "heldout_accuracy", "value": round(accuracy(net, xh, yh), 4),
         "how": f"category top-1 on {len(yh)} held-out starter images"},
        {"name": "chance_accuracy", "value": round(float(np.bincount(yh).max() / len(yh)), 4),
         "how": "majority class share of the held-out split"},
    ]
    card = ModelCard(
        id=model_id, name="FeatureNet (starter emoji) for FD-emoji", family="featurenet", tasks=["metrics"],
        resolution=FEATURE_RES, channels=4, architecture=asdict(net.cfg) | {"classes": classes}, files=[],
        description="Category classifier whose penultimate features define our Fréchet distance (FD-emoji).",
        license="MIT (weights); trained on Noto Color Emoji (SIL OFL-1.1)",
        training={"data": "starter world, colour/train (Noto Color Emoji via fonts-noto-color-emoji)",
                  "images": len(xt), "epochs": epochs, "seed": seed, "wall_minutes": round(minutes, 2),
                  "command": command},
        metrics=metrics)
    return write_model(folder, card, {"classifier": net})
