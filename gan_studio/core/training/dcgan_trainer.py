"""DCGAN training: by default the paper's settings (Adam(2e-4, β1 0.5), the non-saturating loss, no
augmentation); the classic recipes (WGAN, WGAN-GP, hinge, SAGAN, orthogonal regularisation, class-conditional
CGAN) are options of the family, resolved in dcgan_recipes.py.

It runs through the shared loop (budget, abort, JSONL progress, previews, atomic checkpoints, exact resume,
DDP), so it is the baseline every other recipe is compared with at equal wall time.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import torch

from ..data.images import load_folder
from ..io.images import grid, to_uint8
from ..nets.dcgan import DCGANConfig, DCGANDiscriminator, DCGANGenerator
from ..nets.stylegen import z_from_seed
from .config import TrainConfig
from .dcgan_recipes import Recipe, add_ortho_grads, clip_weights, d_loss, g_loss, gradient_penalty, resolve
from .loop import AbortFn, ProgressFn, RunResult, Trainer, export_generator, train_run

log = logging.getLogger("gan_studio.train")
PREVIEW_SEEDS = range(16)


class DCGANTrainer(Trainer):
    STATE_PARTS = ("G", "D", "opt_G", "opt_D")

    @classmethod
    def fresh_config(cls, cfg: TrainConfig) -> TrainConfig:
        return resolve(cfg)

    def __init__(self, cfg: TrainConfig, device: torch.device | None = None) -> None:
        cfg = resolve(cfg)  # a run from before the recipes resolves to the paper's DCGAN, as it trained
        super().__init__(cfg, device)
        self.net_cfg = DCGANConfig.from_dict({"resolution": cfg.resolution, "img_channels": cfg.channels, **cfg.arch})
        self.recipe = Recipe.from_options(cfg.options)
        torch.manual_seed(cfg.seed)
        self.G = DCGANGenerator(self.net_cfg).to(self.device)  # the paper's N(0, 0.02) init happens inside
        self.D = DCGANDiscriminator(self.net_cfg).to(self.device)
        self.opt_G = self.recipe.optimizer_for(self.G.parameters(), cfg.lr_g)
        self.opt_D = self.recipe.optimizer_for(self.D.parameters(), cfg.lr_d)
        self.data: torch.Tensor | None = None
        self.labels: torch.Tensor | None = None

    def load_data(self) -> None:
        if self.net_cfg.classes:
            from ..data.classes import load_classes

            arr, labels, scan = load_classes(Path(self.cfg.data), self.cfg.resolution, self.cfg.channels,
                                             self.net_cfg.classes)
            self.labels = torch.from_numpy(labels)
        else:
            arr, scan = load_folder(Path(self.cfg.data), self.cfg.resolution, self.cfg.channels)
        for path, reason in scan.skipped:
            log.warning("skipped %s: %s", path, reason)
        if len(arr) == 0:
            raise ValueError(f"no usable images in {self.cfg.data}")
        self.data = torch.from_numpy(arr).permute(0, 3, 1, 2).contiguous()
        log.info("loaded %d images from %s", len(self.data), self.cfg.data)

    def _real(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        """A batch of real images (and their labels when conditional)."""
        assert self.data is not None
        idx = torch.randint(len(self.data), (self.cfg.batch,), generator=self.gen)
        y = None if self.labels is None else self.labels[idx].to(self.device)
        return self.data[idx].to(self.device).float().div(127.5).sub(1.0), y

    def _z(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Latents (and uniformly drawn classes when conditional) for a fake batch."""
        z = torch.randn(self.cfg.batch, self.net_cfg.z_dim, generator=self.gen).to(self.device)
        if not self.net_cfg.classes:
            return z, None
        return z, torch.randint(self.net_cfg.num_classes, (self.cfg.batch,), generator=self.gen).to(self.device)

    def train_step(self) -> dict[str, float]:
        """n_critic discriminator steps, then one generator step on the last critic step's fakes."""
        r = self.recipe
        stats: dict[str, float] = {}
        for i in range(r.n_critic):
            (real, y_real), (z, y_fake) = self._real(), self._z()
            with torch.set_grad_enabled(i == r.n_critic - 1):
                fake = self.G(z, y_fake)
            d_real, d_fake = self.D(real, y_real), self.D(fake.detach(), y_fake)
            loss_d = d_loss(r.loss, d_real, d_fake)
            if r.loss == "wgan-gp":
                gp = gradient_penalty(self.D, real, fake.detach(), y_real, self.gen)
                loss_d = loss_d + r.gp_weight * gp
                stats["gp"] = gp.item()
            self.opt_D.zero_grad(set_to_none=True)
            loss_d.backward()
            self.opt_D.step()
            if r.loss == "wgan":
                clip_weights(self.D, r.clip)
        loss_g = g_loss(r.loss, self.D(fake, y_fake))
        self.opt_G.zero_grad(set_to_none=True)
        loss_g.backward()
        if r.ortho_reg:
            add_ortho_grads(self.G, r.ortho_reg)
        self.opt_G.step()
        self.step += 1
        return {"loss_g": loss_g.item(), "loss_d": loss_d.item(), "d_real": d_real.mean().item(),
                "d_fake": d_fake.mean().item(), **stats}

    @torch.no_grad()
    def preview(self) -> Path:
        """The explorer's seeds 0–15 as it will draw them (eval mode: batch norm's running statistics)."""
        z = torch.cat([z_from_seed(s, self.net_cfg.z_dim) for s in PREVIEW_SEEDS]).to(self.device)
        y = None  # a conditional run: the classes in turn along each row
        if self.net_cfg.classes:
            y = (torch.arange(len(z)) % self.net_cfg.num_classes).to(self.device)
        self.G.eval()
        img = self.G(z, y)
        self.G.train()
        return self.write_preview(grid(to_uint8(img), cols=8))


def train_dcgan(cfg: TrainConfig, resume: bool = False, progress_fn: ProgressFn | None = None,
                abort_fn: AbortFn | None = None, device: torch.device | None = None) -> RunResult:
    return train_run(DCGANTrainer, cfg, resume, progress_fn, abort_fn, device)


def export_dcgan(run_dir: Path, folder: Path, model_id: str, name: str, **card_fields: Any) -> Any:
    """The run's generator (in eval mode: its batch norms' running statistics) as a library model."""
    def build(st: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
        arch = DCGANConfig.from_dict(json.loads(st["arch"]))
        G = DCGANGenerator(arch)
        G.load_state_dict(st["G"])
        return G, arch.to_dict()

    return export_generator(run_dir, folder, model_id, name, "dcgan", ["explore"], build, card_fields)
