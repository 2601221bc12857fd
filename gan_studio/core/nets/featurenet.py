"""FeatureNet: a small classifier trained on the starter world, whose features our judges compare.

Inception weights cannot be downloaded here, so FID proper is impossible; "FD-emoji" uses the
penultimate layer of ``FeatureNet``, a CNN we train to classify starter-world categories. Figures are
comparable only with each other (and with the real-vs-real floor we report beside them).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

FEATURE_RES = 64


@dataclass(frozen=True)
class FeatureNetConfig:
    channels: int = 4
    width: int = 32
    num_classes: int = 10
    feature_dim: int = 256


class FeatureNet(nn.Module):
    def __init__(self, cfg: FeatureNetConfig) -> None:
        super().__init__()
        self.cfg = cfg
        w = cfg.width
        layers: list[nn.Module] = []
        chans = [cfg.channels, w, w * 2, w * 4, cfg.feature_dim]
        for cin, cout in zip(chans[:-1], chans[1:], strict=True):
            layers += [nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
                       nn.Conv2d(cout, cout, 3, stride=2, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]
        self.body = nn.Sequential(*layers)
        self.head = nn.Linear(cfg.feature_dim, cfg.num_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] != FEATURE_RES:
            x = F.interpolate(x, size=(FEATURE_RES, FEATURE_RES), mode="area")
        return self.body(x).mean(dim=(2, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


def prep_images(images: np.ndarray, channels: int) -> torch.Tensor:
    x = torch.from_numpy(np.ascontiguousarray(images)).permute(0, 3, 1, 2).float() / 127.5 - 1
    if x.shape[1] == 3 and channels == 4:
        x = torch.cat([x, torch.ones_like(x[:, :1])], dim=1)
    return x[:, :channels]


@torch.inference_mode()
def embed(net: FeatureNet, images: np.ndarray, batch: int = 128) -> np.ndarray:
    net.eval()
    feats = [net.features(prep_images(images[i:i + batch], net.cfg.channels)) for i in range(0, len(images), batch)]
    return torch.cat(feats).double().numpy()


def train_feature_net(images: np.ndarray, labels: np.ndarray, num_classes: int, epochs: int = 8,
                      seed: int = 0, progress=None) -> FeatureNet:
    """Train the classifier on NHWC uint8 images with integer labels (small flips/shifts as augmentation)."""
    torch.manual_seed(seed)
    net = FeatureNet(FeatureNetConfig(channels=images.shape[3], num_classes=num_classes))
    opt = torch.optim.AdamW(net.parameters(), lr=2e-3, weight_decay=1e-4)
    x_all = prep_images(images, images.shape[3])
    y_all = torch.from_numpy(labels.astype(np.int64))
    steps = epochs * ((len(x_all) + 63) // 64)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=steps)
    gen = torch.Generator().manual_seed(seed)
    net.train()
    for epoch in range(epochs):
        perm = torch.randperm(len(x_all), generator=gen)
        for i in range(0, len(perm), 64):
            idx = perm[i:i + 64]
            x = x_all[idx]
            shift = torch.randint(-4, 5, (2,), generator=gen).tolist()
            x = torch.roll(x, shifts=shift, dims=(2, 3))
            loss = F.cross_entropy(net(x), y_all[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
        if progress:
            progress(epoch, float(loss))
    return net.eval()


@torch.inference_mode()
def accuracy(net: FeatureNet, images: np.ndarray, labels: np.ndarray) -> float:
    logits = net(prep_images(images, net.cfg.channels))
    return float((logits.argmax(1).numpy() == labels).mean())
