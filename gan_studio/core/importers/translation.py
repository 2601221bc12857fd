"""pytorch-CycleGAN-and-pix2pix generators (``*_net_G*.pth``) → our ResnetGenerator / UnetGenerator (§3).

Our nets use the same module layout, so the weights load by name. The architecture (ResNet block count or
U-Net depth, ngf, channels, norm) is read from the keys and checked against a net built on the meta device.
Norm detection (§3): running stats with a weight → batch norm; running stats without a weight → 2018-era
InstanceNorm keys, dropped; no norm keys → instance norm (a 'none'-norm net looks the same, and instance
is the project's default for such files).

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


def clean_state_dict(sd: dict[str, Any]) -> tuple[dict[str, torch.Tensor], list[str]]:
    """Strip DataParallel's ``module.`` prefix and drop legacy InstanceNorm running statistics."""
    sd = {(k[7:] if k.startswith("module.") else k): v for k, v in sd.items() if isinstance(v, torch.Tensor)}
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
    return "batch" if any(k.endswith(".running_mean") for k in sd) else "instance"


def _check(net: torch.nn.Module, sd: dict[str, torch.Tensor], what: str) -> None:
    ref = net.state_dict()
    missing = [k for k in ref if k not in sd]
    unexpected = [k for k in sd if k not in ref]
    wrong = [f"{k} {tuple(sd[k].shape)}≠{tuple(ref[k].shape)}" for k in ref
             if k in sd and tuple(sd[k].shape) != tuple(ref[k].shape)]
    if missing or unexpected or wrong:
        raise CheckpointError(f"the weights do not form a {what} (missing {missing[:3]}, unexpected "
                              f"{unexpected[:3]}, wrong shapes {wrong[:3]})")


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
    cfg = ResnetConfig(in_channels=int(first.shape[1]), out_channels=int(last.shape[0]), ngf=int(first.shape[0]),
                       n_blocks=n, norm=_norm(sd), dropout=dropout)
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
    cfg = UnetConfig(in_channels=int(first.shape[1]), out_channels=int(last.shape[1]), num_downs=depth,
                     ngf=int(first.shape[0]), max_mult=8, norm=_norm(sd), dropout=True)
    with torch.device("meta"):
        _check(UnetGenerator(cfg), sd, f"U-Net ({depth} downsamplings) generator")
    net = UnetGenerator(cfg)
    net.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in sd.items()})
    return net.eval().requires_grad_(False)
