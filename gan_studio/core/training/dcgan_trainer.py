"""DCGAN training with the paper's settings: Adam(2e-4, β1 0.5), the non-saturating loss, no augmentation.

It runs through the shared loop (budget, abort, JSONL progress, previews, atomic checkpoints, exact resume,
DDP), so it is the baseline every other recipe is compared with at equal wall time.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from ..data.images import load_folder
from ..io.images import grid, save_png, to_uint8
from ..nets.dcgan import DCGANConfig, DCGANDiscriminator, DCGANGenerator, init_weights
from ..nets.stylegen import z_from_seed
from .config import TrainConfig
from .loop import AbortFn, ProgressFn, RunResult, Trainer, finished_run, train_run

log = logging.getLogger("gan_studio.train")
PREVIEW_SEEDS = range(16)


class DCGANTrainer(Trainer):
    STATE_PARTS = ("G", "D", "opt_G", "opt_D")

    def __init__(self, cfg: TrainConfig, device: torch.device | None = None) -> None:
        super().__init__(cfg, device)
        self.net_cfg = DCGANConfig.from_dict({"resolution": cfg.resolution, "img_channels": cfg.channels, **cfg.arch})
        torch.manual_seed(cfg.seed)
        self.G = init_weights(DCGANGenerator(self.net_cfg)).to(self.device)
        self.D = init_weights(DCGANDiscriminator(self.net_cfg)).to(self.device)
        betas = (0.5, 0.999)
        self.opt_G = torch.optim.Adam(self.G.parameters(), lr=cfg.lr_g or 2e-4, betas=betas)
        self.opt_D = torch.optim.Adam(self.D.parameters(), lr=cfg.lr_d or 2e-4, betas=betas)
        self.data: torch.Tensor | None = None

    def load_data(self) -> None:
        arr, scan = load_folder(Path(self.cfg.data), self.cfg.resolution, self.cfg.channels)
        for path, reason in scan.skipped:
            log.warning("skipped %s: %s", path, reason)
        if len(arr) == 0:
            raise ValueError(f"no usable images in {self.cfg.data}")
        self.data = torch.from_numpy(arr).permute(0, 3, 1, 2).contiguous()
        log.info("loaded %d images from %s", len(self.data), self.cfg.data)

    def _real(self) -> torch.Tensor:
        assert self.data is not None
        idx = torch.randint(len(self.data), (self.cfg.batch,), generator=self.gen)
        return self.data[idx].to(self.device).float().div(127.5).sub(1.0)

    def _z(self) -> torch.Tensor:
        return torch.randn(self.cfg.batch, self.net_cfg.z_dim, generator=self.gen).to(self.device)

    def train_step(self) -> dict[str, float]:
        real, fake = self._real(), self.G(self._z())
        d_real, d_fake = self.D(real), self.D(fake.detach())
        loss_d = F.softplus(-d_real).mean() + F.softplus(d_fake).mean()  # BCE with logits, real 1 / fake 0
        self.opt_D.zero_grad(set_to_none=True)
        loss_d.backward()
        self.opt_D.step()
        loss_g = F.softplus(-self.D(fake)).mean()  # non-saturating: maximise log D(G(z))
        self.opt_G.zero_grad(set_to_none=True)
        loss_g.backward()
        self.opt_G.step()
        self.step += 1
        return {"loss_g": loss_g.item(), "loss_d": loss_d.item(), "d_real": d_real.mean().item(),
                "d_fake": d_fake.mean().item()}

    @torch.no_grad()
    def preview(self) -> Path:
        """The explorer's seeds 0–15 as it will draw them (eval mode: batch norm's running statistics)."""
        z = torch.cat([z_from_seed(s, self.net_cfg.z_dim) for s in PREVIEW_SEEDS]).to(self.device)
        self.G.eval()
        img = self.G(z)
        self.G.train()
        path = self.run_dir / "previews" / f"step-{self.step:06d}.png"
        save_png(grid(to_uint8(img), cols=8), path)
        return path


def train_dcgan(cfg: TrainConfig, resume: bool = False, progress_fn: ProgressFn | None = None,
                abort_fn: AbortFn | None = None, device: torch.device | None = None) -> RunResult:
    return train_run(DCGANTrainer, cfg, resume, progress_fn, abort_fn, device)


def export_dcgan(run_dir: Path, folder: Path, model_id: str, name: str, **card_fields: Any) -> Any:
    """The run's generator (in eval mode: its batch norms' running statistics) as a library model."""
    from ..library.cards import ModelCard
    from ..library.weights import write_model

    card_fields.pop("with_train_state", None)
    st, cfg, training = finished_run(run_dir, card_fields)
    arch = DCGANConfig.from_dict(json.loads(st["arch"]))
    G = DCGANGenerator(arch)
    G.load_state_dict(st["G"])
    card = ModelCard(id=model_id, name=name, family="dcgan", tasks=["explore"], resolution=arch.resolution,
                     channels=arch.img_channels, architecture=arch.to_dict(), files=[], training=training,
                     **card_fields)
    return write_model(Path(folder), card, {"generator": G})
