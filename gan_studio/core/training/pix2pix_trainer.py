"""pix2pix training: U-Net G, PatchGAN D on (input, output) pairs, vanilla GAN loss + λ·L1.

With ``pairs="sketch"`` the inputs are line drawings extracted from the artwork and re-drawn every step
with sketch augmentation (width, jitter, gaps), so hand drawing on the sketch pad works.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from ..data.paired import load_pairs, load_sketch_pairs
from ..data.sketch import augment_sketches
from ..io.images import grid, save_png, to_uint8
from ..nets.patchgan import PatchDiscriminator, init_weights
from ..nets.pix2pix import UnetConfig, UnetGenerator
from .base import start_from_base
from .config import TrainConfig, option
from .loop import AbortFn, ProgressFn, RunResult, Trainer, finished_run, train_run
from .losses import adam, gan_loss

log = logging.getLogger("gan_studio.train")
PREVIEW_COUNT = 8


def _to_float(x: torch.Tensor) -> torch.Tensor:
    """N×H×W×C uint8 → N×C×H×W in [−1, 1]."""
    return x.permute(0, 3, 1, 2).float().div(127.5).sub(1.0)


class Pix2PixTrainer(Trainer):
    STATE_PARTS = ("G", "D", "opt_G", "opt_D")

    def __init__(self, cfg: TrainConfig, device: torch.device | None = None) -> None:
        super().__init__(cfg, device)
        self.pairs = option(cfg, "pairs")  # folders | sketch (core/families/pix2pix.py)
        self.l1_weight = float(option(cfg, "l1_weight"))
        sketch = self.pairs == "sketch"
        arch = {"in_channels": 1 if sketch else 3, "out_channels": cfg.channels,
                "num_downs": max(1, int(np.log2(cfg.resolution))), **cfg.arch}
        self.net_cfg = UnetConfig.from_dict(arch)
        if cfg.resolution % 2**self.net_cfg.num_downs:
            raise ValueError(f"resolution {cfg.resolution} must be a multiple of 2^{self.net_cfg.num_downs}")
        torch.manual_seed(cfg.seed)
        self.G = init_weights(UnetGenerator(self.net_cfg)).to(self.device)
        if cfg.base:
            start_from_base(cfg.base, {"generator": self.G})
        ndf = int(cfg.arch.get("ndf", 64))
        self.D = init_weights(PatchDiscriminator(self.net_cfg.in_channels + self.net_cfg.out_channels, ndf)
                              ).to(self.device)
        self.opt_G = adam(self.G.parameters(), cfg.lr_g or 2e-4)
        self.opt_D = adam(self.D.parameters(), cfg.lr_d or 2e-4)
        self.a: torch.Tensor | None = None
        self.b: torch.Tensor | None = None

    def load_data(self) -> None:
        cfg = self.cfg
        if self.pairs == "sketch":
            data = load_sketch_pairs(Path(cfg.data), cfg.resolution, cfg.channels)
        else:
            data = load_pairs(Path(cfg.data), cfg.resolution, self.net_cfg.in_channels, cfg.channels)
        for path, reason in data.skipped:
            log.warning("skipped %s: %s", path, reason)
        self.a = torch.from_numpy(data.a)
        self.b = torch.from_numpy(data.b)
        log.info("loaded %d pairs (%d skipped) from %s", len(self.a), len(data.skipped), cfg.data)

    def _inputs(self, a: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        if self.pairs == "sketch":
            ink = 1.0 - a.permute(0, 3, 1, 2).float() / 255.0
            return augment_sketches(ink, gen)
        return _to_float(a)

    def _batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        assert self.a is not None and self.b is not None
        idx = torch.randint(len(self.a), (self.cfg.batch,), generator=self.gen)
        a, b = self._inputs(self.a[idx], self.gen), _to_float(self.b[idx])
        flip = torch.rand(self.cfg.batch, generator=self.gen) < 0.5
        a[flip], b[flip] = a[flip].flip(3), b[flip].flip(3)
        return a.to(self.device), b.to(self.device)

    def train_step(self) -> dict[str, float]:
        a, b = self._batch()
        fake = self.G(a)
        # D: real pairs vs generated pairs.
        self.D.requires_grad_(True)
        d_real = self.D(torch.cat([a, b], 1))
        d_fake = self.D(torch.cat([a, fake.detach()], 1))
        loss_d = 0.5 * (gan_loss(d_real, True) + gan_loss(d_fake, False))
        self.opt_D.zero_grad(set_to_none=True)
        loss_d.backward()
        self.opt_D.step()
        # G: fool D and stay close to the target.
        self.D.requires_grad_(False)
        adv = gan_loss(self.D(torch.cat([a, fake], 1)), True)
        l1 = F.l1_loss(fake, b)
        loss_g = adv + self.l1_weight * l1
        self.opt_G.zero_grad(set_to_none=True)
        loss_g.backward()
        self.opt_G.step()
        self.step += 1
        return {"loss_g": adv.item(), "l1": l1.item(), "loss_d": loss_d.item(),
                "d_real": d_real.mean().item(), "d_fake": d_fake.mean().item()}

    @torch.no_grad()
    def preview(self) -> Path:
        """Rows of input | output | target for fixed examples (fixed augmentation seed)."""
        assert self.a is not None and self.b is not None
        n = min(PREVIEW_COUNT, len(self.a))
        idx = torch.linspace(0, len(self.a) - 1, n).long()
        a = self._inputs(self.a[idx], torch.Generator().manual_seed(1234)).to(self.device)
        self.G.eval()
        fake = self.G(a)
        self.G.train()
        b = _to_float(self.b[idx])
        shown_a = a.expand(-1, 3, -1, -1) if a.shape[1] == 1 else a[:, :3]
        if fake.shape[1] == 4:
            shown_a = torch.cat([shown_a, torch.ones_like(shown_a[:, :1])], 1)
        tiles = [t for i in range(n) for t in (to_uint8(shown_a[i:i + 1])[0], to_uint8(fake[i:i + 1])[0],
                                               to_uint8(b[i:i + 1])[0])]
        path = self.run_dir / "previews" / f"step-{self.step:06d}.png"
        save_png(grid(tiles, cols=6), path)
        return path


def train_pix2pix(cfg: TrainConfig, resume: bool = False, progress_fn: ProgressFn | None = None,
                  abort_fn: AbortFn | None = None, device: torch.device | None = None) -> RunResult:
    return train_run(Pix2PixTrainer, cfg, resume, progress_fn, abort_fn, device)


def export_pix2pix(run_dir: Path, folder: Path, model_id: str, name: str, **card_fields: Any) -> Any:
    """Write the generator of a run's latest checkpoint as a library model."""
    from ..library.cards import ModelCard
    from ..library.weights import write_model

    st, cfg, training = finished_run(run_dir, card_fields)
    arch = UnetConfig.from_dict(json.loads(st["arch"]))
    G = UnetGenerator(arch)
    G.load_state_dict(st["G"])
    pairs = option(cfg, "pairs")
    task = "sketch" if pairs == "sketch" else "translate"
    card = ModelCard(id=model_id, name=name, family="pix2pix", tasks=[task], resolution=cfg.resolution,
                     channels=arch.out_channels, architecture=arch.to_dict() | {"input": pairs},
                     files=[], training=training, **card_fields)
    return write_model(Path(folder), card, {"generator": G})
