"""StyleGen training loop: non-saturating loss, lazy R1, EMA, style mixing, DiffAugment + adaptive p.

Qt-free, a plain loop with ``progress_fn``/``abort_fn`` hooks (StyleGAN3's training_loop idea). Every
random draw comes from generators whose state goes into the checkpoint, so a resumed run continues
exactly as an uninterrupted one.
"""

from __future__ import annotations

import copy
import json
import logging
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from ..data.images import load_folder
from ..io.atomic import atomic_save
from ..io.images import grid, save_png, to_uint8
from ..nets.stylegen import Discriminator, Generator, StyleGenConfig, z_from_seed
from .augment import AdaptiveP, augment
from .checkpoint import latest_checkpoint, load_checkpoint
from .config import TrainConfig
from .loop import AbortFn, ProgressFn, RunResult, Trainer, train_run

log = logging.getLogger("gan_studio.train")
PREVIEW_SEEDS = tuple(range(16))


class StyleGenTrainer(Trainer):
    """Nets, optimisers and RNGs of one StyleGen run; the shared loop in ``loop.py`` drives it."""

    def __init__(self, cfg: TrainConfig, device: torch.device | None = None) -> None:
        super().__init__(cfg, device)
        self.memory_format = torch.channels_last if self.device.type == "cpu" else torch.contiguous_format
        arch = {"resolution": cfg.resolution, "img_channels": cfg.channels, **cfg.arch}
        self.net_cfg = StyleGenConfig.from_dict(arch)
        torch.manual_seed(cfg.seed)
        G, D = self.build_nets()
        self.G, self.D = G.to(self.device), D.to(self.device)
        if cfg.base:
            self._transfer_from(cfg.base)
        self.G_ema = copy.deepcopy(self.G).eval().requires_grad_(False)
        ratio = cfg.r1_interval / (cfg.r1_interval + 1)
        self.opt_G = torch.optim.Adam(self.G.parameters(), lr=cfg.lr_g or 0.0025, betas=(0.0, 0.99), eps=1e-8)
        self.opt_D = torch.optim.Adam(self._trainable_d(), lr=(cfg.lr_d or 0.0025) * ratio,
                                      betas=(0.0, 0.99**ratio), eps=1e-8)
        self.ada = AdaptiveP(p=cfg.augment_p, target=cfg.ada_target)
        self.data: torch.Tensor | None = None

    # -- setup -------------------------------------------------------------------------------------
    def build_nets(self) -> tuple[torch.nn.Module, torch.nn.Module]:
        """Generator and discriminator of this family (conditional families override)."""
        return Generator(self.net_cfg), Discriminator(self.net_cfg)

    def _transfer_from(self, model_id: str) -> None:
        from ..library.registry import Library

        base = Library().load(model_id)
        base = base["generator"] if isinstance(base, dict) else base
        own = self.G.state_dict()
        take = {k: v for k, v in base.state_dict().items() if k in own and own[k].shape == v.shape}
        synth = [k for k in own if k.startswith("synthesis.")]
        if not synth or any(k not in take for k in synth):
            raise ValueError(f"base model {model_id} has a different architecture; pick matching settings")
        # Same-family bases transfer whole; a conditional base (e.g. the age model) gives its synthesis
        # network, and the mapping layers whose shapes match.
        self.G.load_state_dict(take, strict=False)
        log.info("transferred %d of %d generator tensors from %s", len(take), len(own), model_id)
        self._transfer_d(Library().card(model_id))

    def _transfer_d(self, card: Any) -> None:
        """Start D from the base's saved discriminator when the card ships its training state (Freeze-D
        keeps base features only if there are base features to keep); otherwise D starts fresh."""
        from ..library.cards import CardError

        try:
            st = load_checkpoint(card.file_for("train-state"))
            self.D.load_state_dict(st["D"])
        except (CardError, OSError, KeyError, RuntimeError) as exc:
            log.info("%s: discriminator starts fresh (%s)", card.id, exc)

    def _trainable_d(self) -> list[torch.nn.Parameter]:
        """Freeze-D (Mo et al. 2020): the first ``freeze_d`` blocks (fromrgb with the first) never update, so
        a fine-tune on few images keeps the base discriminator's low-level features. Frozen weights stay out
        of the optimiser (train_step toggles requires_grad, so that cannot be the switch)."""
        n = self.cfg.freeze_d
        if n <= 0:
            return list(self.D.parameters())
        frozen = {id(p) for p in self.D.fromrgb.parameters()}
        for block in list(self.D.blocks)[:n]:
            frozen |= {id(p) for p in block.parameters()}
        return [p for p in self.D.parameters() if id(p) not in frozen]

    def load_data(self) -> None:
        arr, scan = load_folder(Path(self.cfg.data), self.cfg.resolution, self.cfg.channels)
        for path, reason in scan.skipped:
            log.warning("skipped %s: %s", path, reason)
        self.data = torch.from_numpy(arr).permute(0, 3, 1, 2).contiguous().to(self.device)  # uint8 NCHW
        log.info("loaded %d images (%d skipped) from %s", len(arr), len(scan.skipped), self.cfg.data)

    # -- state ---------------------------------------------------------------------------------------
    def family_state(self) -> dict[str, Any]:
        return {
            "G": self.G.state_dict(), "D": self.D.state_dict(), "G_ema": self.G_ema.state_dict(),
            "opt_G": self.opt_G.state_dict(), "opt_D": self.opt_D.state_dict(),
            "ada": {"p": self.ada.p, "acc": self.ada._acc, "count": self.ada._count},
            "arch": json.dumps(self.net_cfg.to_dict()),
        }

    def load_family_state(self, st: dict[str, Any]) -> None:
        self.G.load_state_dict(st["G"])
        self.D.load_state_dict(st["D"])
        self.G_ema.load_state_dict(st["G_ema"])
        self.opt_G.load_state_dict(st["opt_G"])
        self.opt_D.load_state_dict(st["opt_D"])
        self.ada.p, self.ada._acc, self.ada._count = st["ada"]["p"], st["ada"]["acc"], st["ada"]["count"]

    def extra_progress(self) -> dict[str, Any]:
        return {"augment_p": round(self.ada.p, 4)}

    # -- one step ----------------------------------------------------------------------------------
    def _real_batch(self) -> torch.Tensor:
        assert self.data is not None
        idx = torch.randint(len(self.data), (self.cfg.batch,), generator=self.gen)
        return self.data[idx.to(self.data.device)].float() / 127.5 - 1.0

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
            w_mean = self.G.mapping(torch.randn(n, self.net_cfg.z_dim, generator=self.gen).to(self.device)).mean(0)
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



def train_stylegen(cfg: TrainConfig, resume: bool = False, progress_fn: ProgressFn | None = None,
                   abort_fn: AbortFn | None = None, device: torch.device | None = None) -> RunResult:
    """Train (or resume) a StyleGen run in ``cfg.out``."""
    return train_run(StyleGenTrainer, cfg, resume, progress_fn, abort_fn, device)


def export_run(run_dir: Path, folder: Path, model_id: str, name: str, with_train_state: bool = False,
               **card_fields: Any) -> Any:
    """Write the EMA generator of a run's latest checkpoint as a library model (card + safetensors).

    ``with_train_state`` also bundles the checkpoint and config, so `train --continue-model` can resume it.
    """
    from ..library.cards import ModelCard
    from ..library.weights import write_model

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
