"""CycleGAN training: two ResNet generators, two PatchGANs, least-squares loss, cycle and identity
losses, and a 50-image history pool per discriminator (all of it in the checkpoint, for exact resume)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from ..data.paired import load_domains
from ..io.images import grid, save_png, to_uint8
from ..nets.cyclegan import ResnetConfig, ResnetGenerator
from ..nets.patchgan import PatchDiscriminator, init_weights, patch_layers
from .base import start_from_base
from .config import TrainConfig, option
from .loop import AbortFn, ProgressFn, RunResult, Trainer, finished_run, train_run
from .losses import adam, colour_l1, gan_loss

log = logging.getLogger("gan_studio.train")
POOL_SIZE = 50


def _to_float(x: torch.Tensor) -> torch.Tensor:
    return x.permute(0, 3, 1, 2).float().div(127.5).sub(1.0)


class ImagePool:
    """Shrivastava et al.'s history buffer: D sees a mix of current and older fakes."""

    def __init__(self, size: int = POOL_SIZE) -> None:
        self.size = size
        self.images: list[torch.Tensor] = []

    def query(self, batch: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        out = []
        for img in batch.detach():
            img = img[None]
            if len(self.images) < self.size:
                self.images.append(img.clone())
                out.append(img)
            elif float(torch.rand((), generator=gen)) < 0.5:
                i = int(torch.randint(self.size, (), generator=gen))
                out.append(self.images[i].clone())
                self.images[i] = img.clone()
            else:
                out.append(img)
        return torch.cat(out)

    def state(self) -> torch.Tensor | None:
        return torch.cat(self.images) if self.images else None

    def load(self, t: torch.Tensor | None, device: torch.device | None = None) -> None:
        self.images = [] if t is None else [x[None].to(device or x.device).clone() for x in t]


class CycleGanTrainer(Trainer):
    def __init__(self, cfg: TrainConfig, device: torch.device | None = None) -> None:
        super().__init__(cfg, device)
        self.cycle_weight = float(option(cfg, "cycle_weight"))
        self.identity_weight = float(option(cfg, "identity_weight"))  # relative to the cycle weight
        self.colour_weight = float(option(cfg, "colour_weight") or 0.0)  # on known (same-named) pairs only
        arch = {"in_channels": cfg.channels, "out_channels": cfg.channels, "n_blocks": 6, **cfg.arch}
        self.net_cfg = ResnetConfig.from_dict(arch)
        self.domains = list(cfg.arch.get("domains", ["A", "B"]))
        torch.manual_seed(cfg.seed)
        ndf = int(cfg.arch.get("ndf", 64))
        self.G_ab = init_weights(ResnetGenerator(self.net_cfg)).to(self.device)
        self.G_ba = init_weights(ResnetGenerator(self.net_cfg)).to(self.device)
        if cfg.base:
            start_from_base(cfg.base, {"generator_ab": self.G_ab, "generator_ba": self.G_ba})
        layers = patch_layers(cfg.resolution)
        self.D_a = init_weights(PatchDiscriminator(cfg.channels, ndf, layers, norm="instance")).to(self.device)
        self.D_b = init_weights(PatchDiscriminator(cfg.channels, ndf, layers, norm="instance")).to(self.device)
        lr = cfg.lr_g or 2e-4
        self.opt_G = adam(list(self.G_ab.parameters()) + list(self.G_ba.parameters()), lr)
        self.opt_D = adam(list(self.D_a.parameters()) + list(self.D_b.parameters()), cfg.lr_d or lr)
        self.pool_a, self.pool_b = ImagePool(), ImagePool()
        self.a: torch.Tensor | None = None
        self.b: torch.Tensor | None = None
        self.pairs: tuple[torch.Tensor, torch.Tensor] | None = None  # (A index, B index) of same-named files

    def load_data(self) -> None:
        cfg = self.cfg
        d = load_domains(Path(cfg.data), cfg.resolution, cfg.channels)
        for path, reason in d.skipped:
            log.warning("skipped %s: %s", path, reason)
        self.a, self.b = torch.from_numpy(d.a), torch.from_numpy(d.b)
        log.info("loaded %d A and %d B images (%d skipped) from %s", len(d.a), len(d.b), len(d.skipped), cfg.data)
        if self.colour_weight > 0:
            ia, ib = d.same_name_pairs()
            if len(ia):
                self.pairs = (torch.from_numpy(ia), torch.from_numpy(ib))
                log.info("colour loss on %d same-named A/B pairs, weight %g", len(ia), self.colour_weight)
            else:
                log.warning("no A and B files share a name: the colour loss is off (unpaired training)")

    def _sample(self, data: torch.Tensor, idx: torch.Tensor | None = None,
                flip: torch.Tensor | None = None) -> torch.Tensor:
        if idx is None:
            idx = torch.randint(len(data), (self.cfg.batch,), generator=self.gen)
        x = _to_float(data[idx])
        if flip is None:
            flip = torch.rand(self.cfg.batch, generator=self.gen) < 0.5
        x[flip] = x[flip].flip(3)
        return x.to(self.device)

    def _sample_pairs(self) -> tuple[torch.Tensor, torch.Tensor]:
        """A batch of A images and their same-named B images, flipped alike."""
        assert self.a is not None and self.b is not None and self.pairs is not None
        k = torch.randint(len(self.pairs[0]), (self.cfg.batch,), generator=self.gen)
        flip = torch.rand(self.cfg.batch, generator=self.gen) < 0.5
        return self._sample(self.a, self.pairs[0][k], flip), self._sample(self.b, self.pairs[1][k], flip)

    def train_step(self) -> dict[str, float]:
        assert self.a is not None and self.b is not None
        paired_b = None
        if self.pairs is not None:
            real_a, paired_b = self._sample_pairs()
        else:
            real_a = self._sample(self.a)
        real_b = self._sample(self.b)
        # Generators: adversarial (LSGAN) + cycle + identity.
        self.D_a.requires_grad_(False)
        self.D_b.requires_grad_(False)
        fake_b, fake_a = self.G_ab(real_a), self.G_ba(real_b)
        rec_a, rec_b = self.G_ba(fake_b), self.G_ab(fake_a)
        adv = gan_loss(self.D_b(fake_b), True, "lsgan") + gan_loss(self.D_a(fake_a), True, "lsgan")
        cycle = F.l1_loss(rec_a, real_a) + F.l1_loss(rec_b, real_b)
        loss_g = adv + self.cycle_weight * cycle
        idt = torch.zeros(())
        if self.identity_weight > 0:
            idt = F.l1_loss(self.G_ab(real_b), real_b) + F.l1_loss(self.G_ba(real_a), real_a)
            loss_g = loss_g + self.identity_weight * self.cycle_weight * idt
        colour = torch.zeros(())
        if paired_b is not None:
            colour = colour_l1(fake_b, paired_b)
            loss_g = loss_g + self.colour_weight * colour
        self.opt_G.zero_grad(set_to_none=True)
        loss_g.backward()
        self.opt_G.step()
        # Discriminators on real images and pooled fakes.
        self.D_a.requires_grad_(True)
        self.D_b.requires_grad_(True)
        pb, pa = self.pool_b.query(fake_b, self.gen), self.pool_a.query(fake_a, self.gen)
        loss_db = 0.5 * (gan_loss(self.D_b(real_b), True, "lsgan") + gan_loss(self.D_b(pb), False, "lsgan"))
        loss_da = 0.5 * (gan_loss(self.D_a(real_a), True, "lsgan") + gan_loss(self.D_a(pa), False, "lsgan"))
        self.opt_D.zero_grad(set_to_none=True)
        (loss_da + loss_db).backward()
        self.opt_D.step()
        self.step += 1
        return {"loss_g": adv.item(), "cycle": cycle.item(), "identity": idt.item(), "colour": colour.item(),
                "loss_d_a": loss_da.item(),
                "loss_d_b": loss_db.item()}

    def family_state(self) -> dict[str, Any]:
        return {"G_ab": self.G_ab.state_dict(), "G_ba": self.G_ba.state_dict(), "D_a": self.D_a.state_dict(),
                "D_b": self.D_b.state_dict(), "opt_G": self.opt_G.state_dict(), "opt_D": self.opt_D.state_dict(),
                "pool_a": self.pool_a.state(), "pool_b": self.pool_b.state(),
                "arch": json.dumps(self.net_cfg.to_dict() | {"domains": self.domains})}

    def load_family_state(self, st: dict[str, Any]) -> None:
        for name in ("G_ab", "G_ba", "D_a", "D_b", "opt_G", "opt_D"):
            getattr(self, name).load_state_dict(st[name])
        self.pool_a.load(st["pool_a"], self.device)
        self.pool_b.load(st["pool_b"], self.device)

    @torch.no_grad()
    def preview(self) -> Path:
        """Rows: A | A→B | back to A, then B | B→A | back to B, for fixed examples."""
        assert self.a is not None and self.b is not None
        tiles = []
        for data, g1, g2 in ((self.a, self.G_ab, self.G_ba), (self.b, self.G_ba, self.G_ab)):
            idx = torch.linspace(0, len(data) - 1, 4).long()
            x = _to_float(data[idx]).to(self.device)
            y = g1(x)
            z = g2(y)
            for i in range(len(idx)):
                tiles += [to_uint8(t[i:i + 1])[0] for t in (x, y, z)]
        path = self.run_dir / "previews" / f"step-{self.step:06d}.png"
        save_png(grid(tiles, cols=6), path)
        return path


def train_cyclegan(cfg: TrainConfig, resume: bool = False, progress_fn: ProgressFn | None = None,
                   abort_fn: AbortFn | None = None, device: torch.device | None = None) -> RunResult:
    return train_run(CycleGanTrainer, cfg, resume, progress_fn, abort_fn, device)


def export_cyclegan(run_dir: Path, folder: Path, model_id: str, name: str, **card_fields: Any) -> Any:
    from ..library.cards import ModelCard
    from ..library.weights import write_model

    st, cfg, training = finished_run(run_dir, card_fields)
    arch = json.loads(st["arch"])
    net_cfg = ResnetConfig.from_dict(arch)
    nets = {}
    for role, key in (("generator_ab", "G_ab"), ("generator_ba", "G_ba")):
        nets[role] = ResnetGenerator(net_cfg)
        nets[role].load_state_dict(st[key])
    card = ModelCard(id=model_id, name=name, family="cyclegan", tasks=["translate"], resolution=cfg.resolution,
                     channels=net_cfg.out_channels, architecture=net_cfg.to_dict() | {"domains": arch["domains"]},
                     files=[], training=training, **card_fields)
    return write_model(Path(folder), card, nets)
