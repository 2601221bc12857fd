"""Loaders of the built-in model families, registered with the library by name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from safetensors.torch import load_file, save_file

from ..io.atomic import atomic_save
from .cards import CardError, ModelCard, WeightFile, sha256_file
from .registry import register_family


@register_family("stylegen", tasks=("explore", "mix"))
def load_stylegen(card: ModelCard) -> Any:
    from ..nets.stylegen import Generator, StyleGenConfig

    cfg = StyleGenConfig.from_dict(card.architecture)
    G = Generator(cfg)
    state = load_file(str(card.file_for("generator")))
    missing, unexpected = G.load_state_dict(state, strict=False)
    missing = [k for k in missing if not k.endswith("resample_filter")]
    if missing or unexpected:
        raise CardError(f"{card.id}: weights do not match the architecture "
                        f"(missing {missing[:3]}, unexpected {unexpected[:3]})")
    return G.eval().requires_grad_(False)


@register_family("lucidrains", tasks=("explore", "mix"))
def load_lucidrains(card: ModelCard) -> Any:
    """An imported lucidrains stylegan2-pytorch generator: its own math, StyleGen's session interface."""
    from ..nets.lucid import LucidConfig, LucidGenerator

    return _load_strict(LucidGenerator(LucidConfig.from_dict(card.architecture)), card, "generator")


def save_weights(module: Any, path: Path) -> str:
    """Write a module's state dict as safetensors (no code can hide in it) atomically; return sha256."""
    state = {k: v.detach().contiguous().clone() for k, v in module.state_dict().items()}
    atomic_save(path, lambda tmp: save_file(state, str(tmp)))
    return sha256_file(path)


def write_model(folder: Path, card: ModelCard, modules: dict[str, Any]) -> ModelCard:
    """Save each role's weights beside a card listing them with their sha256."""
    folder.mkdir(parents=True, exist_ok=True)
    card.files = []
    for role, module in modules.items():
        name = f"{role}.safetensors"
        card.files.append(WeightFile(path=name, sha256=save_weights(module, folder / name), role=role))
    card.folder = folder
    card.write(folder)
    return card


@register_family("featurenet", tasks=("metrics",))
def load_featurenet(card: ModelCard) -> Any:
    from ..metrics.features import FeatureNet, FeatureNetConfig

    cfg = FeatureNetConfig(**{k: v for k, v in card.architecture.items()
                              if k in FeatureNetConfig.__dataclass_fields__})
    net = FeatureNet(cfg)
    net.load_state_dict(load_file(str(card.file_for("classifier"))))
    return net.eval().requires_grad_(False)


def _load_strict(module: Any, card: ModelCard, role: str) -> Any:
    state = load_file(str(card.file_for(role)))
    try:
        module.load_state_dict(state)
    except RuntimeError as exc:
        raise CardError(f"{card.id}: {role} weights do not match the card's architecture ({exc})") from exc
    return module.eval().requires_grad_(False)


@register_family("pix2pix", tasks=("sketch", "translate"))
def load_pix2pix(card: ModelCard) -> dict[str, Any]:
    """One direction, A→B; the nets dict is what ``TranslatorSession`` runs."""
    from ..nets.pix2pix import UnetConfig, UnetGenerator

    return {"AtoB": _load_strict(UnetGenerator(UnetConfig.from_dict(card.architecture)), card, "generator")}


@register_family("cyclegan", tasks=("translate",))
def load_cyclegan(card: ModelCard) -> dict[str, Any]:
    from ..nets.cyclegan import ResnetConfig, ResnetGenerator

    cfg = ResnetConfig.from_dict(card.architecture)
    nets = {"AtoB": _load_strict(ResnetGenerator(cfg), card, "generator_ab")}
    if any(f.role == "generator_ba" for f in card.files):  # an imported latest_net_G.pth has one direction
        nets["BtoA"] = _load_strict(ResnetGenerator(cfg), card, "generator_ba")
    return nets


@register_family("sr", tasks=("upscale",))
def load_sr(card: ModelCard) -> dict[str, Any]:
    from ..nets.srnet import SRConfig, SRNet

    return {"up": _load_strict(SRNet(SRConfig.from_dict(card.architecture)), card, "generator")}


def _conditional_generator(card: ModelCard) -> Any:
    from ..nets.conditional import ConditionalGenerator, ConditionConfig
    from ..nets.stackgan import text_generator
    from ..nets.stylegen import StyleGenConfig

    arch = card.architecture
    net, cond = StyleGenConfig.from_dict(arch), ConditionConfig.from_dict(arch["condition"])
    G = text_generator(net, cond, arch["stage1"]) if "stage1" in arch else ConditionalGenerator(net, cond)
    state = load_file(str(card.file_for("generator")))
    missing, unexpected = G.load_state_dict(state, strict=False)
    missing = [k for k in missing if not k.endswith("resample_filter")]
    if missing or unexpected:
        raise CardError(f"{card.id}: weights do not match the architecture "
                        f"(missing {missing[:3]}, unexpected {unexpected[:3]})")
    return G.eval().requires_grad_(False)


@register_family("age", tasks=("age",))
def load_age(card: ModelCard) -> Any:
    """Age-cGAN: a conditional StyleGen whose condition is age ‖ gender ‖ skin tone (data/labels.py)."""
    return _conditional_generator(card)


@register_family("text", tasks=("text",))
def load_text(card: ModelCard) -> dict[str, Any]:
    """StackGAN-style: Stage I conditional StyleGen and, when the card has one, the Stage II refiner."""
    nets = {"generator": _conditional_generator(card)}
    if "refiner" in card.architecture:
        from ..nets.stackgan import Refiner, RefinerConfig

        nets["refiner"] = _load_strict(Refiner(RefinerConfig.from_dict(card.architecture["refiner"])), card,
                                       "refiner")
    if "matcher" in card.architecture and any(f.role == "matcher" for f in card.files):
        from ..text.matcher import Matcher, MatcherConfig

        nets["matcher"] = _load_strict(Matcher(MatcherConfig.from_dict(card.architecture["matcher"])), card,
                                       "matcher")
    return nets
