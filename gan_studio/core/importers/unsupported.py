"""Formats we recognise but do not import, each with the reason (checkpoint-formats.md §4).

FastGAN is refused on purpose: its generator (skip-layer excitation blocks, GLU, spectral norm, a 256-d z)
is not StyleGAN2 math, so mapping its weights onto our StyleGen would give wrong images; a faithful port
needs its own network family, which is future work. lucidrains stylegan2-pytorch files import through
``lucidrains.py`` (their own family); here only files that look like theirs but lack the generator's
weights are refused, with that reason.
"""

from __future__ import annotations

from typing import Any

from .safeload import CheckpointError


def _keys(obj: Any) -> list[str]:
    return [k for k in obj if isinstance(k, str)] if isinstance(obj, dict) else []


def describe_unsupported(obj: dict[str, Any]) -> None:
    """Raise a ``CheckpointError`` that names the format and the reason, for formats we do not import."""
    gan = obj.get("GAN")
    if isinstance(gan, dict) and any(k.startswith(("GE.", "SE.", "G.", "S.")) for k in _keys(gan)):
        raise CheckpointError(
            "this looks like a lucidrains stylegan2-pytorch model, but its generator weights are incomplete "
            "(it needs the StyleVectorizer SE.net.* and generator GE.blocks.* tensors); nothing was imported")
    g = obj.get("g")
    g_keys = _keys(g)
    if g_keys and any(k.removeprefix("module.").startswith(("init.", "feat_8", "se_64", "to_big")) for k in g_keys):
        raise CheckpointError(
            "this is a FastGAN checkpoint. It is not imported: FastGAN's generator (skip-layer excitation, "
            "GLU blocks, spectral norm) is a different network from our StyleGAN2 and pix2pix/CycleGAN nets")
    if any(k.startswith("synthesis.input.") for k in _keys(obj)) or "G_ema" in obj and any(
            k.startswith("synthesis.input.") for k in _keys(obj.get("G_ema"))):
        raise CheckpointError(
            "these are StyleGAN3 weights. GAN Studio refuses them for now: StyleGAN3 synthesises from "
            "Fourier features through alias-free filtered layers, a different network from our StyleGAN2")
