"""Import community GAN checkpoints into the user's library, safely (checkpoint-formats.md).

``import_checkpoint(path)`` reads the file without running anything it contains (``safeload``), recognises
the format from the objects inside, maps the weights onto one of our nets, checks a forward pass, and writes
a user model (safetensors + card with the architecture, the source file's sha256 and the import format).

Supported: NVIDIA StyleGAN2 / StyleGAN2-ADA network pickles (PyTorch) and NVIDIA-layout state dicts;
rosinality StyleGAN2 ``.pt`` (training files and converted ``g_ema`` files); pytorch-CycleGAN-and-pix2pix
ResNet and U-Net generators (batch or instance norm, legacy InstanceNorm keys); lucidrains stylegan2-pytorch
``model_<N>.pt`` (1.x layout, onto its own ``lucidrains`` family, ``nets/lucid.py``).
Refused with the reason: StyleGAN3 (a different network), TF-era pickles, FastGAN (not ported yet),
lucidrains models with attention layers or the 0.x layout, conditional or non-'skip' StyleGAN2.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .safeload import CheckpointError, RawCheckpoint, UnsafeCheckpointError, read_checkpoint

__all__ = ["CheckpointError", "Converted", "UnsafeCheckpointError", "convert", "detect_format",
           "import_checkpoint", "load_converted"]

FORMAT_LABELS = {
    "nvidia-stylegan2": "NVIDIA StyleGAN2/ADA network pickle",
    "nvidia-state-dict": "StyleGAN2 state dict (NVIDIA layout)",
    "rosinality": "rosinality stylegan2-pytorch .pt",
    "junyanz-resnet": "pytorch-CycleGAN-and-pix2pix ResNet generator",
    "junyanz-unet": "pytorch-CycleGAN-and-pix2pix U-Net generator",
    "lucidrains": "lucidrains stylegan2-pytorch model .pt",
}


@dataclass
class Converted:
    """A checkpoint mapped onto our nets: what a model card and ``write_model`` need."""

    format: str
    family: str
    tasks: list[str]
    resolution: int
    channels: int
    architecture: dict[str, Any]
    modules: dict[str, Any]
    facts: dict[str, Any] = field(default_factory=dict)


def _state_dict_of(obj: Any) -> dict[str, Any] | None:
    import torch

    from .translation import unwrap

    obj = unwrap(obj)  # {'state_dict': …}, {'netG': …}, … as re-implementations save them
    if isinstance(obj, dict) and obj and all(isinstance(k, str) for k in obj):
        if all(isinstance(v, torch.Tensor) for v in obj.values()):
            return obj
    return None


def _strip_module(sd: dict[str, Any]) -> dict[str, Any]:
    return {(k[7:] if isinstance(k, str) and k.startswith("module.") else k): v for k, v in sd.items()}


def normalised(obj: Any) -> Any:
    """StyleGAN2 weights as re-implementations save them (nested under ``state_dict``/``G_ema``/``g_ema``/
    ``model``…, DataParallel's ``module.`` prefix) → the plain layout the readers know; anything else as it is
    (the translation readers unwrap for themselves)."""
    from .stylegan import is_rosinality

    if not isinstance(obj, dict):
        return obj
    g_ema = obj.get("g_ema")
    if isinstance(g_ema, dict) and is_rosinality(_strip_module(g_ema)):
        return {**obj, "g_ema": _strip_module(g_ema)}
    sd = _state_dict_of(obj)
    if sd is not None:
        sd = _strip_module(sd)
        if is_rosinality(sd) or ("mapping.fc0.weight" in sd and any(k.startswith("synthesis.") for k in sd)):
            return sd
    return obj


def detect_format(raw: RawCheckpoint) -> str:
    """Name the format from the objects inside (never from the file name); raise for known-unsupported ones."""
    from .safeload import PersistentStub
    from .unsupported import describe_unsupported

    obj = normalised(raw.obj) if raw.container != "nvidia-pickle" else raw.obj
    if raw.container == "nvidia-pickle":
        if isinstance(obj, dict) and isinstance(obj.get("G_ema") or obj.get("G"), PersistentStub):
            return "nvidia-stylegan2"
        raise CheckpointError("a pickle that is not an NVIDIA network snapshot (no G_ema network inside)")
    if not isinstance(obj, dict):
        raise CheckpointError(f"unrecognised checkpoint: the file holds a {type(obj).__name__}, not a dict")
    from .lucidrains import is_lucidrains
    from .stylegan import is_rosinality
    from .translation import clean_state_dict, is_resnet, is_unet

    if is_rosinality(obj.get("g_ema")) or is_rosinality(obj):
        return "rosinality"
    if is_lucidrains(obj):
        return "lucidrains"
    describe_unsupported(obj)  # raises for FastGAN / StyleGAN3 / incomplete lucidrains state dicts
    sd = _state_dict_of(obj)
    if sd is not None:
        if "mapping.fc0.weight" in sd and ("synthesis.b4.const" in sd or "synthesis.input.freqs" in sd):
            return "nvidia-state-dict"
        sd, _ = clean_state_dict(sd)
        if is_resnet(sd):
            return "junyanz-resnet"
        if is_unet(sd):
            return "junyanz-unet"
    keys = ", ".join(list(map(str, obj))[:6])
    raise CheckpointError(f"unrecognised checkpoint (top-level keys: {keys}); GAN Studio reads NVIDIA "
                          "StyleGAN2 pickles, rosinality .pt files, lucidrains stylegan2-pytorch models and "
                          "pix2pix/CycleGAN generators")


def convert(raw: RawCheckpoint, name_hint: str = "", path: Path | None = None) -> Converted:
    """Map a read checkpoint onto our nets; ``path`` lets formats read a plain-JSON sidecar (lucidrains)."""
    fmt = detect_format(raw)
    if fmt in ("nvidia-state-dict", "rosinality"):
        raw = RawCheckpoint(raw.container, normalised(raw.obj))
    if fmt == "lucidrains":
        from .lucidrains import lucidrains_generator

        G, facts = lucidrains_generator(raw.obj, path)
        return _latent(fmt, G, facts)
    if fmt in ("nvidia-stylegan2", "nvidia-state-dict", "rosinality"):
        from . import stylegan

        if fmt == "nvidia-stylegan2":
            G, facts = stylegan.nvidia_generator(raw.obj)
        elif fmt == "rosinality":
            G, facts = stylegan.rosinality_generator(raw.obj)
        else:
            G, facts = stylegan.nvidia_state_dict_generator(raw.obj), {}
        return _latent(fmt, G, facts)
    from .translation import clean_state_dict, resnet_generator, unet_generator

    sd, dropped = clean_state_dict(raw.obj)
    facts = {"dropped_keys": len(dropped)} if dropped else {}
    if fmt == "junyanz-unet":
        net = unet_generator(sd)
        arch = net.cfg.to_dict() | {"input": "rgb"}
        # pix2pix maps are RGB→RGB; edges2shoes-style ones also work from a drawing, hence "sketch".
        return Converted(fmt, _family(fmt), ["translate", "sketch"], 2 ** net.cfg.num_downs,
                         net.cfg.out_channels, arch, {"generator": net}, facts)
    net = resnet_generator(sd)
    domains = _domains(name_hint)
    arch = net.cfg.to_dict() | {"domains": domains, "directions": ["AtoB"]}
    return Converted(fmt, _family(fmt), ["translate"], 256, net.cfg.out_channels, arch, {"generator_ab": net}, facts)


def _family(fmt: str) -> str:
    from ..families import for_format

    return for_format(fmt).name


def _latent(fmt: str, G: Any, facts: dict[str, Any]) -> Converted:
    """A generator drawn from z: the family that imports ``fmt`` decides its tasks."""
    from ..families import for_format

    spec, cfg = for_format(fmt), G.cfg
    return Converted(fmt, spec.name, list(spec.tasks), cfg.resolution, cfg.img_channels, cfg.to_dict(),
                     {"generator": G}, facts)


def _domains(name: str) -> list[str]:
    """'horse2zebra' → ['horse', 'zebra'] (the pretrained names' convention); otherwise ['A', 'B']."""
    m = re.fullmatch(r"([A-Za-z][\w-]*?)2([A-Za-z][\w-]*)", name.strip())
    return [m.group(1), m.group(2)] if m else ["A", "B"]


VERIFY_DRAWS = ((0, 1.0), (1, 0.7), (2, 0.5))  # (seed, ψ): truncation uses w_avg, so a NaN there shows


def verify(conv: Converted) -> dict[str, Any]:
    """Forward passes on fixed inputs (several seeds and ψ for generators): the right shape, finite values and
    not a constant image, so a model that would import but draw only black or NaN is refused here. Returns
    what the card records."""
    import torch

    from ..nets.stylegen import z_from_seed

    with torch.no_grad():
        if _is_latent(conv.family):
            G = conv.modules["generator"]
            w_avg = getattr(getattr(G, "mapping", None), "w_avg", None)
            if isinstance(w_avg, torch.Tensor) and not torch.isfinite(w_avg).all():
                raise CheckpointError("the file's average latent (w_avg) holds NaN or infinite values: "
                                      "every truncated image would be blank")
            ws = torch.cat([G.map(z_from_seed(seed, G.cfg.z_dim), psi) for seed, psi in VERIFY_DRAWS])
            out = G.synthesize(ws, "const")
            want = (len(VERIFY_DRAWS), conv.channels, conv.resolution, conv.resolution)
            what = "seeds 0-2 at ψ 1, 0.7, 0.5"
        else:
            net = next(iter(conv.modules.values()))
            side = max(64, net.multiple)
            gen = torch.Generator().manual_seed(0)
            x = torch.rand(1, net.cfg.in_channels, side, side, generator=gen) * 2 - 1
            out = net(x)
            want = (1, net.cfg.out_channels, side, side)
            what = "a random image"
    finite = bool(torch.isfinite(out).all())
    if tuple(out.shape) != want or not finite:
        raise CheckpointError(f"the imported network does not run correctly (output {tuple(out.shape)}, "
                              f"expected {want}, finite: {finite})")
    flat = out.flatten(1)
    if bool(((flat.amax(1) - flat.amin(1)) < 1e-6).any()):
        raise CheckpointError(f"the imported network draws a blank, single-colour image ({what}); its weights "
                              "or settings are unusable (e.g. a non-positive conv_clamp)")
    if len(out) > 1 and bool((out[1:] - out[:1]).abs().amax() < 1e-6):
        raise CheckpointError(f"the imported network draws the same image whatever the latent ({what}): its "
                              "weights or settings are unusable (e.g. a non-positive conv_clamp)")
    return {"forward": "ok", "output_shape": [1, *out.shape[1:]], "output_range": [float(out.min()), float(out.max())]}


def _guarded(fn: Any, *args: Any) -> Any:
    """The readers check what they expect; a file malformed in a way nobody foresaw still ends as a
    ``CheckpointError`` naming the problem, never a traceback."""
    try:
        return fn(*args)
    except CheckpointError:
        raise
    except MemoryError as exc:
        raise CheckpointError("not enough memory to convert this checkpoint") from exc
    except (RecursionError, IndexError, KeyError, TypeError, ValueError, AttributeError, RuntimeError) as exc:
        raise CheckpointError(f"the file is malformed: {type(exc).__name__}: {str(exc)[:200]}") from exc


def _is_latent(family: str) -> bool:
    from ..families import get

    return get(family).latent


def _slug(text: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return s[:48] or "imported-model"


def import_checkpoint(path: Path, name: str | None = None, library: Any = None) -> Any:
    """Import ``path`` into the user's library and return its ``ModelCard`` (raises ``CheckpointError``)."""
    from ... import __version__
    from ..library.cards import ModelCard, sha256_file
    from ..library.registry import Library, home_dir, user_models_dir
    from ..library.weights import write_model

    path = Path(path)
    raw = read_checkpoint(path)
    hint = name or path.stem
    conv = _guarded(convert, raw, hint, path)
    checked = _guarded(verify, conv)
    lib = library or Library()
    taken = set(lib.ids())
    base = _slug(name or path.stem)
    model_id, n = base, 2
    while model_id in taken or (user_models_dir() / model_id).exists():
        model_id, n = f"{base}-{n}", n + 1
    digest = sha256_file(path)
    card = ModelCard(
        id=model_id, name=name or path.stem, family=conv.family, tasks=conv.tasks, resolution=conv.resolution,
        channels=conv.channels, architecture=conv.architecture, files=[],
        description=f"Imported from {path.name} ({FORMAT_LABELS[conv.format]}).",
        license="unknown: the licence of the original checkpoint applies",
        training={"imported_from": path.name, "source_sha256": digest, "import_format": conv.format,
                  "import_container": raw.container, "imported_with": f"gan-studio {__version__}",
                  "verified": checked, **({"import_facts": conv.facts} if conv.facts else {})},
        source="user")
    home_dir().mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".import-", dir=home_dir()))
    try:
        write_model(tmp / model_id, card, conv.modules)
        user_models_dir().mkdir(parents=True, exist_ok=True)
        (tmp / model_id).rename(user_models_dir() / model_id)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if hasattr(lib, "forget"):
        lib.forget(model_id)
    return ModelCard.read(user_models_dir() / model_id)


def load_converted(path: Path, name_hint: str = "") -> Converted:
    """Read and convert without writing anything (tests and ``--dry-run`` use it)."""
    conv = _guarded(convert, read_checkpoint(Path(path)), name_hint or Path(path).stem, Path(path))
    _guarded(verify, conv)
    return conv
