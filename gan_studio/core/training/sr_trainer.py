"""×4 super-resolution training (ESRGAN-style): λ·L1 to the high-resolution crop + a PatchGAN's
adversarial loss (``--adv-weight 0``: L1 alone, ESRGAN's PSNR-oriented stage, which needs no discriminator).
Low-resolution inputs are area-downsampled crops, with a little blur and noise so the
model also sharpens generated images, which are softer than downsampled artwork."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from ..data.images import load_folder
from ..io.images import grid, save_png, to_uint8
from ..nets.patchgan import PatchDiscriminator, init_weights
from ..nets.srnet import SRConfig, SRNet
from .augment import degrade
from .base import start_from_base
from .config import TrainConfig, option
from .loop import AbortFn, ProgressFn, RunResult, Trainer, finished_run, train_run
from .losses import adam, gan_loss

log = logging.getLogger("gan_studio.train")


class SRTrainer(Trainer):
    STATE_PARTS = ("G", "D", "opt_G", "opt_D")

    def __init__(self, cfg: TrainConfig, device: torch.device | None = None) -> None:
        super().__init__(cfg, device)
        self.net_cfg = SRConfig.from_dict({"channels": cfg.channels, **cfg.arch})
        scale = self.net_cfg.scale
        # Crops of at most the training size (a 16 px base trains on whole images), in whole low-res pixels.
        self.crop = min(int(cfg.arch.get("crop", 64)), cfg.resolution) // scale * scale
        if self.crop < 4 * scale:
            raise ValueError(f"×{scale} super-resolution trains on images of {4 * scale} px or more "
                             f"(--resolution {cfg.resolution} is too small)")
        torch.manual_seed(cfg.seed)
        self.G = SRNet(self.net_cfg).to(self.device)
        if cfg.base:
            start_from_base(cfg.base, {"generator": self.G})
        self.D = init_weights(PatchDiscriminator(cfg.channels, int(cfg.arch.get("ndf", 32)), n_layers=2)
                              ).to(self.device)
        self.opt_G = adam(self.G.parameters(), cfg.lr_g or 2e-4)
        self.opt_D = adam(self.D.parameters(), cfg.lr_d or 2e-4)
        self.l1_weight = float(option(cfg, "l1_weight"))
        self.adv_weight = float(option(cfg, "adv_weight"))
        self.data: torch.Tensor | None = None

    def load_data(self) -> None:
        arr, scan = load_folder(Path(self.cfg.data), self.cfg.resolution, self.cfg.channels)
        for path, reason in scan.skipped:
            log.warning("skipped %s: %s", path, reason)
        self.data = torch.from_numpy(arr)
        log.info("loaded %d images (%d skipped) from %s", len(arr), len(scan.skipped), self.cfg.data)

    def _batch(self) -> torch.Tensor:
        assert self.data is not None
        n, res, c = self.cfg.batch, self.cfg.resolution, self.crop
        idx = torch.randint(len(self.data), (n,), generator=self.gen)
        oy, ox = torch.randint(0, res - c + 1, (2, n), generator=self.gen).div(4, rounding_mode="floor") * 4
        crops = torch.stack([self.data[i, y:y + c, x:x + c] for i, y, x in zip(idx, oy, ox, strict=True)])
        hr = crops.permute(0, 3, 1, 2).float().div(127.5).sub(1.0)
        flip = torch.rand(n, generator=self.gen) < 0.5
        hr[flip] = hr[flip].flip(3)
        return hr.to(self.device)

    def train_step(self) -> dict[str, float]:
        hr = self._batch()
        lr = degrade(hr, self.net_cfg.scale, self.gen)
        sr = self.G(lr)
        l1 = F.l1_loss(sr, hr)
        if self.adv_weight <= 0:  # pixel loss only: the discriminator is neither run nor trained
            self.opt_G.zero_grad(set_to_none=True)
            (self.l1_weight * l1).backward()
            self.opt_G.step()
            self.step += 1
            return {"l1": l1.item()}
        self.D.requires_grad_(True)
        loss_d = 0.5 * (gan_loss(self.D(hr), True) + gan_loss(self.D(sr.detach()), False))
        self.opt_D.zero_grad(set_to_none=True)
        loss_d.backward()
        self.opt_D.step()
        self.D.requires_grad_(False)
        adv = gan_loss(self.D(sr), True)
        loss_g = self.l1_weight * l1 + self.adv_weight * adv
        self.opt_G.zero_grad(set_to_none=True)
        loss_g.backward()
        self.opt_G.step()
        self.step += 1
        return {"l1": l1.item(), "loss_g": adv.item(), "loss_d": loss_d.item()}

    @torch.no_grad()
    def preview(self) -> Path:
        """Rows of bicubic | ours | original for fixed whole images."""
        assert self.data is not None
        idx = torch.linspace(0, len(self.data) - 1, 4).long()
        hr = self.data[idx].permute(0, 3, 1, 2).float().div(127.5).sub(1.0).to(self.device)
        lr = degrade(hr, self.net_cfg.scale)
        bic = F.interpolate(lr, scale_factor=self.net_cfg.scale, mode="bicubic", align_corners=False)
        sr = self.G(lr)
        tiles = [to_uint8(t[i:i + 1].clamp(-1, 1))[0] for i in range(len(idx)) for t in (bic, sr, hr)]
        path = self.run_dir / "previews" / f"step-{self.step:06d}.png"
        save_png(grid(tiles, cols=6), path)
        return path


def train_sr(cfg: TrainConfig, resume: bool = False, progress_fn: ProgressFn | None = None,
             abort_fn: AbortFn | None = None, device: torch.device | None = None) -> RunResult:
    return train_run(SRTrainer, cfg, resume, progress_fn, abort_fn, device)


def export_sr(run_dir: Path, folder: Path, model_id: str, name: str, **card_fields: Any) -> Any:
    from ..library.cards import ModelCard
    from ..library.weights import write_model

    st, cfg, training = finished_run(run_dir, card_fields)
    arch = SRConfig.from_dict(json.loads(st["arch"]))
    G = SRNet(arch)
    G.load_state_dict(st["G"])
    card = ModelCard(id=model_id, name=name, family="sr", tasks=["upscale"], resolution=cfg.resolution,
                     channels=arch.channels, architecture=arch.to_dict(), files=[], training=training,
                     **card_fields)
    return write_model(Path(folder), card, {"generator": G})
