"""Export library generators and translators to ONNX or TorchScript, for use outside GAN Studio.

- StyleGen: inputs ``z [N, z_dim]`` and ``psi [1]`` (truncation toward the tracked average w), output the
  image NCHW float32 in [−1, 1] (nominal), 'const' noise so the file is deterministic.
- Translators (pix2pix, CycleGAN, SR): input an image NCHW in [−1, 1] (sides a multiple of the net's
  ``multiple``), output NCHW in [−1, 1]; one direction per file (``direction``: AtoB, BtoA, up).
Nets run in eval(): running batch-norm statistics, no dropout.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch
from torch import nn

from ..library.cards import LibraryError

FORMATS = ("onnx", "torchscript")


class ExportError(LibraryError):
    pass


class StyleGenExport(nn.Module):
    """z, ψ → image with the synthesis' 'const' noise (ψ as a tensor so one file serves every ψ)."""

    def __init__(self, G: nn.Module) -> None:
        super().__init__()
        self.G = G

    def forward(self, z: torch.Tensor, psi: torch.Tensor) -> torch.Tensor:
        w = self.G.mapping(z)
        w_avg = self.G.mapping.w_avg
        w = w_avg + psi.reshape(1, 1) * (w - w_avg)
        ws = w.unsqueeze(1).expand(-1, self.G.num_ws, -1)
        return self.G.synthesis(ws, "const", 1.0)


def latent_export(model: Any, card: Any, direction: str | None = None) -> tuple[nn.Module, tuple, dict]:
    """StyleGen: z, ψ → image."""
    example = (torch.zeros(1, model.cfg.z_dim), torch.ones(1))
    return StyleGenExport(model).eval(), example, {"input_names": ["z", "psi"], "output_names": ["image"]}


def image_export(model: Any, card: Any, direction: str | None = None) -> tuple[nn.Module, tuple, dict]:
    """Translators: one direction of the nets dict, image → image."""
    key = direction or next(iter(model))
    if key not in model:
        raise ExportError(f"{card.id} has no direction {key!r}; it has {', '.join(model)}")
    net = model[key].eval()
    first = next(m for m in net.modules() if isinstance(m, nn.Conv2d))
    side = max(int(getattr(net, "multiple", 1)), min(256, int(card.resolution)))
    side = -(-side // int(getattr(net, "multiple", 1))) * int(getattr(net, "multiple", 1))
    example = (torch.zeros(1, first.in_channels, side, side),)
    return net, example, {"input_names": ["image"], "output_names": ["output"]}


def export_module(model: Any, card: Any, direction: str | None = None) -> tuple[nn.Module, tuple, dict]:
    """The module to export, an example input, and the input/output names, by the family's export hook.
    Shapes are fixed to the example (batch 1; translators at the model's resolution): the legacy ONNX exporter
    cannot give the FIR blur's depthwise kernels a dynamic channel count."""
    from ..families import get, resolve

    hook = get(card.family).export
    if hook is None:
        raise ExportError(f"models of family {card.family!r} cannot be exported")
    return resolve(hook)(model, card, direction)


def export_model(model_id: str, fmt: str, out: Path, direction: str | None = None, library: Any = None
                 ) -> Path:
    from ..library.registry import Library

    if fmt not in FORMATS:
        raise ExportError(f"unknown export format {fmt!r}; use {' or '.join(FORMATS)}")
    lib = library or Library()
    card = lib.card(model_id)
    module, example, names = export_module(lib.load(model_id), card, direction)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with torch.no_grad():
        if fmt == "torchscript":
            import io
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", torch.jit.TracerWarning)  # shape checks traced as constants
                traced = torch.jit.trace(module, example, check_trace=False)
            # Serialised in memory, then written by Python: torch's C++ writer aborts the process on a full
            # disk, Python's write raises ENOSPC, which the atomic helper reports with the old file intact.
            buf = io.BytesIO()
            torch.jit.save(traced, buf)
            data = buf.getvalue()
        else:
            data = _export_onnx(module, example, names)
    from ..io.atomic import atomic_write_bytes

    atomic_write_bytes(out, data)
    return out


def _export_onnx(module: nn.Module, example: tuple, names: dict) -> bytes:
    try:
        import onnx  # noqa: F401  (the exporter needs it; say so clearly when it is missing)
    except ImportError as exc:
        raise ExportError("ONNX export needs the 'onnx' package: pip install 'gan-studio[export]'") from exc
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the exporter's deprecation notes are not the user's concern
        # The dynamo exporter (needs onnxscript): the legacy one cannot size the FIR blur's depthwise kernels.
        program = torch.onnx.export(module, example, None, opset_version=18, dynamo=True, external_data=False,
                                    verbose=False, **names)
    return program.model_proto.SerializeToString()
