"""Safetensors I/O for library models: writing a model folder and filling nets from a card's files.

No code can hide in safetensors, and every write is atomic; the family modules build the nets, this module
only moves tensors between files and modules.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from safetensors.torch import load_file
from safetensors.torch import save as safetensors_bytes

from ..io.atomic import atomic_save
from .cards import CardError, ModelCard, WeightFile, sha256_file


def save_weights(module: Any, path: Path) -> str:
    """Write a module's state dict as safetensors atomically; return its sha256."""
    state = {k: v.detach().contiguous().clone() for k, v in module.state_dict().items()}
    data = safetensors_bytes(state)  # written by Python, so a full disk is an OSError (ENOSPC) the atomic
    atomic_save(path, lambda tmp: tmp.write_bytes(data))  # writer reports plainly, not a SafetensorError
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


def load_strict(module: Any, card: ModelCard, role: str) -> Any:
    """Fill ``module`` from the card's ``role`` file; every tensor must match, else a clear CardError."""
    state = load_file(str(card.file_for(role)))
    try:
        module.load_state_dict(state)
    except RuntimeError as exc:
        raise CardError(f"{card.id}: {role} weights do not match the card's architecture ({exc})") from exc
    return module.eval().requires_grad_(False)


def load_buffers_optional(module: Any, card: ModelCard, role: str, optional_suffix: str) -> Any:
    """As :func:`load_strict`, but buffers ending in ``optional_suffix`` (rebuilt from the config) may be absent."""
    state = load_file(str(card.file_for(role)))
    missing, unexpected = module.load_state_dict(state, strict=False)
    missing = [k for k in missing if not k.endswith(optional_suffix)]
    if missing or unexpected:
        raise CardError(f"{card.id}: weights do not match the architecture "
                        f"(missing {missing[:3]}, unexpected {unexpected[:3]})")
    return module.eval().requires_grad_(False)
