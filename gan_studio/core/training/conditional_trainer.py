"""Conditional StyleGen training: the age family (Age-cGAN) and the text family (StackGAN-style).

Both reuse StyleGen's loop (non-saturating loss, lazy R1, EMA, style mixing, DiffAugment + adaptive p) and
add a condition: fakes get conditions drawn from the data's own distribution, the discriminator scores
(image, condition) pairs, and a matching-aware term counts a real image with a mismatched condition as
fake, so the generator cannot ignore the condition. The text family adds conditioning augmentation (KL),
StackGAN's own Stage I generator by default (``"stage1": "stylegen"`` keeps a conditional StyleGen) and
Stage II, a refiner that takes Stage I's image and the sentence again to twice the resolution.
"""

from __future__ import annotations

import copy
import json
import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from ..data.images import load_folder
from ..data.labels import AGE_C_DIM, age_condition, balance_weights, load_age_labels, load_captions, phrasing_weights
from ..io.images import grid, save_png, to_uint8
from ..nets.conditional import ConditionalDiscriminator, ConditionalGenerator, ConditionConfig, kl_loss
from ..nets.stackgan import Refiner, RefinerConfig, text_generator
from ..nets.stylegen import StyleGenConfig, z_from_seed
from .augment import augment, degrade
from .config import TrainConfig
from .loop import AbortFn, ProgressFn, RunResult, finished_run, train_run
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
        return bool(self.cfg.imle_weight)

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
        k, h = self.cfg.imle_samples, len(c)
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
            loss_g = loss_g + self.cfg.imle_weight * imle
        layout = torch.zeros([])
        if self.cfg.layout_weight:
            # The fake's colour and placement against the image its condition came from (8×8 cells): a
            # regression signal the matching-aware D alone teaches slowly; the detail stays adversarial.
            layout = layout_l1(fake, self._real(idx_fake))
            loss_g = loss_g + self.cfg.layout_weight * layout
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


# -- age family ----------------------------------------------------------------------------------------
class AgeTrainer(ConditionalTrainer):
    """Age-cGAN: condition = age (interpolated one-hot over 4 levels) ‖ gender ‖ skin tone."""

    def condition_config(self, cfg: TrainConfig) -> ConditionConfig:
        return ConditionConfig(c_dim=AGE_C_DIM, embed_dim=cfg.arch.get("embed_dim", 256))

    def load_data(self) -> None:
        labelled = load_age_labels(Path(self.cfg.data))
        if not labelled:
            raise ValueError(f"no age-labelled images in {self.cfg.data} (use subfolders baby/child/adult/old, "
                             "ages.csv, or file names starting with an age such as 23_name.png)")
        arr, scan = load_folder(Path(self.cfg.data), self.cfg.resolution, self.cfg.channels,
                                files=[p for p, _ in labelled])
        ok = {str(p) for p, _ in labelled} - {str(p) for p, _ in scan.skipped}
        labels = [lab for p, lab in labelled if str(p) in ok]
        self.data = torch.from_numpy(arr).permute(0, 3, 1, 2).contiguous().to(self.device)
        self.conds = torch.tensor([age_condition(lab) for lab in labels], dtype=torch.float32)[:, None]
        levels = np.array([round(lab.level) for lab in labels])
        counts = np.bincount(levels, minlength=4).astype(np.float64)
        self.weights = torch.from_numpy(1.0 / counts[levels])  # each age level equally often
        log.info("loaded %d age-labelled images (per level %s)", len(labels), counts.astype(int).tolist())

    @torch.no_grad()
    def preview(self) -> Path:
        """Rows: four identities (seed, gender, tone); columns: baby → old."""
        from ..data.labels import AgeLabel

        rows = [(0, "male", 0), (1, "female", 2), (2, "any", 4), (3, "male", 5)]
        z, c = [], []
        for seed, gender, tone in rows:
            for age in PREVIEW_AGES:
                z.append(z_from_seed(seed, self.net_cfg.z_dim))
                c.append(age_condition(AgeLabel(age, gender, tone)))
        z_t = torch.cat(z).to(self.device)
        c_t = torch.tensor(c, dtype=torch.float32, device=self.device)
        img = self.G_ema.synthesize(self.G_ema.map_c(z_t, c_t), "const")
        path = self.run_dir / "previews" / f"step-{self.step:06d}.png"
        save_png(grid(to_uint8(img), cols=len(PREVIEW_AGES)), path)
        return path


# -- text family ---------------------------------------------------------------------------------------
def caption_embeddings(captions: list[list[str]], cache: Path | None = None) -> torch.Tensor:
    """[N, K, 384] sentence embeddings (K phrasings, repeated to fill); cached in ``cache`` by text."""
    from safetensors.torch import load_file, save_file

    flat = sorted({c for caps in captions for c in caps})
    table: dict[str, torch.Tensor] = {}
    if cache is not None and cache.is_file():
        st = load_file(str(cache))
        names = json.loads(cache.with_suffix(".json").read_text(encoding="utf-8"))
        table = {t: st["emb"][i].float() for i, t in enumerate(names)}
    missing = [c for c in flat if c not in table]
    if missing:
        from ..text.encoder import shared_encoder

        for t, e in zip(missing, shared_encoder().encode(missing), strict=True):
            table[t] = e
        if cache is not None:
            from ..io.atomic import atomic_save, atomic_write_text

            names = sorted(table)
            emb = torch.stack([table[t] for t in names]).half()
            atomic_save(cache, lambda tmp: save_file({"emb": emb}, str(tmp)))
            atomic_write_text(cache.with_suffix(".json"), json.dumps(names))
    k = max(len(caps) for caps in captions)
    return torch.stack([torch.stack([table[caps[i % len(caps)]] for i in range(k)]) for caps in captions])


class TextTrainer(ConditionalTrainer):
    """StackGAN: CA(sentence) → Stage I (StackGAN's, or a conditional StyleGen) → Stage II refiner (×2)."""

    STAGE2_KEYS = ("R", "R_ema", "D2", "opt_R", "opt_D2")  # what `train --refiner-from` takes from a checkpoint

    # StackGAN uses 2.0 with its char-CNN-RNN codes; with MiniLM codes and a projection D that weight let
    # the KL term win before D learned to match (our first GPU run: μ → 0, every prompt the same image).
    kl_weight = 0.02

    def __init__(self, cfg: TrainConfig, device: torch.device | None = None) -> None:
        self.stage1 = cfg.arch.get("stage1", "stackgan")
        self.mode_seeking_weight = float(cfg.arch.get("mode_seeking", 1.0))
        # ``arch.refiner_every``: Stage II trains on every N-th step (0: never; it keeps the base's or its
        # initial weights). Stage II and its 64 px discriminator cost about as much as Stage I, so a run can
        # spend its time on Stage I first and on Stage II later (a --resume may change N).
        self.refiner_every = int(cfg.arch.get("refiner_every", 1))
        self._base_refiner: dict[str, torch.Tensor] | None = None
        super().__init__(cfg, device)
        if self.stage1 == "stackgan" and not getattr(self.G, "equalized", False):
            # Runs with plain convs (before ``extra.equalized``) take DCGAN's optimiser settings; CA and the
            # embedding are equalized-lr layers (weights scaled by 1/√fan-in at run time) and keep StyleGen's.
            mapping = list(self.G.mapping.parameters())
            rest = [p for n, p in self.G.named_parameters() if not n.startswith("mapping.")]
            self.opt_G = torch.optim.Adam([
                {"params": mapping, "lr": 0.0025, "betas": (0.0, 0.99), "eps": 1e-8},
                {"params": rest, "lr": cfg.lr_g or 2e-4, "betas": (0.5, 0.999)}])
        ref = {k: v for k, v in cfg.arch.get("refiner", {}).items() if k != "img_channels"}
        self.ref_cfg = RefinerConfig(img_channels=cfg.channels, **{"normalize_c": True, **ref})
        self.R = Refiner(self.ref_cfg).to(self.device)
        if self._base_refiner is not None:
            own = self.R.state_dict()
            if all(k in own and own[k].shape == v.shape for k, v in self._base_refiner.items()):
                self.R.load_state_dict(self._base_refiner)
                log.info("Stage II starts from %s's refiner", cfg.base)
            else:
                log.info("Stage II starts fresh: %s's refiner has another shape", cfg.base)
        d2_cfg = StyleGenConfig.from_dict({**self.net_cfg.to_dict(), "resolution": self.net_cfg.resolution * 2})
        self.D2 = ConditionalDiscriminator(d2_cfg, self.cond_cfg).to(self.device)
        self.R_ema = copy.deepcopy(self.R).eval().requires_grad_(False)
        ratio = cfg.r1_interval / (cfg.r1_interval + 1)
        # The refiner has plain (not equalized-lr) convs: StyleGen's 0.0025 made it diverge; 0.1× is stable.
        self.opt_R = torch.optim.Adam(self.R.parameters(), lr=0.1 * (cfg.lr_g or 0.0025), betas=(0.0, 0.99),
                                      eps=1e-8)
        self.opt_D2 = torch.optim.Adam(self.D2.parameters(), lr=(cfg.lr_d or 0.0025) * ratio,
                                       betas=(0.0, 0.99**ratio), eps=1e-8)
        self.data_hi: torch.Tensor | None = None
        self.preview_c = torch.zeros(len(PREVIEW_PROMPTS), 384)

    @classmethod
    def fresh_config(cls, cfg: TrainConfig) -> TrainConfig:
        """New runs of StackGAN's Stage I: equalized lr, z balanced against the sentence and DF-GAN fusion
        (Stage1Generator), so seeds steer every scale and IMLE can give each image of a caption its own seed.
        Runs started before these defaults resume with the plain layers their checkpoints hold, and a run from a
        library model (``base``) keeps the layers its card gives, plus fusion: its layers start at zero, so the
        base draws exactly as before, and without them IMLE blends a caption's images instead of covering them."""
        if cfg.arch.get("stage1", "stackgan") != "stackgan":
            return cfg
        extra = {"fusion": True, **cfg.arch.get("extra", {})}
        if not cfg.base:
            return replace(cfg, arch={**cfg.arch, "extra": {"normalize_inputs": True, "equalized": True, **extra}})
        # From a base, its fresh discriminator learns alone for the first kimg (see ``d_warmup_kimg``).
        return replace(cfg, arch={"d_warmup_kimg": 1.0, **cfg.arch, "extra": extra})

    def condition_config(self, cfg: TrainConfig) -> ConditionConfig:
        """From ``arch``'s own keys, else its ``condition`` (a fine-tune job copies the base card's)."""
        card = cfg.arch.get("condition", {})

        def get(key: str, default: Any) -> Any:
            return cfg.arch.get(key, card.get(key, default))

        return ConditionConfig(c_dim=384, embed_dim=get("embed_dim", 256), ca_dim=get("ca_dim", 128),
                               normalize_c=bool(get("normalize_c", True)), ca_noise=float(get("ca_noise", 1.0)))

    def build_nets(self) -> tuple[torch.nn.Module, torch.nn.Module]:
        return (text_generator(self.net_cfg, self.cond_cfg, self.stage1),
                ConditionalDiscriminator(self.net_cfg, self.cond_cfg))

    def _transfer_from(self, model_id: str) -> None:
        """Fine-tune from a library text model: its whole Stage I (layers this run adds, such as fusion, start
        at zero) and, once built, its refiner. Discriminators start fresh: cards ship generators only."""
        from ..library.registry import Library

        lib = Library()
        card = lib.card(model_id)
        if card.family != "text":
            raise ValueError(f"{model_id} is a {card.family} model; a text run starts from a text model")
        nets = lib.load(model_id)
        own = self.G.state_dict()
        base = nets["generator"].state_dict()
        differ = [k for k, v in base.items() if k not in own or own[k].shape != v.shape]
        if differ:
            raise ValueError(f"base model {model_id} has another Stage I ({len(differ)} tensors differ, e.g. "
                             f"{differ[0]}); train with its architecture (--arch from its card)")
        self.G.load_state_dict(base, strict=False)
        if "refiner" in nets:
            self._base_refiner = nets["refiner"].state_dict()
        log.info("transferred Stage I (%d of %d tensors) from %s", len(base), len(own), model_id)

    def load_data(self) -> None:
        pairs = load_captions(Path(self.cfg.data))
        if not pairs:
            raise ValueError(f"no captioned images in {self.cfg.data} (put a .txt beside each image or a "
                             "captions.csv with file,caption rows)")
        hi = self.net_cfg.resolution * 2
        arr, scan = load_folder(Path(self.cfg.data), hi, self.cfg.channels, files=[p for p, _ in pairs])
        bad = {str(p) for p, _ in scan.skipped}
        captions = [caps for p, caps in pairs if str(p) not in bad]
        self.data_hi = torch.from_numpy(arr).permute(0, 3, 1, 2).contiguous().to(self.device)
        lo = F.avg_pool2d(self.data_hi.float(), 2).round().clamp(0, 255).to(torch.uint8)
        self.data = lo
        self.conds = caption_embeddings(captions, self.run_dir / "text-embeddings.safetensors")
        self.weights = torch.tensor(balance_weights(captions), dtype=torch.float64)
        self.phrasing = torch.tensor(phrasing_weights(captions, self.conds.shape[1]), dtype=torch.float64)
        # Fixed preview prompts go through the same cache, so previews work where no encoder is installed.
        cache = self.run_dir / "text-embeddings.safetensors"
        self.preview_c = caption_embeddings([[p] for p in PREVIEW_PROMPTS], cache)[:, 0]
        log.info("loaded %d captioned images, %d phrasings each", len(captions), self.conds.shape[1])

    def extra_step(self, stage1: torch.Tensor, c_fake: torch.Tensor, idx: torch.Tensor,
                   c_wrong: torch.Tensor, do_r1: bool) -> dict[str, float]:
        """Stage II on Stage I's (detached) output: its own matching-aware D at twice Stage I's resolution."""
        assert self.data_hi is not None
        cfg, mf = self.cfg, self.memory_format
        if self.refiner_every <= 0 or self.step % self.refiner_every:
            return {}
        do_r1 = cfg.r1_gamma > 0 and (self.step // self.refiner_every) % cfg.r1_interval == 0
        aug = (lambda x: augment(x, self.ada.p, self.gen)) if cfg.augment != "off" else (lambda x: x)
        real_hi = self.data_hi[idx.to(self.data_hi.device)].float() / 127.5 - 1.0
        c_real = self.conds[idx, 0].to(self.device) if self.conds is not None else c_fake
        self.R.requires_grad_(True)
        self.D2.requires_grad_(False)
        fake_hi = self.R(stage1, c_fake)
        loss_r = F.softplus(-self.D2(aug(fake_hi), c_fake, mf)).mean()
        # Stay faithful to Stage I's layout: low-pass of the refined image ≈ the Stage I image.
        loss_r = loss_r + 10.0 * (F.avg_pool2d(fake_hi, 2) - stage1).abs().mean()
        rec = torch.zeros([])
        if cfg.refiner_l1:
            # A real pair shows Stage II what the missing detail is (edges, eyes, outlines); the adversarial
            # term alone had learned a checkerboard. Softened inputs stand in for Stage I's softer images.
            # (On the bundled run, weight 50 improved SWD but left a faint dot grid on flat colour.)
            rec = (self.R(degrade(real_hi, 2, self.gen), c_real) - real_hi).abs().mean()
            loss_r = loss_r + cfg.refiner_l1 * rec
        self.opt_R.zero_grad(set_to_none=True)
        loss_r.backward()
        self.opt_R.step()
        self.R.requires_grad_(False)
        self.D2.requires_grad_(True)
        d_fake = self.D2(aug(fake_hi.detach()), c_fake, mf)
        real_aug = aug(real_hi)
        real_aug.requires_grad_(do_r1)
        d_real = self.D2(real_aug, c_real, mf)
        d_wrong = self.D2(real_aug.detach(), c_wrong, mf)
        loss_d2 = (F.softplus(d_fake).mean() + F.softplus(-d_real).mean()
                   + self.mismatch_weight * F.softplus(d_wrong).mean())
        if do_r1:
            (grad,) = torch.autograd.grad(d_real.sum(), real_aug, create_graph=True)
            loss_d2 = loss_d2 + grad.square().sum(dim=(1, 2, 3)).mean() * (cfg.r1_gamma / 2) * cfg.r1_interval
        self.opt_D2.zero_grad(set_to_none=True)
        loss_d2.backward()
        self.opt_D2.step()
        with torch.no_grad():
            beta = 0.5 ** (cfg.batch / max(cfg.ema_kimg * 1000, 1e-8))
            for p_ema, p in zip(self.R_ema.parameters(), self.R.parameters(), strict=True):
                p_ema.lerp_(p, 1 - beta)
        return {"loss_r": loss_r.item(), "loss_d2": loss_d2.item(), "rec": float(rec.detach())}

    def family_state(self) -> dict[str, Any]:
        return {**super().family_state(), "R": self.R.state_dict(), "R_ema": self.R_ema.state_dict(),
                "D2": self.D2.state_dict(), "opt_R": self.opt_R.state_dict(), "opt_D2": self.opt_D2.state_dict(),
                "refiner": json.dumps(self.ref_cfg.to_dict()), "stage1": self.stage1}

    def load_family_state(self, st: dict[str, Any]) -> None:
        super().load_family_state(st)
        self.R.load_state_dict(st["R"])
        self.R_ema.load_state_dict(st["R_ema"])
        self.D2.load_state_dict(st["D2"])
        self.opt_R.load_state_dict(st["opt_R"])
        self.opt_D2.load_state_dict(st["opt_D2"])

    @torch.no_grad()
    def preview(self) -> Path:
        """Rows: fixed prompts; columns: four seeds at 128 px."""
        c = self.preview_c.to(self.device).repeat_interleave(4, 0)
        z = torch.cat([z_from_seed(s, self.net_cfg.z_dim) for s in range(4)] * len(PREVIEW_PROMPTS)).to(self.device)
        eps = torch.zeros(len(z), self.cond_cfg.ca_dim, device=self.device)
        lo = self.G_ema.synthesize(self.G_ema.map_c(z, c, eps=eps), "const")
        hi = self.R_ema(lo, c)
        path = self.run_dir / "previews" / f"step-{self.step:06d}.png"
        save_png(grid(to_uint8(hi), cols=4), path)
        return path


def train_age(cfg: TrainConfig, resume: bool = False, progress_fn: ProgressFn | None = None,
              abort_fn: AbortFn | None = None, device: torch.device | None = None) -> RunResult:
    return train_run(AgeTrainer, cfg, resume, progress_fn, abort_fn, device)


def train_text(cfg: TrainConfig, resume: bool = False, progress_fn: ProgressFn | None = None,
               abort_fn: AbortFn | None = None, device: torch.device | None = None) -> RunResult:
    return train_run(TextTrainer, cfg, resume, progress_fn, abort_fn, device)


def _export(run_dir: Path, folder: Path, model_id: str, name: str, family: str, tasks: list[str],
            **card_fields: Any) -> Any:
    from ..library.cards import ModelCard
    from ..library.families import write_model

    card_fields.pop("with_train_state", None)
    st, cfg, training = finished_run(run_dir, card_fields)
    arch = StyleGenConfig.from_dict(json.loads(st["arch"]))
    cond = ConditionConfig.from_dict(json.loads(st["cond"]))
    stage1 = st.get("stage1", "stylegen")
    G = text_generator(arch, cond, stage1) if family == "text" else ConditionalGenerator(arch, cond)
    G.load_state_dict(st["G_ema"])
    modules: dict[str, Any] = {"generator": G}
    architecture = {**arch.to_dict(), "condition": cond.to_dict()}
    if family == "text":
        architecture["stage1"] = stage1
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


def export_age(run_dir: Path, folder: Path, model_id: str, name: str, **card_fields: Any) -> Any:
    return _export(run_dir, folder, model_id, name, "age", ["age"], **card_fields)


def export_text(run_dir: Path, folder: Path, model_id: str, name: str, **card_fields: Any) -> Any:
    return _export(run_dir, folder, model_id, name, "text", ["text"], **card_fields)
