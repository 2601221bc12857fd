"""pytorch-CycleGAN-and-pix2pix generators (``*_net_G*.pth``) → our ResnetGenerator / UnetGenerator (§3).

Our nets use the same module layout, so the weights load by name. The architecture (ResNet block count or
U-Net depth, ngf, channels, norm) is read from the keys and checked against a net built on the meta device.
Norm detection (§3): running stats with a weight → batch norm; running stats without a weight → 2018-era
InstanceNorm keys, dropped; no norm keys → instance norm (a 'none'-norm net looks the same, and instance
is the project's default for such files); a per-channel weight and bias without running stats → affine
instance norm (re-implementations use it; a batch norm without running statistics computes the same thing
on one image). Conv biases are read from the file, whatever the norm. Re-implementations also nest the
weights (``state_dict``, ``model``, ``G``, ``netG``, …), prefix them with ``module.`` or store fp16 halves:
all read as the same network.

Test-time normalisation: their ``test.py`` keeps pix2pix nets in train mode unless ``--eval`` (batch
statistics of the one test image, dropout on). We run imported nets in eval() like every model here:
running statistics, deterministic, and tiles agree with the whole image; ``--eval`` in their tool gives the
same result. Dropout is still available through the translator's seed ("variation").
"""

from __future__ import annotations

import re
from typing import Any

import torch

from .safeload import CheckpointError

_STATS = ("running_mean", "running_var", "num_batches_tracked")
NESTING_KEYS = ("state_dict", "G_ema", "g_ema", "model", "G", "netG", "netG_A", "G_A", "generator", "params")
# (the EMA generator before the raw one: a {G, D, G_ema} export means its G_ema)


def unwrap(obj: Any, depth: int = 3) -> Any:
    """The tensor dict inside ``{'state_dict': {...}}``-style wrappers (a few levels, the keys above)."""
    for _ in range(depth):
        if not isinstance(obj, dict) or (obj and all(isinstance(v, torch.Tensor) for v in obj.values())):
            return obj
        inner = next((obj[k] for k in NESTING_KEYS if isinstance(obj.get(k), dict) and obj[k]), None)
        if inner is None:
            return obj
        obj = inner
    return obj


def clean_state_dict(sd: dict[str, Any]) -> tuple[dict[str, torch.Tensor], list[str]]:
    """Unwrap nested weights, strip DataParallel's ``module.`` prefix, drop legacy InstanceNorm statistics."""
    sd = unwrap(sd)
    sd = {(k[7:] if k.startswith("module.") else k): v for k, v in sd.items()
          if isinstance(k, str) and isinstance(v, torch.Tensor)}
    dropped = []
    for k in list(sd):
        prefix, _, leaf = k.rpartition(".")
        if leaf in _STATS and f"{prefix}.weight" not in sd:
            dropped.append(k)
            del sd[k]
    return sd, dropped


def is_resnet(sd: dict[str, Any]) -> bool:
    return "model.1.weight" in sd and any(re.fullmatch(r"model\.\d+\.conv_block\.1\.weight", k) for k in sd)


def is_unet(sd: dict[str, Any]) -> bool:
    return "model.model.0.weight" in sd and "model.model.3.weight" in sd


def _norm(sd: dict[str, torch.Tensor]) -> str:
    if any(k.endswith(".running_mean") for k in sd):
        return "batch"
    if any(k.endswith(".weight") and v.ndim == 1 for k, v in sd.items()):
        return "instance-affine"
    return "instance"


def _layout(cfg: Any) -> str:
    return f"{cfg.norm} norm, conv bias {'on' if cfg.bias else 'off'}"


def _check(net: torch.nn.Module, sd: dict[str, torch.Tensor], what: str) -> None:
    """Key by key and shape by shape against our net; the refusal names what differs in this file."""
    ref = net.state_dict()
    missing = [k for k in ref if k not in sd]
    unexpected = [k for k in sd if k not in ref]
    wrong = [f"{k} {tuple(sd[k].shape)}≠{tuple(ref[k].shape)}" for k in ref
             if k in sd and tuple(sd[k].shape) != tuple(ref[k].shape)]
    if missing or unexpected or wrong:
        parts = [f"{len(missing)} missing (e.g. {', '.join(missing[:3])})" if missing else "",
                 f"{len(unexpected)} not in that network (e.g. {', '.join(unexpected[:3])})" if unexpected else "",
                 f"{len(wrong)} with other shapes (e.g. {', '.join(wrong[:3])})" if wrong else ""]
        raise CheckpointError(f"the weights differ from a {what} ({_layout(net.cfg)}): "
                              + "; ".join(p for p in parts if p))


def resnet_generator(sd: dict[str, torch.Tensor]) -> Any:
    from ..nets.cyclegan import ResnetConfig, ResnetGenerator

    blocks = sorted(int(m.group(1)) for k in sd if (m := re.fullmatch(r"model\.(\d+)\.conv_block\.1\.weight", k)))
    n = len(blocks)
    if blocks != list(range(10, 10 + n)):
        raise CheckpointError("ResNet generator blocks are not numbered model.10 … as the CycleGAN layout has")
    first, last = sd["model.1.weight"], sd.get(f"model.{17 + n}.weight")
    if last is None:
        raise CheckpointError(f"ResNet generator without its output layer model.{17 + n}")
    dropout = sd.get("model.10.conv_block.6.weight", torch.zeros(0)).ndim == 4  # a conv there: Dropout at 4
    if first.ndim != 4 or last.ndim != 4:
        raise CheckpointError("ResNet generator whose first or last layer is not a convolution")
    norm = _norm(sd)
    bias = "model.1.bias" in sd
    cfg = ResnetConfig(in_channels=int(first.shape[1]), out_channels=int(last.shape[0]), ngf=int(first.shape[0]),
                       n_blocks=n, norm=norm, dropout=dropout, conv_bias=None if bias == (norm != "batch") else bias)
    with torch.device("meta"):
        _check(ResnetGenerator(cfg), sd, f"ResNet-{n} generator")
    net = ResnetGenerator(cfg)
    net.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in sd.items()})
    return net.eval().requires_grad_(False)


def unet_generator(sd: dict[str, torch.Tensor]) -> Any:
    from ..nets.pix2pix import UnetConfig, UnetGenerator

    depth = max(k.split(".").count("model") for k in sd) - 1
    first, last = sd["model.model.0.weight"], sd["model.model.3.weight"]
    if depth < 5:
        raise CheckpointError(f"U-Net with {depth} levels: the pix2pix layout has at least 5")
    # pix2pix trains U-Nets with dropout (their default); in eval() it is off, and a seed switches it on.
    if first.ndim != 4 or last.ndim != 4:
        raise CheckpointError("U-Net generator whose first or last layer is not a convolution")
    norm = _norm(sd)
    bias = "model.model.0.bias" in sd
    cfg = UnetConfig(in_channels=int(first.shape[1]), out_channels=int(last.shape[1]), num_downs=depth,
                     ngf=int(first.shape[0]), max_mult=8, norm=norm, dropout=True,
                     conv_bias=None if bias == (norm != "batch") else bias)
    with torch.device("meta"):
        _check(UnetGenerator(cfg), sd, f"U-Net ({depth} downsamplings) generator")
    net = UnetGenerator(cfg)
    net.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in sd.items()})
    return net.eval().requires_grad_(False)
