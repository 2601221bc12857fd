"""Projection: find the latent (W or W+) whose image matches the user's, so their image joins every panel.

Optimises ws with Adam on a pixel loss plus a feature loss from our own starter-world classifier
(``featurenet-emoji-64``: no downloadable perceptual net exists here), with a small pull toward the start
point so the latent stays where the generator is well behaved. Pure function of its inputs; the caller
supplies the synthesis function, so StyleGen, imported StyleGAN2 and the age model all use it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from ..io.images import to_uint8

ProgressFn = Callable[[int, int, float], None]  # step, steps, loss
AbortFn = Callable[[], bool]


class ProjectionAborted(RuntimeError):
    """The user cancelled a projection."""


@dataclass
class ProjectionResult:
    ws: torch.Tensor  # [1, num_ws, w_dim]
    image: np.ndarray  # HWC uint8 reconstruction
    psnr: float  # dB, on RGB composited over white
    feature_distance: float | None  # L2 between our classifier's features of target and reconstruction
    steps: int


def target_tensor(image: np.ndarray, resolution: int, channels: int) -> torch.Tensor:
    """HWC uint8 (any size, RGB or RGBA) → [1, channels, res, res] in [−1, 1] (RGB on white + alpha)."""
    from PIL import Image

    arr = np.asarray(image)
    if arr.ndim == 2:
        arr = np.repeat(arr[..., None], 3, axis=2)
    im = Image.fromarray(arr.astype(np.uint8))
    rgba = im.convert("RGBA")
    side = min(rgba.size)
    left, top = (rgba.width - side) // 2, (rgba.height - side) // 2
    rgba = rgba.crop((left, top, left + side, top + side)).resize((resolution, resolution),
                                                                 Image.Resampling.LANCZOS)
    flat = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    flat.alpha_composite(rgba)
    rgb = np.asarray(flat.convert("RGB"))
    out = rgb if channels == 3 else np.concatenate([rgb, np.asarray(rgba.getchannel("A"))[..., None]], axis=2)
    return torch.from_numpy(out.copy()).permute(2, 0, 1)[None].float() / 127.5 - 1.0


def _feature_maps(net: torch.nn.Module, x: torch.Tensor) -> list[torch.Tensor]:
    """Activations after each stage of our classifier (its body is Conv-BN-ReLU ×2 per stage)."""
    if x.shape[-1] != 64:
        x = F.interpolate(x, size=(64, 64), mode="area")
    out = []
    for i, layer in enumerate(net.body):
        x = layer(x)
        if i % 6 == 5:
            out.append(x)
    return out


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a[..., :3].astype(np.float64) - b[..., :3].astype(np.float64)) ** 2))
    return 99.0 if mse == 0 else 10 * math.log10(255.0**2 / mse)


def project(synthesize: Callable[[torch.Tensor], torch.Tensor], ws_init: torch.Tensor, target: torch.Tensor,
            steps: int = 200, lr: float = 0.05, w_plus: bool = True, feature_net: torch.nn.Module | None = None,
            feature_weight: float = 0.5, reg_weight: float = 1e-3, progress_fn: ProgressFn | None = None,
            abort_fn: AbortFn | None = None) -> ProjectionResult:
    """Optimise ws so ``synthesize(ws)`` matches ``target`` ([1, C, H, W] in [−1, 1], the model's size)."""
    ws_init = ws_init.detach()
    if w_plus:
        var = ws_init.clone().requires_grad_(True)
    else:
        var = ws_init[:, :1].clone().requires_grad_(True)
    opt = torch.optim.Adam([var], lr=lr, betas=(0.9, 0.999))
    feats_t = None
    if feature_net is not None:
        feature_net = feature_net.eval().requires_grad_(False)
        with torch.no_grad():
            feats_t = _feature_maps(feature_net, target)
    loss_value = math.nan
    for step in range(steps):
        if abort_fn is not None and abort_fn():
            raise ProjectionAborted("projection cancelled")
        for g in opt.param_groups:  # cosine decay with a short warm-up, as in StyleGAN2's projector
            t = step / max(steps - 1, 1)
            g["lr"] = lr * min(1.0, t / 0.05 + 1e-3) * (0.5 + 0.5 * math.cos(math.pi * t))
        ws = var if w_plus else var.repeat(1, ws_init.shape[1], 1)
        img = synthesize(ws)
        loss = F.mse_loss(img, target)
        if feats_t is not None and feature_net is not None:
            fi = _feature_maps(feature_net, img)
            loss = loss + feature_weight * sum(F.mse_loss(a, b) for a, b in zip(fi, feats_t, strict=True))
        loss = loss + reg_weight * (ws - ws_init).square().mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        loss_value = float(loss.detach())
        if progress_fn is not None:
            progress_fn(step + 1, steps, loss_value)
    with torch.no_grad():
        ws = (var if w_plus else var.repeat(1, ws_init.shape[1], 1)).detach()
        img = synthesize(ws)
        recon = to_uint8(img)[0]
        tgt = to_uint8(target)[0]
        fdist = None
        if feature_net is not None:
            fdist = float((feature_net.features(img) - feature_net.features(target)).norm())
    return ProjectionResult(ws=ws, image=recon, psnr=psnr(recon, tgt), feature_distance=fdist, steps=steps)


def default_feature_net(library: object | None = None) -> torch.nn.Module | None:
    """Our starter-world classifier when the library has it; projection works (pixel loss only) without."""
    from ..library.registry import Library

    lib = library if isinstance(library, Library) else Library()
    try:
        return lib.load("featurenet-emoji-64")
    except Exception:  # noqa: BLE001 — a missing or damaged metric net must not stop a projection
        return None
