"""StyleGAN2 checkpoints (NVIDIA ADA pickles, NVIDIA-layout state dicts, rosinality ``.pt``) → our StyleGen.

Our generator already uses NVIDIA's key names and math (§1.3–1.4), so NVIDIA weights load by name;
rosinality's are renamed per §2.4 (no value changes except reshapes). The architecture is read from the
keys' shapes and then checked against a generator built on the meta device, so a file that does not fit
exactly is refused instead of half-loaded.
"""

from __future__ import annotations

import re
from typing import Any

import torch

from .safeload import CheckpointError, PersistentStub, check_total

# What a StyleGAN2 can be: the largest published ones are 1024 px, 512-d latents, 8 mapping layers.
MAX_RESOLUTION = 4096
MAX_LATENT = 4096
MAX_MAPPING_LAYERS = 32
MAX_CHANNELS = 4096


def _shape(sd: dict[str, torch.Tensor], key: str, ndim: int) -> tuple[int, ...]:
    """The shape of ``sd[key]``, which must be a tensor of ``ndim`` dimensions, each at least 1."""
    t = sd.get(key)
    if not isinstance(t, torch.Tensor) or t.ndim != ndim or any(s < 1 for s in t.shape):
        got = f"{t.ndim}-D {tuple(t.shape)}" if isinstance(t, torch.Tensor) else type(t).__name__
        raise CheckpointError(f"{key} should be a {ndim}-D tensor, the file has {got}: not a StyleGAN2 generator")
    return tuple(int(s) for s in t.shape)


def _config_from_keys(sd: dict[str, torch.Tensor], conv_clamp: float | None, lr_mul: float) -> Any:
    from ..nets.stylegen import StyleGenConfig

    if "mapping.embed.weight" in sd:
        raise CheckpointError("this is a conditional (class-label) StyleGAN2; GAN Studio imports only "
                              "unconditional generators so far")
    if any(k.endswith(".skip.weight") for k in sd if k.startswith("synthesis.")):
        raise CheckpointError("this StyleGAN2 uses the 'resnet' generator architecture; only the default "
                              "'skip' architecture is supported")
    res = sorted(int(m.group(1)) for k in sd
                 if isinstance(k, str) and (m := re.fullmatch(r"synthesis\.b(\d{1,5})\.conv1\.weight", k)))
    if not res or res[0] != 4 or any(b != 2 * a for a, b in zip(res, res[1:], strict=False)):
        raise CheckpointError("no StyleGAN2 synthesis blocks b4, b8, … found in the weights")
    if res[-1] > MAX_RESOLUTION:
        raise CheckpointError(f"a {res[-1]}-px StyleGAN2 is beyond any size GAN Studio reads ({MAX_RESOLUTION})")
    if any(f"synthesis.b{r}.torgb.weight" not in sd for r in res):
        raise CheckpointError("this StyleGAN2 has ToRGB only in its last block ('orig' architecture); "
                              "only the default 'skip' architecture is supported")
    layers = 0
    while f"mapping.fc{layers}.weight" in sd and layers <= MAX_MAPPING_LAYERS:
        layers += 1
    if layers == 0:
        raise CheckpointError("no mapping network (mapping.fc0) found in the weights")
    if layers > MAX_MAPPING_LAYERS:
        raise CheckpointError(f"more than {MAX_MAPPING_LAYERS} mapping layers: not a StyleGAN2 GAN Studio reads")
    ch = {r: _shape(sd, f"synthesis.b{r}.conv1.weight", 4)[0] for r in res}
    channel_max = max(ch.values())
    channel_base = max(c * r for r, c in ch.items())
    w_dim, z_dim = _shape(sd, "mapping.fc0.weight", 2)
    img_channels = _shape(sd, f"synthesis.b{res[-1]}.torgb.weight", 4)[0]
    if max(w_dim, z_dim) > MAX_LATENT or channel_max > MAX_CHANNELS or img_channels > 4:
        raise CheckpointError(f"latent sizes {z_dim}/{w_dim}, {channel_max} channels, {img_channels} image "
                              "channels: beyond any StyleGAN2 GAN Studio reads")
    cfg = StyleGenConfig(resolution=res[-1], img_channels=img_channels,
                         z_dim=z_dim, w_dim=w_dim, mapping_layers=layers,
                         channel_base=channel_base, channel_max=channel_max, mapping_lr_mul=lr_mul,
                         conv_clamp=conv_clamp)
    if any(cfg.channels(r) != c for r, c in ch.items()):
        raise CheckpointError(f"channel counts {ch} do not follow min(base / resolution, max); "
                              "this generator cannot be rebuilt")
    return cfg


def build_generator(sd: dict[str, torch.Tensor], conv_clamp: float | None = None, lr_mul: float = 0.01,
                    w_avg_samples: int = 4096) -> Any:
    """An NVIDIA-layout state dict → our ``Generator`` (eval, no grad), checked key by key and shape by shape."""
    from ..nets.stylegen import Generator

    cfg = _config_from_keys(sd, conv_clamp, lr_mul)
    with torch.device("meta"):
        ref = Generator(cfg).state_dict()
    sd = {k: v for k, v in sd.items() if not k.endswith("resample_filter")}  # the fixed [1,3,3,1] blur
    missing = [k for k in ref if k not in sd and not k.endswith("resample_filter") and k != "mapping.w_avg"]
    unexpected = [k for k in sd if k not in ref]
    wrong = [f"{k} {tuple(sd[k].shape)}≠{tuple(ref[k].shape)}" for k in ref
             if k in sd and tuple(sd[k].shape) != tuple(ref[k].shape)]
    if missing or unexpected or wrong:
        raise CheckpointError(f"the weights do not form a StyleGAN2 generator (missing {missing[:3]}, "
                              f"unexpected {unexpected[:3]}, wrong shapes {wrong[:3]})")
    # Built for real only once its size is known to be what the weights themselves hold (bounded by the file).
    check_total(sum(t.numel() * 4 for t in ref.values()), "the generator")
    G = Generator(cfg)
    G.load_state_dict({k: v.float() for k, v in sd.items()}, strict=False)
    if "mapping.w_avg" not in sd:
        with torch.no_grad(), torch.random.fork_rng(devices=[]):
            torch.manual_seed(0)  # deterministic estimate: the same file always imports to the same model
            G.mapping.w_avg.copy_(G.mapping(torch.randn(w_avg_samples, cfg.z_dim)).mean(0))
    return G.eval().requires_grad_(False)


# -- NVIDIA pickles --------------------------------------------------------------------------------------
def nvidia_generator(obj: Any) -> tuple[Any, dict[str, Any]]:
    """The ``G_ema`` of an NVIDIA network pickle → (Generator, facts for the card)."""
    if not isinstance(obj, dict) or not isinstance(obj.get("G_ema") or obj.get("G"), PersistentStub):
        raise CheckpointError("an NVIDIA pickle without a G_ema network")
    node: PersistentStub = obj.get("G_ema") or obj["G"]
    synth = node.child("synthesis")
    if synth is not None and synth.child("input") is not None:
        raise CheckpointError(
            "this is a StyleGAN3 snapshot. GAN Studio refuses it for now: StyleGAN3 synthesises from "
            "Fourier features through alias-free filtered layers (no per-layer noise, 16 ws), a different "
            "network from our StyleGAN2 generator, and running NVIDIA's own code would mean executing the "
            "source embedded in the file, which we never do")
    state = node.state
    kwargs = state.get("_init_kwargs") or {}
    kwargs = kwargs if isinstance(kwargs, dict) else {}
    synth_kwargs = kwargs.get("synthesis_kwargs") or {}
    synth_kwargs = synth_kwargs if isinstance(synth_kwargs, dict) else {}
    map_kwargs = kwargs.get("mapping_kwargs") or {}
    map_kwargs = map_kwargs if isinstance(map_kwargs, dict) else {}
    clamp = _number(synth_kwargs.get("conv_clamp"), "conv_clamp", allow_none=True)
    lr_mul = _number(map_kwargs.get("lr_multiplier", 0.01), "lr_multiplier")
    if clamp is not None and not clamp > 0:
        raise CheckpointError(f"conv_clamp {clamp} would clamp every activation to nothing (it must be positive "
                              "or absent); the generator would draw only black")
    if not 0 < lr_mul <= 100:
        raise CheckpointError(f"mapping lr_multiplier {lr_mul} is not a usable learning-rate multiplier")
    if _number(state.get("c_dim", 0) or 0, "c_dim") > 0:
        raise CheckpointError("this is a conditional (class-label) StyleGAN2; GAN Studio imports only "
                              "unconditional generators so far")
    if synth_kwargs.get("architecture", "skip") != "skip":
        raise CheckpointError(f"this StyleGAN2 uses the {str(synth_kwargs['architecture'])[:40]!r} generator "
                              "architecture; only the default 'skip' architecture is supported")
    sd = node.state_dict()
    G = build_generator(sd, conv_clamp=clamp, lr_mul=lr_mul)
    facts = {"class_name": node.class_name,
             "init_kwargs": {k: v for k, v in kwargs.items() if isinstance(v, int | float | str | bool)}}
    return G, facts


def _number(value: Any, field: str, allow_none: bool = False) -> Any:
    """A numeric field of a snapshot's metadata, as a finite float (None only where allowed)."""
    import math

    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise CheckpointError(f"malformed network snapshot: {field} is {str(value)[:40]!r}, not a number")
    return float(value)


def nvidia_state_dict_generator(sd: dict[str, torch.Tensor]) -> Any:
    if any(k.startswith("synthesis.input.") for k in sd):
        raise CheckpointError("these are StyleGAN3 weights, which GAN Studio does not support yet "
                              "(alias-free Fourier-feature synthesis is a different network)")
    return build_generator(sd, conv_clamp=None)


# -- rosinality --------------------------------------------------------------------------------------------
def is_rosinality(sd: Any) -> bool:
    return isinstance(sd, dict) and "style.1.weight" in sd and "input.input" in sd


def rosinality_to_nvidia(g_ema: dict[str, torch.Tensor], latent_avg: torch.Tensor | None = None
                         ) -> dict[str, torch.Tensor]:
    """§2.4, in reverse: rosinality ``g_ema`` keys → NVIDIA keys (reshapes only, no flips, no value changes)."""
    if any(("dwt" in k or "iwt" in k) for k in g_ema) or g_ema["to_rgb1.conv.weight"].shape[1] not in (1, 3, 4):
        raise CheckpointError("this is a rosinality SWAGAN (wavelet) generator; only StyleGAN2 converts")
    out: dict[str, torch.Tensor] = {}
    i = 1
    while f"style.{i}.weight" in g_ema:
        out[f"mapping.fc{i - 1}.weight"] = g_ema[f"style.{i}.weight"]
        out[f"mapping.fc{i - 1}.bias"] = g_ema[f"style.{i}.bias"]
        i += 1
    out["synthesis.b4.const"] = g_ema["input.input"][0]

    def conv(src: str, dst: str, noise: int) -> None:
        out[f"{dst}.weight"] = g_ema[f"{src}.conv.weight"][0]
        out[f"{dst}.affine.weight"] = g_ema[f"{src}.conv.modulation.weight"]
        out[f"{dst}.affine.bias"] = g_ema[f"{src}.conv.modulation.bias"]
        out[f"{dst}.noise_strength"] = g_ema[f"{src}.noise.weight"].reshape([])
        out[f"{dst}.bias"] = g_ema[f"{src}.activate.bias"]
        nk = f"noises.noise_{noise}"
        if nk in g_ema:
            out[f"{dst}.noise_const"] = g_ema[nk].reshape(g_ema[nk].shape[-2:])

    def torgb(src: str, dst: str) -> None:
        out[f"{dst}.weight"] = g_ema[f"{src}.conv.weight"][0]
        out[f"{dst}.affine.weight"] = g_ema[f"{src}.conv.modulation.weight"]
        out[f"{dst}.affine.bias"] = g_ema[f"{src}.conv.modulation.bias"]
        out[f"{dst}.bias"] = g_ema[f"{src}.bias"].reshape(-1)

    try:
        conv("conv1", "synthesis.b4.conv1", 0)
        torgb("to_rgb1", "synthesis.b4.torgb")
        j = 0
        while f"convs.{2 * j}.conv.weight" in g_ema:
            r = 2 ** (j + 3)
            conv(f"convs.{2 * j}", f"synthesis.b{r}.conv0", 2 * j + 1)
            conv(f"convs.{2 * j + 1}", f"synthesis.b{r}.conv1", 2 * j + 2)
            torgb(f"to_rgbs.{j}", f"synthesis.b{r}.torgb")
            j += 1
    except KeyError as exc:
        raise CheckpointError(f"incomplete rosinality generator: {exc.args[0]} is missing") from exc
    known = re.compile(r"(style\.\d+|input|conv1|to_rgb1|convs\.\d+|to_rgbs\.\d+|noises)\.")
    stray = [k for k in g_ema if not known.match(k)]
    if stray:
        raise CheckpointError(f"unexpected keys for a rosinality StyleGAN2 generator: {stray[:3]}")
    if latent_avg is not None:
        out["mapping.w_avg"] = latent_avg.reshape(-1)
    return out


def rosinality_generator(obj: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """A rosinality training file ``{g, d, g_ema, …, args}``, a converted ``{g_ema, latent_avg}``, or a bare
    ``g_ema`` state dict → (Generator, facts). rosinality has no conv_clamp."""
    g_ema = obj["g_ema"] if "g_ema" in obj else obj
    if not is_rosinality(g_ema):
        raise CheckpointError("a rosinality file without StyleGAN2 g_ema weights")
    latent_avg = obj.get("latent_avg") if isinstance(obj.get("latent_avg"), torch.Tensor) else None
    G = build_generator(rosinality_to_nvidia(g_ema, latent_avg), conv_clamp=None)
    facts: dict[str, Any] = {"kind": "training file" if "g" in obj and "d" in obj else "g_ema",
                             "w_avg": "from the file" if latent_avg is not None else "estimated from 4096 z"}
    args = obj.get("args")
    if args is not None and hasattr(args, "__dict__"):
        facts["args"] = {k: v for k, v in vars(args).items() if isinstance(v, int | float | str | bool)}
    return G, facts
