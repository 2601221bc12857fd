"""lucidrains/stylegan2-pytorch ``model_<N>.pt`` → our Lucid generator (checkpoint-formats.md §4).

The file is ``{'GAN': state_dict, 'version': str}`` (``amp`` too with fp16), read by ``safeload`` with the
weights-only loader. We take the EMA nets ``SE.`` (mapping) and ``GE.`` (generator), falling back to ``S.``/
``G.`` only when no EMA copy is present. The architecture is read from the keys' shapes and checked against a
generator built on the meta device, so a file that does not fit exactly is refused instead of half-loaded.

One number is not in the weights: the mapping's ``lr_mlp`` (their CLI default 0.1). Their trainer writes it
to ``models/<name>/.config.json``; when that file sits beside the checkpoint (and agrees with the weights)
we read it as plain JSON, otherwise we use 0.1 and say so in the card.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import torch

from .safeload import CheckpointError

DEFAULT_LR_MLP = 0.1
MAX_CONFIG_BYTES = 64 << 10
MAX_RESOLUTION = 4096
MAX_STYLE_DEPTH = 64
_MAPPING = {"SE.": "mapping.", "GE.": "synthesis."}
_NON_EMA = {"S.": "mapping.", "G.": "synthesis."}


def _gan_dict(obj: Any) -> dict[str, Any] | None:
    if not isinstance(obj, dict):
        return None
    gan = obj.get("GAN") if isinstance(obj.get("GAN"), dict) else obj
    keys = [k for k in gan if isinstance(k, str)]
    if any(k.startswith(("GE.blocks.", "G.blocks.")) for k in keys) and any(
            k.startswith(("SE.net.", "S.net.")) for k in keys):
        return gan
    return None


def is_lucidrains(obj: Any) -> bool:
    """A training file ``{'GAN': …}`` or a bare GAN state dict with StyleVectorizer and Generator keys."""
    return _gan_dict(obj) is not None


def generator_state(gan: dict[str, Any]) -> tuple[dict[str, torch.Tensor], bool]:
    """The EMA generator's tensors renamed to our module names (``SE.``→``mapping.``, ``GE.``→``synthesis.``)."""
    ema = any(k.startswith("GE.") for k in gan) and any(k.startswith("SE.") for k in gan)
    table = _MAPPING if ema else _NON_EMA
    out: dict[str, torch.Tensor] = {}
    for k, v in gan.items():
        for src, dst in table.items():
            if isinstance(k, str) and k.startswith(src):
                if not isinstance(v, torch.Tensor):
                    raise CheckpointError(f"lucidrains checkpoint: {k} is not a tensor")
                out[dst + k[len(src):]] = v
    return out, ema


def config_from_keys(sd: dict[str, torch.Tensor], lr_mul: float) -> Any:
    from ..nets.lucid import LucidConfig

    if any(k.startswith("synthesis.attns.") for k in sd):
        raise CheckpointError("this lucidrains model uses self-attention layers (attn_layers), which GAN Studio "
                              "does not import; models trained without --attn-layers import")
    depth = 0
    while f"mapping.net.{2 * depth}.weight" in sd:
        depth += 1
    blocks = sorted(int(m.group(1)) for k in sd if (m := re.fullmatch(r"synthesis\.blocks\.(\d+)\.conv1\.weight", k)))
    if depth == 0 or not blocks or blocks != list(range(len(blocks))):
        raise CheckpointError("no lucidrains StyleVectorizer (net.0) or generator blocks (blocks.0, 1, …) found")
    if depth > MAX_STYLE_DEPTH or len(blocks) + 1 > int(math.log2(MAX_RESOLUTION)):
        raise CheckpointError(f"a lucidrains model with {depth} mapping layers and {len(blocks)} blocks is "
                              "beyond any size GAN Studio reads")
    if "synthesis.initial_conv.weight" not in sd or (
            len(blocks) > 1 and "synthesis.blocks.0.to_rgb.upsample.1.f" not in sd):
        raise CheckpointError("this is an early (0.x) lucidrains stylegan2-pytorch file, without initial_conv or "
                              "the blurred RGB upsampling; only the 1.x layout is supported")
    latent = int(sd["mapping.net.0.weight"].shape[1])
    chans = [int(sd[f"synthesis.blocks.{i}.conv1.weight"].shape[0]) for i in blocks]
    last = len(blocks) - 1
    rgb = sd.get(f"synthesis.blocks.{last}.to_rgb.conv.weight")
    if rgb is None or rgb.ndim != 4:
        raise CheckpointError("lucidrains generator without its last RGB layer")
    cfg = LucidConfig(resolution=2 ** (len(blocks) + 1), img_channels=int(rgb.shape[0]), latent_dim=latent,
                      style_depth=depth, network_capacity=max(1, chans[-1] // 2), fmap_max=max(chans),
                      lr_mul=lr_mul, no_const="synthesis.to_initial_block.weight" in sd)
    if cfg.filters()[1:] != chans:
        raise CheckpointError(f"block channels {chans} do not follow lucidrains' capacity rule "
                              "min(capacity·2^(i+1), fmap_max); this generator cannot be rebuilt")
    return cfg


def read_sidecar_config(path: Path | None) -> dict[str, Any] | None:
    """Their ``.config.json`` beside the checkpoint, as data (JSON only, size-limited); None if absent/bad."""
    if path is None:
        return None
    side = Path(path).parent / ".config.json"
    try:
        if not side.is_file() or side.stat().st_size > MAX_CONFIG_BYTES:
            return None
        data = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):  # deep nesting too: not a usable config
        return None
    return data if isinstance(data, dict) else None


def _lr_mul(side: dict[str, Any] | None, resolution_hint: int | None) -> tuple[float, str]:
    if side is None:
        return DEFAULT_LR_MLP, "default 0.1 (their CLI default; no .config.json beside the file)"
    size = side.get("image_size")
    if isinstance(size, int) and resolution_hint is not None and size != resolution_hint:
        return DEFAULT_LR_MLP, (f"default 0.1 (.config.json beside the file is for {size}px, the weights are "
                                f"{resolution_hint}px)")
    value = side.get("lr_mlp", DEFAULT_LR_MLP)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < float(value) <= 100:
        return DEFAULT_LR_MLP, "default 0.1 (.config.json has no usable lr_mlp)"
    return float(value), ".config.json" if "lr_mlp" in side else "default 0.1 (.config.json has no lr_mlp)"


def build_generator(sd: dict[str, torch.Tensor], lr_mul: float = DEFAULT_LR_MLP,
                    w_avg_samples: int = 4096) -> Any:
    """Renamed state dict → ``LucidGenerator`` (eval, no grad), checked key by key and shape by shape."""
    from ..nets.lucid import LucidGenerator

    cfg = config_from_keys(sd, lr_mul)
    with torch.device("meta"):
        ref = LucidGenerator(cfg).state_dict()
    missing = [k for k in ref if k not in sd and k != "mapping.w_avg"]
    unexpected = [k for k in sd if k not in ref]
    wrong = [f"{k} {tuple(sd[k].shape)}≠{tuple(ref[k].shape)}" for k in ref
             if k in sd and tuple(sd[k].shape) != tuple(ref[k].shape)]
    if missing or unexpected or wrong:
        raise CheckpointError(f"the weights do not form a lucidrains stylegan2-pytorch generator (missing "
                              f"{missing[:3]}, unexpected {unexpected[:3]}, wrong shapes {wrong[:3]})")
    G = LucidGenerator(cfg)
    G.load_state_dict({k: v.float() for k, v in sd.items()}, strict=False)
    if "mapping.w_avg" not in sd:
        with torch.no_grad(), torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)  # deterministic: the same file always imports to the same model
            G.mapping.w_avg.copy_(G.mapping(torch.randn(w_avg_samples, cfg.latent_dim)).mean(0))
    return G.eval().requires_grad_(False)


def lucidrains_generator(obj: Any, path: Path | None = None) -> tuple[Any, dict[str, Any]]:
    """A lucidrains training file (or bare GAN state dict) → (LucidGenerator, facts for the card)."""
    gan = _gan_dict(obj)
    if gan is None:
        raise CheckpointError("a lucidrains file without StyleVectorizer and Generator weights")
    sd, ema = generator_state(gan)
    blocks = {k.split(".")[2] for k in sd if k.startswith("synthesis.blocks.")}
    side = read_sidecar_config(path)
    lr_mul, lr_source = _lr_mul(side, 2 ** (len(blocks) + 1) if blocks else None)
    G = build_generator(sd, lr_mul)
    facts: dict[str, Any] = {"networks": "SE/GE (EMA)" if ema else "S/G (no EMA copy in the file)",
                             "lr_mlp": lr_mul, "lr_mlp_from": lr_source, "w_avg": "estimated from 4096 z"}
    version = obj.get("version") if isinstance(obj, dict) else None
    if isinstance(version, str):
        facts["version"] = version[:32]
    if side is not None:
        facts["config_json"] = {k: v for k, v in side.items() if isinstance(v, int | float | str | bool)}
    return G, facts
