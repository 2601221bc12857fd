"""Few-shot training (FastGAN-style) for folders of 50–500 images on a small machine.

Hinge loss with FastGAN's noisy margin, the discriminator's reconstruction loss on real images (whole image
and one random quadrant, at 64 px), DiffAugment on everything the discriminator sees (colour, translation,
cutout; fixed or adaptive p), Adam(2e-4, β1 0.5), an EMA of the generator (0.999 per step), and bf16
autocast where it is measured faster on this machine. Runs through the shared loop.
"""

from __future__ import annotations

import copy
import json
import logging
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from ..data.images import load_folder
from ..device import autocast, choose_precision
from ..io.images import grid, to_uint8
from ..nets.fewshot import FewShotConfig, FewShotDiscriminator, FewShotGenerator, crop_quadrant, fold_spectral_norm
from ..nets.stylegen import z_from_seed
from .augment import AdaptiveP, augment
from .config import TrainConfig
from .loop import AbortFn, ProgressFn, RunResult, Trainer, export_generator, train_run

log = logging.getLogger("gan_studio.train")
PREVIEW_SEEDS = range(16)
EMA_DECAY = 0.999


def precision_cache() -> Path:
    from ..library.registry import home_dir

    return home_dir() / "cache" / "precision.json"


@torch.no_grad()
def recalibrate_bn(G: FewShotGenerator, batches: int = 16, batch: int = 16, seed: int = 12345) -> None:
    """Give an EMA generator's batch norms the statistics of its own activations (the EMA averages weights,
    not running statistics), from fixed latents and constant noise: deterministic, and no global RNG is drawn,
    so calling it mid-run leaves an exact resume exact."""
    gen = torch.Generator().manual_seed(seed)
    norms = [m for m in G.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    momenta = [m.momentum for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # cumulative average over the calibration batches
    G.train()
    dev = next(G.parameters()).device
    for _ in range(batches):
        G(torch.randn(batch, G.cfg.z_dim, generator=gen).to(dev), noise_mode="const")
    for m, mom in zip(norms, momenta, strict=True):
        m.momentum = mom
    G.eval()


class FewShotTrainer(Trainer):
    STATE_PARTS = ("G", "G_ema", "D", "opt_G", "opt_D")

    @classmethod
    def fresh_config(cls, cfg: TrainConfig) -> TrainConfig:
        from dataclasses import replace

        precision = cfg.precision
        if precision == "auto":
            precision = choose_precision(torch.device("cpu") if not torch.cuda.is_available() else
                                         torch.device("cuda"), precision_cache(), cfg.threads)
        return replace(cfg, precision=precision)

    def __init__(self, cfg: TrainConfig, device: torch.device | None = None) -> None:
        super().__init__(cfg, device)
        self.net_cfg = FewShotConfig.from_dict({"resolution": cfg.resolution, "img_channels": cfg.channels,
                                                **cfg.arch})
        torch.manual_seed(cfg.seed)
        self.G = FewShotGenerator(self.net_cfg).to(self.device)
        self.D = FewShotDiscriminator(self.net_cfg).to(self.device)
        self.G_ema = copy.deepcopy(self.G).eval()
        for p in self.G_ema.parameters():
            p.requires_grad_(False)
        betas = (0.5, 0.999)
        self.opt_G = torch.optim.Adam(self.G.parameters(), lr=cfg.lr_g or 2e-4, betas=betas)
        self.opt_D = torch.optim.Adam(self.D.parameters(), lr=cfg.lr_d or 2e-4, betas=betas)
        self.precision = cfg.precision if cfg.precision in ("bf16", "fp32") else "fp32"
        self.ada = AdaptiveP(p=cfg.augment_p, target=cfg.ada_target)
        self.data: torch.Tensor | None = None

    def family_state(self) -> dict[str, Any]:
        return {**super().family_state(), "augment_p": self.ada.p, "ada_acc": self.ada._acc,
                "ada_count": self.ada._count}

    def load_family_state(self, st: dict[str, Any]) -> None:
        super().load_family_state(st)
        self.ada.p = float(st.get("augment_p", self.ada.p))
        self.ada._acc, self.ada._count = float(st.get("ada_acc", 0.0)), int(st.get("ada_count", 0))

    def load_data(self) -> None:
        arr, scan = load_folder(Path(self.cfg.data), self.cfg.resolution, self.cfg.channels)
        for path, reason in scan.skipped:
            log.warning("skipped %s: %s", path, reason)
        if len(arr) == 0:
            raise ValueError(f"no usable images in {self.cfg.data}")
        self.data = torch.from_numpy(arr).permute(0, 3, 1, 2).contiguous()
        log.info("loaded %d images from %s (precision %s)", len(self.data), self.cfg.data, self.precision)

    def _real(self) -> torch.Tensor:
        assert self.data is not None
        idx = torch.randint(len(self.data), (self.cfg.batch,), generator=self.gen)
        real = self.data[idx].float().div(127.5).sub(1.0)
        flip = torch.rand(self.cfg.batch, generator=self.gen) < 0.5
        real[flip] = real[flip].flip(3)
        return real.to(self.device)

    def _aug(self, x: torch.Tensor) -> torch.Tensor:
        return x if self.cfg.augment == "off" else augment(x, self.ada.p, self.gen)

    def train_step(self) -> dict[str, float]:
        cfg, dev = self.cfg, self.device
        real = self._real()
        z = torch.randn(cfg.batch, self.net_cfg.z_dim, generator=self.gen).to(dev)
        quadrant = int(torch.randint(4, (1,), generator=self.gen))
        with autocast(self.precision, dev):
            fake = self.G(z)
            real_aug = self._aug(real)
            logits_real, recs = self.D(real_aug, quadrant)
            assert recs is not None
            small = F.interpolate(real_aug, size=FewShotDiscriminator.REC_SIZE, mode="area")
            part = F.interpolate(crop_quadrant(real_aug, quadrant), size=FewShotDiscriminator.REC_SIZE, mode="area")
            rec = F.l1_loss(recs[0].float(), small) + F.l1_loss(recs[1].float(), part)
            logits_fake, _ = self.D(self._aug(fake.detach()))
            margin = torch.rand_like(logits_real.float()) * 0.2 + 0.8
            loss_d = (F.relu(margin - logits_real.float()).mean() + F.relu(margin + logits_fake.float()).mean()
                      + rec)
        self.opt_D.zero_grad(set_to_none=True)
        loss_d.backward()
        self.opt_D.step()
        if cfg.augment == "ada":
            self.ada.observe(logits_real.float())
            if self.step % max(1, cfg.ada_interval) == 0:
                self.ada.update(cfg.batch * max(1, cfg.ada_interval))
        with autocast(self.precision, dev):
            logits_g, _ = self.D(self._aug(fake))
            loss_g = -logits_g.float().mean()
        self.opt_G.zero_grad(set_to_none=True)
        loss_g.backward()
        self.opt_G.step()
        self._update_ema()
        self.step += 1
        return {"loss_g": loss_g.item(), "loss_d": loss_d.item(), "rec": rec.item(),
                "d_real": logits_real.float().mean().item(), "d_fake": logits_fake.float().mean().item()}

    @torch.no_grad()
    def _update_ema(self) -> None:
        for pe, p in zip(self.G_ema.parameters(), self.G.parameters(), strict=True):
            pe.lerp_(p.detach(), 1 - EMA_DECAY)

    def extra_progress(self) -> dict[str, Any]:
        return {"augment_p": round(self.ada.p, 3), "precision": self.precision}

    @torch.no_grad()
    def preview(self) -> Path:
        """The explorer's seeds 0–15 as it will draw them: the EMA generator, recalibrated, constant noise."""
        G = copy.deepcopy(self.G_ema)
        recalibrate_bn(G)
        z = torch.cat([z_from_seed(s, self.net_cfg.z_dim) for s in PREVIEW_SEEDS]).to(self.device)
        return self.write_preview(grid(to_uint8(G(z, noise_mode="const")), cols=8))


def train_fewshot(cfg: TrainConfig, resume: bool = False, progress_fn: ProgressFn | None = None,
                  abort_fn: AbortFn | None = None, device: torch.device | None = None) -> RunResult:
    return train_run(FewShotTrainer, cfg, resume, progress_fn, abort_fn, device)


def export_fewshot(run_dir: Path, folder: Path, model_id: str, name: str, **card_fields: Any) -> Any:
    """The run's EMA generator, spectral norm folded in and batch norms recalibrated, as a library model, stored
    in fp16 (half the download; the loader widens it to fp32): images stay within ~50 dB of fp32's."""
    def build(st: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        G = FewShotGenerator(FewShotConfig.from_dict(json.loads(st["arch"])))
        G.load_state_dict(st["G_ema"])
        plain = fold_spectral_norm(G)
        recalibrate_bn(plain)
        return copy.deepcopy(plain).half(), plain.cfg.to_dict()

    return export_generator(run_dir, folder, model_id, name, "fewshot", ["explore", "mix"], build, card_fields)
