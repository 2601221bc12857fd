"""A tiny deterministic family for the DDP test: least squares on a fixed global batch each step, each
replica taking its shard, so DDP must reproduce the single-process run up to float rounding.
Run directly (one process) or under torchrun: ``python tests/ddp_linear.py OUT``."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import torch
from torch import nn

from gan_studio.core.training.config import TrainConfig
from gan_studio.core.training.ddp import exit_worker, is_distributed
from gan_studio.core.training.loop import Trainer, train_run


class LinearTrainer(Trainer):
    def __init__(self, cfg: TrainConfig, device: torch.device | None = None) -> None:
        super().__init__(cfg, device)
        torch.manual_seed(cfg.seed)
        self.net = nn.Linear(8, 1)
        self.opt = torch.optim.Adam(self.net.parameters(), lr=0.05)
        g = torch.Generator().manual_seed(123)
        self.x = torch.randn(256, 8, generator=g)
        self.y = self.x @ torch.arange(8.0)[:, None] + 0.1 * torch.randn(256, 1, generator=g)

    def load_data(self) -> None:
        pass

    def train_step(self) -> dict[str, float]:
        world, rank = self.world_size, getattr(self, "rank", 0)
        glob = self.cfg.batch * world
        idx = (torch.arange(glob) + self.step * glob) % len(self.x)
        idx = idx[rank * self.cfg.batch:(rank + 1) * self.cfg.batch]
        loss = (self.net(self.x[idx]) - self.y[idx]).square().mean()
        self.opt.zero_grad()
        loss.backward()
        self.opt.step()
        self.step += 1
        return {"loss": loss.item()}

    def family_state(self) -> dict[str, Any]:
        return {"net": self.net.state_dict(), "opt": self.opt.state_dict()}

    def load_family_state(self, st: dict[str, Any]) -> None:
        self.net.load_state_dict(st["net"])
        self.opt.load_state_dict(st["opt"])

    def preview(self) -> Path:
        return self.run_dir


if __name__ == "__main__":
    train_run(LinearTrainer, TrainConfig(family="linear", out=sys.argv[1], batch=16, kimg=0.48, threads=1,
                                         preview_every_s=1e9, checkpoint_every_s=1e9))
    if is_distributed():
        exit_worker(0)
