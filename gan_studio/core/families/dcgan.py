"""DCGAN: the classic baseline (transposed convs + batch norm), trained on your folder; the explorer draws it.

Its options are the classic recipes on the same nets (resolved in core/training/dcgan_recipes.py): the loss
(non-saturating, WGAN, WGAN-GP, hinge), SAGAN's self-attention, spectral norm and TTUR, BigGAN's orthogonal
regularisation, and class-conditional training (CGAN) from a folder of class subfolders or a labels.csv.
"""

from __future__ import annotations

from typing import Any

from .registry import FamilySpec, Option, TrainerSpec, register

_T = "gan_studio.core.training.dcgan_trainer"


def load(card: Any) -> Any:
    from ..library.weights import load_strict
    from ..nets.dcgan import DCGANConfig, DCGANGenerator

    return load_strict(DCGANGenerator(DCGANConfig.from_dict(card.architecture)), card, "generator")


OPTIONS = (
    Option("--loss", "loss", str, "nsgan",
           "nsgan: the paper's non-saturating loss; wgan: weight clipping, RMSprop 5e-5, 5 critic steps (Arjovsky "
           "et al.); wgan-gp: gradient penalty, Adam(1e-4, 0, 0.9), 5 critic steps, layer norm in the critic "
           "(Gulrajani et al.); hinge (SAGAN, BigGAN)", ("nsgan", "wgan", "wgan-gp", "hinge")),
    Option("--n-critic", "n_critic", int, None, "discriminator steps per generator step (default: 5 for wgan and "
           "wgan-gp, else 1)"),
    Option("--clip", "clip", float, 0.01, "wgan: the critic's weights are clipped to [-c, c]"),
    Option("--gp-weight", "gp_weight", float, 10.0, "wgan-gp: weight λ of the gradient penalty"),
    Option("--attention", "attention", int, 0, "SAGAN: a self-attention block on the feature maps of this size "
           "(px) in G and D (0: none); with it, TTUR (lr G 1e-4, D 4e-4, Adam β 0, 0.9) is the default"),
    Option("--spectral-norm", "spectral_norm", bool, False, "SAGAN: spectral norm on every conv of G and D (no batch "
           "norm in D unless --d-norm says so; TTUR as with --attention)"),
    Option("--d-norm", "d_norm", str, None, "the discriminator's normalisation (default: layer for wgan-gp, none with "
           "--spectral-norm, else batch)", ("batch", "layer", "none")),
    Option("--ortho-reg", "ortho_reg", float, 0.0, "BigGAN's orthogonal regularisation of G's weights, off-diagonal "
           "variant (BigGAN uses 1e-4; 0: off)"),
    Option("--conditional", "conditional", bool, False, "class-conditional (CGAN): --data holds one subfolder per "
           "class, or a labels.csv with file,label; G has class-conditional batch norm with a shared embedding, "
           "D a projection term; the card lists the classes"),
    Option("--lr-d", "lr_d", float, None, "the discriminator's learning rate (default: --lr, or the recipe's)"),
)

# The classic recipes as option sets (dest → value; the rest at their defaults), offered by the New fine-tune
# dialog. The learning rates, optimisers and critic steps each implies are filled when a run starts
# (dcgan_recipes.resolve). SAGAN's attention sits on the 16 px maps, which every DCGAN of 32 px or more has.
PRESETS = (
    ("DCGAN (paper)", {}),
    ("WGAN (weight clipping)", {"loss": "wgan"}),
    ("WGAN-GP", {"loss": "wgan-gp"}),
    ("Hinge", {"loss": "hinge"}),
    ("SAGAN (self-attention + spectral norm)", {"loss": "hinge", "attention": 16, "spectral_norm": True}),
    ("BigGAN tools (SN, ortho reg, hinge)", {"loss": "hinge", "spectral_norm": True, "ortho_reg": 1e-4}),
    ("CGAN (class subfolders)", {"conditional": True}),
)

SPEC = register(FamilySpec(
    name="dcgan", tasks=("explore",), load=f"{__name__}:load",
    session="gan_studio.core.sessions.class_conditional:ClassConditionalSession", latent=True,
    trainer=TrainerSpec("DCGAN (the classic baseline, fast)", f"{_T}:train_dcgan", f"{_T}:export_dcgan", "folder",
                        order=5, options=OPTIONS, presets=PRESETS, classes_option="conditional",
                        check="gan_studio.core.training.dcgan_recipes:check_options"),
))
