"""The classic recipes on DCGAN's nets: losses (non-saturating, WGAN, WGAN-GP, hinge), their optimisers and
defaults, SAGAN's TTUR, and BigGAN's orthogonal regularisation.

``resolve`` turns the family's options (declared once, in core/families/dcgan.py) into a complete recipe
when a run starts: the net settings go into ``arch``, the training ones into ``options``, the learning rates
into ``lr_g``/``lr_d``. All of it is written into config.json, so a resume trains exactly as the run began.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from .config import TrainConfig

LOSSES = ("nsgan", "wgan", "wgan-gp", "hinge")
NET_KEYS = ("attention", "spectral_norm", "d_norm")  # options that shape the nets: they go into arch


@dataclass(frozen=True)
class Recipe:
    loss: str = "nsgan"
    n_critic: int = 1  # discriminator steps per generator step
    clip: float = 0.01  # wgan: the critic's weights are clipped to [−clip, clip] after each step
    gp_weight: float = 10.0  # wgan-gp: λ of the gradient penalty
    ortho_reg: float = 0.0  # BigGAN's off-diagonal orthogonal regularisation of G's weights (β)
    optimizer: str = "adam"  # adam | rmsprop
    betas: tuple[float, float] = (0.5, 0.999)

    @classmethod
    def from_options(cls, options: dict[str, Any]) -> Recipe:
        """A run's saved options (a run from before the recipes has none: the paper's DCGAN)."""
        known = {f.name for f in fields(cls)}
        r = cls(**{k: v for k, v in options.items() if k in known and v is not None})
        if r.loss not in LOSSES:
            raise ValueError(f"unknown loss {r.loss!r}; choose one of {', '.join(LOSSES)}")
        return replace(r, betas=tuple(r.betas))

    def optimizer_for(self, params: Any, lr: float) -> torch.optim.Optimizer:
        if self.optimizer == "rmsprop":
            return torch.optim.RMSprop(params, lr=lr)
        return torch.optim.Adam(params, lr=lr, betas=self.betas)


def _family_defaults() -> dict[str, Any]:
    from ..families import trainer

    return {o.dest: o.default for o in trainer("dcgan").options if o.dest not in TrainConfig.__dataclass_fields__}


def resolve(cfg: TrainConfig) -> TrainConfig:
    """A new run's complete recipe from its options (idempotent: a resolved config comes back unchanged).

    wgan: RMSprop(5e-5), n_critic 5, clipping 0.01, batch norm kept in the critic (Arjovsky et al. 2017).
    wgan-gp: Adam(1e-4, β 0, 0.9), n_critic 5, λ 10, layer norm in the critic (Gulrajani et al. 2017).
    SAGAN (attention or spectral norm, other losses): TTUR, Adam(G 1e-4, D 4e-4, β 0, 0.9), no BN in D.
    Otherwise the paper's DCGAN: Adam(2e-4, β 0.5, 0.999).
    """
    o = {**_family_defaults(), **cfg.options}
    arch = dict(cfg.arch)
    for key in NET_KEYS:
        if key in o:
            arch.setdefault(key, o.pop(key))
    if o.pop("conditional", False) and not arch.get("classes"):
        from ..data.classes import class_names

        arch["classes"] = class_names(Path(cfg.data))
    loss = o.get("loss") or "nsgan"
    if loss not in LOSSES:
        raise ValueError(f"unknown loss {loss!r}; choose one of {', '.join(LOSSES)}")
    sagan = bool(arch.get("attention")) or bool(arch.get("spectral_norm"))
    if arch.get("d_norm") is None:
        arch["d_norm"] = "layer" if loss == "wgan-gp" else "none" if arch.get("spectral_norm") else "batch"
    if loss == "wgan-gp" and arch["d_norm"] == "batch":
        raise ValueError("wgan-gp penalises each sample's gradient: batch norm in the critic breaks that; "
                         "use --d-norm layer or none")
    if loss == "wgan":
        optimizer, betas, lr_g, lr_d = "rmsprop", None, 5e-5, 5e-5
    elif loss == "wgan-gp":
        optimizer, betas, lr_g, lr_d = "adam", (0.0, 0.9), 1e-4, 1e-4
    elif sagan:
        optimizer, betas, lr_g, lr_d = "adam", (0.0, 0.9), 1e-4, 4e-4
    else:
        optimizer, betas, lr_g, lr_d = "adam", (0.5, 0.999), 2e-4, 2e-4
    o.setdefault("optimizer", optimizer)
    if o.get("betas") is None and betas is not None:
        o["betas"] = list(betas)
    if o.get("n_critic") is None:
        o["n_critic"] = 5 if loss in ("wgan", "wgan-gp") else 1
    o["loss"] = loss
    return replace(cfg, arch=arch, options=o, lr_g=cfg.lr_g or lr_g, lr_d=cfg.lr_d or lr_d)


def check_options(options: dict[str, Any], resolution: int, channels: int, data: str) -> None:
    """Raise ValueError, in the user's words, when these options cannot train a ``resolution`` px DCGAN on
    ``data``: the recipe is resolved and the nets' config built exactly as a run would (the dialog asks this
    before a job starts)."""
    from ..nets.dcgan import DCGANConfig

    fields_ = {k: v for k, v in options.items() if k in TrainConfig.__dataclass_fields__ and v is not None}
    rest = {k: v for k, v in options.items() if k not in TrainConfig.__dataclass_fields__}
    if rest.get("conditional") and not (data and Path(data).is_dir()):
        raise ValueError("CGAN trains on a folder with one subfolder per class (or a labels.csv): choose it first")
    if rest.get("n_critic") is not None and int(rest["n_critic"]) < 1:
        raise ValueError("--n-critic must be at least 1")
    try:
        cfg = resolve(TrainConfig(family="dcgan", data=str(data or ""), resolution=resolution, channels=channels,
                                  options=rest, **fields_))
    except FileNotFoundError as exc:
        raise ValueError(str(exc)) from exc
    Recipe.from_options(cfg.options)
    DCGANConfig.from_dict({**cfg.arch, "resolution": resolution, "img_channels": channels})


def d_loss(loss: str, d_real: torch.Tensor, d_fake: torch.Tensor) -> torch.Tensor:
    if loss == "nsgan":  # BCE with logits, real 1 / fake 0
        return F.softplus(-d_real).mean() + F.softplus(d_fake).mean()
    if loss == "hinge":
        return F.relu(1 - d_real).mean() + F.relu(1 + d_fake).mean()
    return d_fake.mean() - d_real.mean()  # wgan, wgan-gp: the critic estimates the Wasserstein-1 distance


def g_loss(loss: str, d_fake: torch.Tensor) -> torch.Tensor:
    if loss == "nsgan":  # non-saturating: maximise log D(G(z))
        return F.softplus(-d_fake).mean()
    return -d_fake.mean()  # wgan, wgan-gp, hinge (SAGAN's generator loss)


def gradient_penalty(D: nn.Module, real: torch.Tensor, fake: torch.Tensor, y: torch.Tensor | None,
                     gen: torch.Generator) -> torch.Tensor:
    """WGAN-GP: (‖∇D(x̂)‖ − 1)² at random points between real and fake images."""
    eps = torch.rand(len(real), 1, 1, 1, generator=gen).to(real.device)
    x = torch.lerp(real, fake, eps).requires_grad_(True)
    out = D(x, y) if y is not None else D(x)
    (grad,) = torch.autograd.grad(out.sum(), x, create_graph=True)
    return (grad.flatten(1).norm(dim=1) - 1).square().mean()


def clip_weights(D: nn.Module, c: float) -> None:
    with torch.no_grad():
        for p in D.parameters():
            p.clamp_(-c, c)


def add_ortho_grads(G: nn.Module, strength: float) -> None:
    """BigGAN's orthogonal regularisation (Brock et al. 2019, BigGAN-PyTorch's ``ortho``): on every weight
    matrix W of G (one row per output filter) add β·2((WWᵀ) ⊙ (1 − I))W to its gradient, which decorrelates
    filters without constraining their norms. The shared class embedding is left alone, as in BigGAN."""
    from ..nets.dcgan_blocks import SharedEmbedding, raw_weight

    skip = {id(p) for m in G.modules() if isinstance(m, SharedEmbedding) for p in m.parameters()}
    with torch.no_grad():
        for m in G.modules():
            if not isinstance(m, nn.Conv2d | nn.ConvTranspose2d | nn.Linear):
                continue
            p = raw_weight(m)
            if p.grad is None or id(p) in skip:
                continue
            t = p.transpose(0, 1) if isinstance(m, nn.ConvTranspose2d) else p  # [out, in, k, k]
            w = t.reshape(t.shape[0], -1)
            off = (w @ w.T) * (1 - torch.eye(w.shape[0], device=w.device, dtype=w.dtype))
            g = (2 * off @ w).view(t.shape)
            p.grad.add_(strength * (g.transpose(0, 1) if isinstance(m, nn.ConvTranspose2d) else g))
