"""Prompt matcher: scores how well an image fits a sentence, to show a text model's best seeds first.

A text GAN's seeds differ in how well they follow the prompt ("a tree" is green in most seeds, orange in
some). Drawing several candidates and keeping the ones a matcher scores highest is what DALL·E did with
CLIP; ours is small and trained here: the metrics' category classifier (``FeatureNet``), then the whole
net and a linear map into the sentence encoder's space, trained contrastively on the real (image, caption)
pairs of the model's data, every phrasing of every caption (so short prompts like "a tree" are known).
It ships beside the generator as the card's ``matcher`` weights; ranking only reorders seeds, so a
ranked image's recipe is still one seed and renders again exactly.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..nets.featurenet import FeatureNet, FeatureNetConfig, prep_images, train_feature_net

MIN_STEPS = 150  # a small folder still gets enough contrastive steps


@dataclass(frozen=True)
class MatcherConfig:
    channels: int = 4
    width: int = 32
    feature_dim: int = 256
    num_classes: int = 10
    text_dim: int = 384
    temperature: float = 0.05

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> MatcherConfig:
        return cls(**{k: v for k, v in d.items() if k in cls.__dataclass_fields__})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class Matcher(nn.Module):
    def __init__(self, cfg: MatcherConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.net = FeatureNet(FeatureNetConfig(channels=cfg.channels, width=cfg.width, num_classes=cfg.num_classes,
                                               feature_dim=cfg.feature_dim))
        self.proj = nn.Linear(cfg.feature_dim, cfg.text_dim)

    def codes(self, x: torch.Tensor) -> torch.Tensor:
        """Unit vectors in the sentence encoder's space for NCHW images in [-1, 1] (any size)."""
        if x.shape[1] != self.cfg.channels:  # RGB into an RGBA matcher: opaque
            x = torch.cat([x[:, :3], torch.ones_like(x[:, :1])], 1)[:, :self.cfg.channels]
        return F.normalize(self.proj(self.net.features(x.float())), dim=1)

    def scores(self, x: torch.Tensor, text: torch.Tensor) -> torch.Tensor:
        """Cosine of each image with the sentence ``text`` ([D] or [1, D])."""
        return self.codes(x) @ F.normalize(text.reshape(-1).float(), dim=0)


def _soften(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Half the batch is down- and up-sampled: generated images are softer than the real ones."""
    soft = F.interpolate(F.interpolate(x, scale_factor=0.5, mode="area"), size=x.shape[-2:], mode="bilinear",
                         align_corners=False)
    pick = (torch.rand(len(x), 1, 1, 1, generator=gen) < 0.5).to(x.dtype)
    return pick * soft + (1 - pick) * x


def train_matcher(images: np.ndarray, caption_emb: torch.Tensor, labels: np.ndarray, num_classes: int,
                  weights: torch.Tensor | None = None, epochs: int = 6, seed: int = 1, steps: int | None = None,
                  progress: Any = None) -> Matcher:
    """``images`` NHWC uint8, ``caption_emb`` [N, K, D] (K phrasings per image), ``labels`` categories.
    ``weights`` [N, K] are the phrasings' draw weights (0 = a slot that only repeats one). ``steps`` of the
    contrastive phase default to ``epochs`` passes over the data, at least MIN_STEPS."""
    n, k, d = caption_emb.shape
    cfg = MatcherConfig(channels=images.shape[3], num_classes=num_classes, text_dim=d)
    m = Matcher(cfg)
    m.net.load_state_dict(train_feature_net(images, labels, num_classes, epochs=epochs, seed=seed).state_dict())
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    x_all = prep_images(images, cfg.channels)
    target = F.normalize(caption_emb.float(), dim=2)
    w = weights if weights is not None else torch.ones(n, k)
    opt = torch.optim.Adam([{"params": m.proj.parameters(), "lr": 3e-3},
                            {"params": m.net.parameters(), "lr": 3e-4}])
    steps = steps or max(epochs * ((n + 127) // 128), MIN_STEPS)
    m.train()
    for step in range(steps):
        idx = torch.randperm(n, generator=gen)[:128]
        slot = torch.multinomial(w[idx].double(), 1, generator=gen).squeeze(1)
        t = target[idx, slot]
        same = (t @ t.t() > 0.999).float()  # the same caption drawn twice in a batch: both are right
        x = torch.roll(_soften(x_all[idx], gen), shifts=torch.randint(-4, 5, (2,), generator=gen).tolist(),
                       dims=(2, 3))
        logits = m.codes(x) @ t.t() / cfg.temperature
        loss = -(F.log_softmax(logits, dim=1) * same / same.sum(1, keepdim=True)).sum(1).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
        if progress and (step + 1) % 20 == 0:
            progress(step + 1, steps, float(loss.detach()))
    return m.eval().requires_grad_(False)


@torch.inference_mode()
def retrieval_accuracy(m: Matcher, images: np.ndarray, caption_emb: torch.Tensor) -> float:
    """Share of images whose own caption (row i of [N, D]) scores highest among all N captions."""
    z = torch.cat([m.codes(prep_images(images[i:i + 256], m.cfg.channels)) for i in range(0, len(images), 256)])
    sims = z @ F.normalize(caption_emb.float(), dim=1).t()
    return float((sims.argmax(1) == torch.arange(len(images))).float().mean())
