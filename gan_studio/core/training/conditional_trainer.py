"""Conditional StyleGen training, shared by the age family (age_trainer.py) and the text family (text_trainer.py).

Both reuse StyleGen's loop (non-saturating loss, lazy R1, EMA, style mixing, DiffAugment + adaptive p) and
add a condition: fakes get conditions drawn from the data's own distribution, the discriminator scores
(image, condition) pairs, and a matching-aware term counts a real image with a mismatched condition as
fake, so the generator cannot ignore the condition. The text family adds conditioning augmentation (KL),
StackGAN's own Stage I generator by default (``"stage1": "stylegen"`` keeps a conditional StyleGen) and
Stage II, a refiner that takes Stage I's image and the sentence again to twice the resolution.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from ..nets.conditional import ConditionalDiscriminator, ConditionalGenerator, ConditionConfig, kl_loss
from ..nets.stackgan import Refiner, RefinerConfig, text_generator
from ..nets.stylegen import StyleGenConfig
from .config import TrainConfig, option
from .loop import finished_run
from .losses import layout_l1, mode_seeking
from .stylegen_trainer import StyleGenTrainer

log = logging.getLogger("gan_studio.train")
PREVIEW_AGES = (0.0, 1.0, 2.0, 3.0)
PREVIEW_PROMPTS = ("red heart", "smiling cat", "a tree", "old man with white hair", "a car", "pizza",
                   "a blue fish", "a flag")


class ConditionalTrainer(StyleGenTrainer):
    """StyleGen with a condition vector per image; subclasses say where conditions come from."""

    mismatch_weight = 0.5
    kl_weight = 0.0
    # MSGAN's mode-seeking term: pairs with one condition and two z are pushed apart in image space
    # (relative to their z distance), so seeds vary instead of collapsing to one image per condition.
    mode_seeking_weight = 0.0
    mode_seeking_target = 0.2

    def __init__(self, cfg: TrainConfig, device: torch.device | None = None) -> None:
        self.cond_cfg = self.condition_config(cfg)
        self.conds: torch.Tensor | None = None  # [N, K, c_dim]: K phrasings per image (K = 1 for ages)
        self.weights: torch.Tensor | None = None  # sampling weight per image (class balance)
        self.phrasing: torch.Tensor | None = None  # [N, K] draw weight per phrasing; None: uniform
        # The family's options (core/families/_conditional.py); None, a new run's unset weight, is 0.
        self.layout_weight = option(cfg, "layout_weight") or 0.0
        self.imle_weight = option(cfg, "imle_weight") or 0.0
        self.imle_samples = int(option(cfg, "imle_samples"))
        super().__init__(cfg, device)

    def condition_config(self, cfg: TrainConfig) -> ConditionConfig:
        raise NotImplementedError

    def build_nets(self) -> tuple[torch.nn.Module, torch.nn.Module]:
        return (ConditionalGenerator(self.net_cfg, self.cond_cfg),
                ConditionalDiscriminator(self.net_cfg, self.cond_cfg))

    def _transfer_from(self, model_id: str) -> None:
        """Fine-tune from a library model: every weight whose name and shape match (synthesis at least)."""
        from ..library.registry import Library

        base = Library().load(model_id)
        base = base["generator"] if isinstance(base, dict) else base
        own = self.G.state_dict()
        take = {k: v for k, v in base.state_dict().items() if k in own and own[k].shape == v.shape}
        if not any(k.startswith("synthesis.") for k in take):
            raise ValueError(f"base model {model_id} has a different architecture; pick matching settings")
        self.G.load_state_dict(take, strict=False)
        log.info("transferred %d tensors from %s", len(take), model_id)

    # -- sampling -------------------------------------------------------------------------------------
    def _indices(self, n: int) -> torch.Tensor:
        assert self.weights is not None
        return torch.multinomial(self.weights, n, replacement=True, generator=self.gen)

    def _conds_of(self, idx: torch.Tensor) -> torch.Tensor:
        assert self.conds is not None
        if self.phrasing is None:
            k = torch.randint(self.conds.shape[1], (len(idx),), generator=self.gen)
        else:
            k = torch.multinomial(self.phrasing[idx], 1, generator=self.gen)[:, 0]
        return self.conds[idx, k].to(self.device)

    def _real(self, idx: torch.Tensor) -> torch.Tensor:
        assert self.data is not None
        return self.data[idx.to(self.data.device)].float() / 127.5 - 1.0

    @property
    def imle(self) -> bool:
        return bool(self.imle_weight)

    def _fake_conds(self, n: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Conditions for a batch of fakes and the images they were drawn from; with mode seeking (and no
        IMLE, which pairs the first half with real images instead), the second half repeats the first."""
        if self.mode_seeking_weight <= 0 or self.imle:
            idx = self._indices(n)
        else:
            half = self._indices((n + 1) // 2)
            idx = torch.cat([half, half])[:n]
        return self._conds_of(idx), idx

    def _ws_c(self, n: int, c: torch.Tensor, idx: torch.Tensor | None = None
              ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """ws for fakes of conditions ``c``; with IMLE, the first half's z are the closest of K to the real
        images ``idx`` the conditions came from."""
        eps = None
        if self.cond_cfg.ca_dim:
            eps = torch.randn(n, self.cond_cfg.ca_dim, generator=self.gen)
            if self.mode_seeking_weight > 0 and not self.imle:  # paired fakes share the CA sample: only z differs
                h = (n + 1) // 2
                eps = torch.cat([eps[:h], eps[:h]])[:n]
            eps = eps.to(self.device)
        z = torch.randn(n, self.net_cfg.z_dim, generator=self.gen).to(self.device)
        if self.imle and idx is not None:
            h = n // 2
            z = torch.cat([self._closest_z(c[:h], None if eps is None else eps[:h], self._real(idx[:h])), z[h:]])
        emb, mu, logvar = self.G.mapping.condition(c, eps)
        ws = self.G.mapping(z, emb).unsqueeze(1).repeat(1, self.G.num_ws, 1)
        if (self.cfg.style_mixing > 0 and self.G.num_ws > 1
                and float(torch.rand([], generator=self.gen)) < self.cfg.style_mixing):
            cutoff = int(torch.randint(1, self.G.num_ws, (), generator=self.gen))
            z2 = torch.randn(n, self.net_cfg.z_dim, generator=self.gen).to(self.device)
            ws[:, cutoff:] = self.G.mapping(z2, emb).unsqueeze(1)
        kl = kl_loss(mu, logvar) if mu is not None and logvar is not None else torch.zeros([], device=self.device)
        return ws, kl, z

    @torch.no_grad()
    def _closest_z(self, c: torch.Tensor, eps: torch.Tensor | None, real: torch.Tensor) -> torch.Tensor:
        """Conditional IMLE's search: of K random z per real image (same condition and CA sample), the one whose
        image is closest to it (L1 at half resolution, so a pixel's shift counts less than a wrong shape)."""
        k, h = self.imle_samples, len(c)
        zs = torch.randn(k, h, self.net_cfg.z_dim, generator=self.gen).to(self.device)
        emb, _, _ = self.G.mapping.condition(c, eps)
        w = self.G.mapping(zs.flatten(0, 1), emb.repeat(k, 1)).unsqueeze(1).repeat(1, self.G.num_ws, 1)
        imgs = self.G.synthesize(w, "random", memory_format=self.memory_format)
        dist = (F.avg_pool2d(imgs, 2) - F.avg_pool2d(real, 2).repeat(k, 1, 1, 1)).abs().mean(dim=(1, 2, 3))
        best = dist.view(k, h).argmin(0)
        return zs[best, torch.arange(h, device=zs.device)]

    # -- one step ------------------------------------------------------------------------------------
    def train_step(self) -> dict[str, float]:
        cfg = self.cfg
        n = cfg.batch
        mf = self.memory_format
        self.G.requires_grad_(True)
        self.D.requires_grad_(False)
        c_fake, idx_fake = self._fake_conds(n)
        with torch.no_grad():
            emb, _, _ = self.G.mapping.condition(c_fake, torch.zeros(n, self.cond_cfg.ca_dim, device=self.device)
                                                 if self.cond_cfg.ca_dim else None)
            w = self.G.mapping(torch.randn(n, self.net_cfg.z_dim, generator=self.gen).to(self.device), emb)
            self.G.mapping.w_avg.lerp_(w.mean(0), 1 - 0.995)
        ws, kl, z = self._ws_c(n, c_fake, idx_fake)
        fake = self.G.synthesize(ws, "random", memory_format=mf)
        loss_g = F.softplus(-self.D(self._aug(fake), c_fake, mf)).mean() + self.kl_weight * kl
        ms = torch.zeros([])
        if self.mode_seeking_weight > 0 and not self.imle:
            ms = mode_seeking(fake, z, self.mode_seeking_target)
            loss_g = loss_g + self.mode_seeking_weight * ms
        imle = torch.zeros([])
        if self.imle:
            h = n // 2
            imle = (fake[:h] - self._real(idx_fake[:h])).abs().mean()
            loss_g = loss_g + self.imle_weight * imle
        layout = torch.zeros([])
        if self.layout_weight:
            # The fake's colour and placement against the image its condition came from (8×8 cells): a
            # regression signal the matching-aware D alone teaches slowly; the detail stays adversarial.
            layout = layout_l1(fake, self._real(idx_fake))
            loss_g = loss_g + self.layout_weight * layout
        # ``arch.d_warmup_kimg``: a run from a library model starts with a fresh discriminator (cards ship
        # generators only); its first, near-random verdicts would undo what the base draws, so for this many
        # kimg only D learns (against the base's own fakes) and G waits.
        if self.kimg >= float(self.cfg.arch.get("d_warmup_kimg", 0)):
            self.opt_G.zero_grad(set_to_none=True)
            loss_g.backward()
            self.opt_G.step()
        stage1 = fake.detach()

        self.G.requires_grad_(False)
        self.D.requires_grad_(True)
        idx = self._indices(n)
        real, c_real = self._real(idx), self._conds_of(idx)
        c_wrong = self._conds_of(self._indices(n))
        d_fake = self.D(self._aug(stage1), c_fake, mf)
        real_aug = self._aug(real)
        do_r1 = cfg.r1_gamma > 0 and self.step % cfg.r1_interval == 0
        real_aug.requires_grad_(do_r1)
        d_real = self.D(real_aug, c_real, mf)
        d_wrong = self.D(real_aug.detach(), c_wrong, mf)
        self.ada.observe(d_real)
        loss_d = (F.softplus(d_fake).mean() + F.softplus(-d_real).mean()
                  + self.mismatch_weight * F.softplus(d_wrong).mean())
        r1 = torch.zeros([], device=self.device)
        if do_r1:
            (grad,) = torch.autograd.grad(d_real.sum(), real_aug, create_graph=True)
            r1 = grad.square().sum(dim=(1, 2, 3)).mean()
            loss_d = loss_d + r1 * (cfg.r1_gamma / 2) * cfg.r1_interval
        self.opt_D.zero_grad(set_to_none=True)
        loss_d.backward()
        self.opt_D.step()
        stats = {"loss_g": loss_g.item(), "loss_d": loss_d.item(), "r1": r1.item(),
                 "d_real": d_real.mean().item(), "d_fake": d_fake.mean().item(),
                 "d_wrong": d_wrong.mean().item(), "kl": float(kl.detach()), "ms": float(ms.detach()),
                 "layout": float(layout.detach()), "imle": float(imle.detach())}
        stats.update(self.extra_step(stage1, c_fake, idx, c_wrong, do_r1))
        self._update_ema()
        self.step += 1
        if cfg.augment == "ada" and self.step % cfg.ada_interval == 0:
            self.ada.update(cfg.ada_interval * n)
        return stats

    def extra_step(self, stage1: torch.Tensor, c_fake: torch.Tensor, idx: torch.Tensor,
                   c_wrong: torch.Tensor, do_r1: bool) -> dict[str, float]:
        """Hook for Stage II (text family)."""
        return {}

    def family_state(self) -> dict[str, Any]:
        return {**super().family_state(), "cond": json.dumps(self.cond_cfg.to_dict())}


def export_conditional(run_dir: Path, folder: Path, model_id: str, name: str, family: str, tasks: list[str],
                       **card_fields: Any) -> Any:
    """A finished age or text run as a library model: G_ema (Stage I) and, when the run has one, the refiner."""
    from ..library.cards import ModelCard
    from ..library.weights import write_model

    card_fields.pop("with_train_state", None)
    st, cfg, training = finished_run(run_dir, card_fields)
    arch = StyleGenConfig.from_dict(json.loads(st["arch"]))
    cond = ConditionConfig.from_dict(json.loads(st["cond"]))
    architecture = {**arch.to_dict(), "condition": cond.to_dict()}
    if "stage1" in st:  # text runs name their Stage I; age runs are a plain conditional StyleGen
        architecture["stage1"] = st["stage1"]
        G = text_generator(arch, cond, st["stage1"])
    else:
        G = ConditionalGenerator(arch, cond)
    G.load_state_dict(st["G_ema"])
    modules: dict[str, Any] = {"generator": G}
    resolution = arch.resolution
    if "R_ema" in st:
        ref = RefinerConfig.from_dict(json.loads(st["refiner"]))
        R = Refiner(ref)
        R.load_state_dict(st["R_ema"])
        modules["refiner"] = R
        architecture["refiner"] = ref.to_dict()
        resolution *= 2
    training["augment_p"] = st["ada"]["p"]
    card = ModelCard(id=model_id, name=name, family=family, tasks=tasks, resolution=resolution,
                     channels=arch.img_channels, architecture=architecture, files=[], training=training,
                     **card_fields)
    return write_model(Path(folder), card, modules)


