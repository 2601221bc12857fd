"""StyleGen training loop: non-saturating loss, lazy R1, EMA, style mixing, DiffAugment + adaptive p.

Qt-free, a plain loop with ``progress_fn``/``abort_fn`` hooks (StyleGAN3's training_loop idea). Every
random draw comes from generators whose state goes into the checkpoint, so a resumed run continues
exactly as an uninterrupted one.
"""

from __future__ import annotations

import copy
import json
import logging
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from ..data.images import load_folder
from ..device import tune_allocator
from ..io.atomic import atomic_save
from ..io.images import from_uint8, grid, save_png, to_uint8
from ..nets.stylegen import Discriminator, Generator, StyleGenConfig, z_from_seed
from .augment import AdaptiveP, augment
from .checkpoint import latest_checkpoint, load_checkpoint, save_checkpoint
from .config import TrainConfig

log = logging.getLogger("gan_studio.train")
PREVIEW_SEEDS = tuple(range(16))
ProgressFn = Callable[[dict[str, Any]], None]
AbortFn = Callable[[], bool]


@dataclass
class RunResult:
    run_dir: Path
    step: int
    kimg: float
    finished: bool
    aborted: bool


class StyleGenTrainer:
    """Holds nets, optimisers and RNGs of one run; ``run()`` trains until the budget or an abort."""

    def __init__(self, cfg: TrainConfig, device: torch.device | None = None) -> None:
        self.cfg = cfg
        self.device = device or torch.device("cpu")
        self.run_dir = Path(cfg.out)
        self.memory_format = torch.channels_last if self.device.type == "cpu" else torch.contiguous_format
        arch = {"resolution": cfg.resolution, "img_channels": cfg.channels, **cfg.arch}
        self.net_cfg = StyleGenConfig.from_dict(arch)
        torch.manual_seed(cfg.seed)
        self.G = Generator(self.net_cfg).to(self.device)
        self.D = Discriminator(self.net_cfg).to(self.device)
        if cfg.base:
            self._transfer_from(cfg.base)
        self.G_ema = copy.deepcopy(self.G).eval().requires_grad_(False)
        ratio = cfg.r1_interval / (cfg.r1_interval + 1)
        self.opt_G = torch.optim.Adam(self.G.parameters(), lr=cfg.lr_g, betas=(0.0, 0.99), eps=1e-8)
        self.opt_D = torch.optim.Adam(self.D.parameters(), lr=cfg.lr_d * ratio,
                                      betas=(0.0, 0.99**ratio), eps=1e-8)
        self.gen = torch.Generator().manual_seed(cfg.seed)
        self.ada = AdaptiveP(p=cfg.augment_p, target=cfg.ada_target)
        self.step = 0
        self.elapsed_s = 0.0
        self.data: torch.Tensor | None = None

    # -- setup -------------------------------------------------------------------------------------
    def _transfer_from(self, model_id: str) -> None:
        from ..library.registry import Library

        base = Library().load(model_id)
        if base.cfg.to_dict() | {"extra": {}} != self.net_cfg.to_dict() | {"extra": {}}:
            raise ValueError(f"base model {model_id} has a different architecture; pick matching settings")
        self.G.load_state_dict(base.state_dict())

    def load_data(self) -> None:
        arr, scan = load_folder(Path(self.cfg.data), self.cfg.resolution, self.cfg.channels)
        for path, reason in scan.skipped:
            log.warning("skipped %s: %s", path, reason)
        self.data = torch.from_numpy(arr).permute(0, 3, 1, 2).contiguous()  # uint8 NCHW
        log.info("loaded %d images (%d skipped) from %s", len(arr), len(scan.skipped), self.cfg.data)

    # -- state ---------------------------------------------------------------------------------------
    def state(self) -> dict[str, Any]:
        return {
            "G": self.G.state_dict(), "D": self.D.state_dict(), "G_ema": self.G_ema.state_dict(),
            "opt_G": self.opt_G.state_dict(), "opt_D": self.opt_D.state_dict(),
            "step": self.step, "elapsed_s": self.elapsed_s,
            "ada": {"p": self.ada.p, "acc": self.ada._acc, "count": self.ada._count},
            "rng_cpu": torch.get_rng_state(), "rng_gen": self.gen.get_state(),
            "arch": json.dumps(self.net_cfg.to_dict()),
        }

    def load_state(self, st: dict[str, Any]) -> None:
        self.G.load_state_dict(st["G"])
        self.D.load_state_dict(st["D"])
        self.G_ema.load_state_dict(st["G_ema"])
        self.opt_G.load_state_dict(st["opt_G"])
        self.opt_D.load_state_dict(st["opt_D"])
        self.step = int(st["step"])
        self.elapsed_s = float(st["elapsed_s"])
        self.ada.p, self.ada._acc, self.ada._count = st["ada"]["p"], st["ada"]["acc"], st["ada"]["count"]
        torch.set_rng_state(st["rng_cpu"])
        self.gen.set_state(st["rng_gen"])

    @property
    def kimg(self) -> float:
        return self.step * self.cfg.batch / 1000.0

    # -- one step ----------------------------------------------------------------------------------
    def _real_batch(self) -> torch.Tensor:
        assert self.data is not None
        idx = torch.randint(len(self.data), (self.cfg.batch,), generator=self.gen)
        return from_uint8(self.data[idx].permute(0, 2, 3, 1).numpy()).to(self.device)

    def _aug(self, x: torch.Tensor) -> torch.Tensor:
        return augment(x, self.ada.p, self.gen) if self.cfg.augment != "off" else x

    def _ws(self, n: int) -> torch.Tensor:
        z = torch.randn(n, self.net_cfg.z_dim, generator=self.gen).to(self.device)
        ws = self.G.map(z)
        if self.cfg.style_mixing > 0 and float(torch.rand([], generator=self.gen)) < self.cfg.style_mixing:
            cutoff = int(torch.randint(1, self.G.num_ws, (), generator=self.gen))
            z2 = torch.randn(n, self.net_cfg.z_dim, generator=self.gen).to(self.device)
            ws[:, cutoff:] = self.G.map(z2)[:, cutoff:]
        return ws

    def _fake(self, n: int) -> torch.Tensor:
        return self.G.synthesize(self._ws(n), "random", memory_format=self.memory_format)

    def train_step(self) -> dict[str, float]:
        cfg = self.cfg
        n = cfg.batch
        # Generator: non-saturating logistic loss.
        self.G.requires_grad_(True)
        self.D.requires_grad_(False)
        with torch.no_grad():
            w_mean = self.G.mapping(torch.randn(n, self.net_cfg.z_dim, generator=self.gen)).mean(0)
            self.G.mapping.w_avg.lerp_(w_mean, 1 - 0.995)
        fake = self._fake(n)
        loss_g = F.softplus(-self.D(self._aug(fake), self.memory_format)).mean()
        self.opt_G.zero_grad(set_to_none=True)
        loss_g.backward()
        self.opt_G.step()
        # Discriminator: logistic loss on fake and real, lazy R1 on real every r1_interval steps.
        self.G.requires_grad_(False)
        self.D.requires_grad_(True)
        with torch.no_grad():
            fake = self._fake(n)
        real = self._real_batch()
        d_fake = self.D(self._aug(fake), self.memory_format)
        real_aug = self._aug(real)
        do_r1 = cfg.r1_gamma > 0 and self.step % cfg.r1_interval == 0
        real_aug.requires_grad_(do_r1)
        d_real = self.D(real_aug, self.memory_format)
        self.ada.observe(d_real)
        loss_d = F.softplus(d_fake).mean() + F.softplus(-d_real).mean()
        r1 = torch.zeros([])
        if do_r1:
            (grad,) = torch.autograd.grad(d_real.sum(), real_aug, create_graph=True)
            r1 = grad.square().sum(dim=(1, 2, 3)).mean()
            loss_d = loss_d + r1 * (cfg.r1_gamma / 2) * cfg.r1_interval
        self.opt_D.zero_grad(set_to_none=True)
        loss_d.backward()
        self.opt_D.step()
        # EMA generator and adaptive augmentation.
        self._update_ema()
        self.step += 1
        if cfg.augment == "ada" and self.step % cfg.ada_interval == 0:
            self.ada.update(cfg.ada_interval * n)
        return {"loss_g": loss_g.item(), "loss_d": loss_d.item(), "r1": r1.item(),
                "d_real": d_real.mean().item(), "d_fake": d_fake.mean().item()}

    @torch.no_grad()
    def _update_ema(self) -> None:
        ema_nimg = self.cfg.ema_kimg * 1000
        if self.cfg.ema_rampup:
            ema_nimg = min(ema_nimg, self.kimg * 1000 * self.cfg.ema_rampup + 1)
        beta = 0.5 ** (self.cfg.batch / max(ema_nimg, 1e-8))
        for p_ema, p in zip(self.G_ema.parameters(), self.G.parameters(), strict=True):
            p_ema.lerp_(p, 1 - beta)
        for b_ema, b in zip(self.G_ema.buffers(), self.G.buffers(), strict=True):
            b_ema.copy_(b)

    # -- outputs -------------------------------------------------------------------------------------
    @torch.no_grad()
    def preview(self) -> Path:
        z = torch.cat([z_from_seed(s, self.net_cfg.z_dim) for s in PREVIEW_SEEDS]).to(self.device)
        img = self.G_ema.synthesize(self.G_ema.map(z), "const")
        path = self.run_dir / "previews" / f"step-{self.step:06d}.png"
        save_png(grid(to_uint8(img), cols=4), path)
        return path

    def checkpoint(self) -> Path:
        return save_checkpoint(self.run_dir, self.step, self.state(), keep=self.cfg.keep_checkpoints)

    # -- the loop ------------------------------------------------------------------------------------
    def run(self, progress_fn: ProgressFn | None = None, abort_fn: AbortFn | None = None) -> RunResult:
        cfg = self.cfg
        if self.data is None:
            self.load_data()
        budget_s = cfg.minutes * 60 if cfg.minutes else math.inf
        start = acc_from = time.monotonic()
        t_progress = t_ckpt = t_preview = start
        window_start, window_step = start, self.step
        aborted = False
        stats: dict[str, float] = {}
        while True:
            done_kimg = cfg.kimg is not None and self.kimg >= cfg.kimg
            done_time = time.monotonic() - start >= budget_s
            if done_kimg or done_time:
                break
            if abort_fn is not None and abort_fn():
                aborted = True
                break
            stats = self.train_step()
            now = time.monotonic()
            if not all(math.isfinite(v) for v in stats.values()):
                raise FloatingPointError(f"training diverged at step {self.step}: {stats}")
            if now - t_progress >= 10 or self.step == 1:
                rate = (self.step - window_step) * cfg.batch / max(now - window_start, 1e-6)
                window_start, window_step = now, self.step
                self._report(stats, rate, start, budget_s, progress_fn)
                t_progress = now
            if now - t_preview >= cfg.preview_every_s:
                self.preview()
                t_preview = now
            if now - t_ckpt >= cfg.checkpoint_every_s:
                acc_from = self._account(acc_from)
                self.checkpoint()
                t_ckpt = time.monotonic()
        self._account(acc_from)
        self.preview()
        self.checkpoint()
        finished = not aborted
        event = {"event": "aborted" if aborted else "finished", "step": self.step, "kimg": self.kimg,
                 "elapsed_s": round(self.elapsed_s, 1)}
        self._emit(event, progress_fn)
        return RunResult(self.run_dir, self.step, self.kimg, finished, aborted)

    def _account(self, since: float) -> float:
        now = time.monotonic()
        self.elapsed_s += now - since
        return now

    def _report(self, stats: dict[str, float], rate: float, start: float, budget_s: float,
                progress_fn: ProgressFn | None) -> None:
        eta = None
        if self.cfg.kimg is not None and rate > 0:
            eta = (self.cfg.kimg - self.kimg) * 1000 / rate
        if math.isfinite(budget_s):
            left = budget_s - (time.monotonic() - start)
            eta = left if eta is None else min(eta, left)
        event = {"event": "progress", "step": self.step, "kimg": round(self.kimg, 3),
                 "images_per_s": round(rate, 2), "eta_s": None if eta is None else round(eta, 1),
                 "augment_p": round(self.ada.p, 4), **{k: round(v, 5) for k, v in stats.items()}}
        self._emit(event, progress_fn)

    def _emit(self, event: dict[str, Any], progress_fn: ProgressFn | None) -> None:
        event = {"time": round(time.time(), 3), **event}
        with open(self.run_dir / "progress.jsonl", "a", encoding="utf-8") as fh:
            fh.write(json.dumps(event) + "\n")
        if progress_fn is not None:
            progress_fn(event)


def train_stylegen(cfg: TrainConfig, resume: bool = False, progress_fn: ProgressFn | None = None,
                   abort_fn: AbortFn | None = None, device: torch.device | None = None) -> RunResult:
    """Train (or resume) a StyleGen run in ``cfg.out``."""
    tune_allocator()
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    run_dir = Path(cfg.out)
    run_dir.mkdir(parents=True, exist_ok=True)
    ckpt = latest_checkpoint(run_dir) if resume else None
    if resume:
        if ckpt is None:
            raise FileNotFoundError(f"nothing to resume in {run_dir}: no checkpoint")
        saved = TrainConfig.load(run_dir)
        cfg = replace(saved, out=str(run_dir), kimg=cfg.kimg if cfg.kimg is not None else saved.kimg,
                      minutes=cfg.minutes if cfg.minutes is not None else saved.minutes)
    cfg.save(run_dir)
    trainer = StyleGenTrainer(cfg, device)
    if ckpt is not None:
        trainer.load_state(load_checkpoint(ckpt))
        log.info("resumed from %s at step %d", ckpt, trainer.step)
    return trainer.run(progress_fn, abort_fn)


def export_run(run_dir: Path, folder: Path, model_id: str, name: str, with_train_state: bool = False,
               **card_fields: Any) -> Any:
    """Write the EMA generator of a run's latest checkpoint as a library model (card + safetensors).

    ``with_train_state`` also bundles the checkpoint and config, so `train --continue-model` can resume it.
    """
    from ..library.cards import ModelCard
    from ..library.families import write_model

    ckpt = latest_checkpoint(run_dir)
    if ckpt is None:
        raise FileNotFoundError(f"no checkpoint in {run_dir}")
    st = load_checkpoint(ckpt)
    cfg = TrainConfig.load(run_dir)
    arch = StyleGenConfig.from_dict(json.loads(st["arch"]))
    G = Generator(arch)
    G.load_state_dict(st["G_ema"])
    training = {"config": asdict(cfg), "step": int(st["step"]), "kimg": int(st["step"]) * cfg.batch / 1000,
                "wall_minutes": round(float(st["elapsed_s"]) / 60, 1), "augment_p": st["ada"]["p"]}
    training.update(card_fields.pop("training", {}))
    card = ModelCard(id=model_id, name=name, family="stylegen", tasks=["explore", "mix"],
                     resolution=arch.resolution, channels=arch.img_channels, architecture=arch.to_dict(),
                     files=[], training=training, **card_fields)
    card = write_model(Path(folder), card, {"generator": G})
    if with_train_state:
        import shutil

        from ..library.cards import WeightFile, sha256_file

        for role, src, name in (("train-state", ckpt, "train-state.pt"),
                                ("train-config", Path(run_dir) / "config.json", "train-config.json")):
            atomic_save(Path(folder) / name, lambda tmp, src=src: shutil.copyfile(src, tmp))
            card.files.append(WeightFile(path=name, sha256=sha256_file(Path(folder) / name), role=role))
        card.write(Path(folder))
    return card
