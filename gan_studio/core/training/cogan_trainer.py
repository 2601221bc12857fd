"""CoGAN training on two unpaired folders (``trainA/`` and ``trainB/``), with the paper's settings.

Each step draws one batch of z; the shared generator trunk renders it in both domains, and each domain's
critic (its own first layers, shared last layers) judges real and generated images of its domain; Adam(2e-4,
β1 0.5) for both nets, as DCGAN; bf16 autocast where measured faster. Only the weight sharing ties the domains:
no image of one folder is ever matched to one of the other. Runs through the shared loop (budget, abort,
progress, previews, atomic checkpoints, exact resume).

The paper's non-saturating loss (``--pair-loss nsgan``) let the critics win on a small folder (142 smileys a
domain: after 20 kimg the symbol head drew noise and the colour head one face for every seed), so the default
is the hinge loss with DiffAugment on everything the critics see, its strength adapted as ADA does.
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch

from ..data.paired import load_unpaired
from ..device import autocast, choose_precision
from ..io.images import grid, to_uint8
from ..nets.cogan import CoGANConfig, CoGANDiscriminator, CoGANGenerator
from ..nets.stylegen import z_from_seed
from .augment import AdaptiveP, augment
from .config import TrainConfig
from .dcgan_recipes import d_loss, g_loss
from .fewshot_trainer import precision_cache
from .loop import AbortFn, ProgressFn, RunResult, Trainer, export_generator, train_run

log = logging.getLogger("gan_studio.train")
PREVIEW_SEEDS = range(8)
LR = 2e-4
PAIR_LOSSES = ("hinge", "nsgan")


class CoGANTrainer(Trainer):
    STATE_PARTS = ("G", "D", "opt_G", "opt_D")

    @classmethod
    def fresh_config(cls, cfg: TrainConfig) -> TrainConfig:
        """The paper's learning rates and the nets' settings, written into config.json for exact resumes."""
        net = CoGANConfig.from_dict({"resolution": cfg.resolution, "img_channels": cfg.channels, **cfg.arch})
        precision = cfg.precision
        if precision == "auto":  # bf16 where it is measured faster on this machine (device.choose_precision)
            device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
            precision = choose_precision(device, precision_cache(), cfg.threads)
        return replace(cfg, arch=net.to_dict(), lr_g=cfg.lr_g or LR, lr_d=cfg.lr_d or cfg.lr_g or LR,
                       precision=precision)

    def __init__(self, cfg: TrainConfig, device: torch.device | None = None) -> None:
        cfg = self.fresh_config(cfg)
        super().__init__(cfg, device)
        self.net_cfg = CoGANConfig.from_dict(cfg.arch)
        torch.manual_seed(cfg.seed)
        self.G = CoGANGenerator(self.net_cfg).to(self.device)
        self.D = CoGANDiscriminator(self.net_cfg).to(self.device)
        self.opt_G = torch.optim.Adam(self.G.parameters(), lr=cfg.lr_g, betas=(0.5, 0.999))
        self.opt_D = torch.optim.Adam(self.D.parameters(), lr=cfg.lr_d, betas=(0.5, 0.999))
        self.data: list[torch.Tensor] = []
        self.loss = str(cfg.options.get("pair_loss") or "hinge")
        if self.loss not in PAIR_LOSSES:
            raise ValueError(f"unknown CoGAN loss {self.loss!r}; choose one of {', '.join(PAIR_LOSSES)}")
        self.ada = AdaptiveP(p=cfg.augment_p, target=cfg.ada_target)  # ada starts at --augment-p too

    def family_state(self) -> dict[str, Any]:
        return {**super().family_state(), "ada_p": self.ada.p, "ada_acc": self.ada._acc, "ada_count": self.ada._count}

    def load_family_state(self, st: dict[str, Any]) -> None:
        super().load_family_state(st)
        self.ada.p = float(st.get("ada_p", self.ada.p))
        self.ada._acc, self.ada._count = float(st.get("ada_acc", 0.0)), int(st.get("ada_count", 0))

    def _aug(self, x: torch.Tensor) -> torch.Tensor:
        return x if self.cfg.augment == "off" else augment(x, self.ada.p, self.gen)

    def extra_progress(self) -> dict[str, Any]:
        return {"augment_p": round(self.ada.p, 4)}

    def load_data(self) -> None:
        a, b, skipped = load_unpaired(Path(self.cfg.data), self.cfg.resolution, self.cfg.channels)
        for path, reason in skipped:
            log.warning("skipped %s: %s", path, reason)
        if len(a) == 0 or len(b) == 0:
            raise ValueError(f"{self.cfg.data}: CoGAN needs images in both trainA/ and trainB/ "
                             f"(found {len(a)} and {len(b)})")
        self.data = [torch.from_numpy(x).permute(0, 3, 1, 2).contiguous() for x in (a, b)]
        log.info("loaded %d %s and %d %s images from %s", len(a), self.net_cfg.domains[0], len(b),
                 self.net_cfg.domains[1], self.cfg.data)

    def _real(self, domain: int) -> torch.Tensor:
        data = self.data[domain]
        idx = torch.randint(len(data), (self.cfg.batch,), generator=self.gen)
        x = data[idx].float().div(127.5).sub(1.0)
        flip = torch.rand(self.cfg.batch, generator=self.gen) < 0.5  # the folders are unpaired: flips are free
        x[flip] = x[flip].flip(3)
        return x.to(self.device)

    def train_step(self) -> dict[str, float]:
        z = torch.randn(self.cfg.batch, self.net_cfg.z_dim, generator=self.gen).to(self.device)
        reals = (self._real(0), self._real(1))
        with autocast(self.cfg.precision, self.device):
            fakes = self.G(z)
            real_scores = [self.D(self._aug(reals[i]), i).float() for i in (0, 1)]
            loss_d = sum(d_loss(self.loss, real_scores[i], self.D(self._aug(fakes[i].detach()), i).float())
                         for i in (0, 1))
        self.opt_D.zero_grad(set_to_none=True)
        loss_d.backward()
        self.opt_D.step()
        if self.cfg.augment == "ada":
            for s in real_scores:
                self.ada.observe(s)
            if self.step % max(1, self.cfg.ada_interval) == 0:
                self.ada.update(self.cfg.batch * max(1, self.cfg.ada_interval))
        with autocast(self.cfg.precision, self.device):
            scores = [self.D(self._aug(fakes[i]), i).float() for i in (0, 1)]
        loss_g = sum(g_loss(self.loss, s) for s in scores)
        self.opt_G.zero_grad(set_to_none=True)
        loss_g.backward()
        self.opt_G.step()
        self.step += 1
        return {"loss_g": loss_g.item(), "loss_d": loss_d.item(), "d_fake_a": scores[0].mean().item(),
                "d_fake_b": scores[1].mean().item()}

    @torch.no_grad()
    def preview(self) -> Path:
        """Seeds 0–7 as the explorer draws them: each pair side by side, in eval mode."""
        z = torch.cat([z_from_seed(s, self.net_cfg.z_dim) for s in PREVIEW_SEEDS]).to(self.device)
        self.G.eval()
        img = self.G.synthesize(self.G.map(z))
        self.G.train()
        return self.write_preview(grid(to_uint8(img), cols=2))


def train_cogan(cfg: TrainConfig, resume: bool = False, progress_fn: ProgressFn | None = None,
                abort_fn: AbortFn | None = None, device: torch.device | None = None) -> RunResult:
    return train_run(CoGANTrainer, cfg, resume, progress_fn, abort_fn, device)


def export_cogan(run_dir: Path, folder: Path, model_id: str, name: str, **card_fields: Any) -> Any:
    """The run's pair generator (eval mode: batch norms' running statistics) as a library model, stored in fp16
    (half the size; the loader widens it to fp32, within 40 dB of the fp32 images: tested)."""
    def build(st: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        arch = CoGANConfig.from_dict(json.loads(st["arch"]))
        G = CoGANGenerator(arch)
        G.load_state_dict(st["G"])
        return G.half(), arch.to_dict()

    return export_generator(run_dir, folder, model_id, name, "cogan", ["explore"], build, card_fields)
