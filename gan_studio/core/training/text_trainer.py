"""Text → image training, StackGAN-style: CA(sentence) → Stage I → Stage II refiner, on captioned images."""

from __future__ import annotations

import copy
import json
import logging
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from ..data.images import load_folder
from ..data.labels import balance_weights, load_captions, phrasing_weights
from ..io.images import grid, save_png, to_uint8
from ..nets.conditional import ConditionalDiscriminator, ConditionConfig
from ..nets.stackgan import Refiner, RefinerConfig, text_generator
from ..nets.stylegen import StyleGenConfig, z_from_seed
from .augment import augment, degrade
from .conditional_trainer import PREVIEW_PROMPTS, ConditionalTrainer, export_conditional
from .config import TrainConfig, option
from .loop import AbortFn, ProgressFn, RunResult, train_run

log = logging.getLogger("gan_studio.train")


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
        self.refiner_l1 = option(cfg, "refiner_l1") or 0.0  # None, a new run's unset weight, is 0
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
        if "text" not in card.tasks:
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
        for path, reason in scan.skipped:
            log.warning("skipped %s: %s", path, reason)
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
        if self.refiner_l1:
            # A real pair shows Stage II what the missing detail is (edges, eyes, outlines); the adversarial
            # term alone had learned a checkerboard. Softened inputs stand in for Stage I's softer images.
            # (On the bundled run, weight 50 improved SWD but left a faint dot grid on flat colour.)
            rec = (self.R(degrade(real_hi, 2, self.gen), c_real) - real_hi).abs().mean()
            loss_r = loss_r + self.refiner_l1 * rec
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


def train_text(cfg: TrainConfig, resume: bool = False, progress_fn: ProgressFn | None = None,
               abort_fn: AbortFn | None = None, device: torch.device | None = None) -> RunResult:
    return train_run(TextTrainer, cfg, resume, progress_fn, abort_fn, device)


def export_text(run_dir: Path, folder: Path, model_id: str, name: str, **card_fields: Any) -> Any:
    return export_conditional(run_dir, folder, model_id, name, "text", ["text"], **card_fields)
