"""`gan-studio models export`: TorchScript and ONNX files reproduce the library model's output."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gan_studio.cli import main
from gan_studio.core.exporters.model_export import export_module
from tests.conftest import TINY_CYCLE_ID, TINY_ID


def _reference(lib, model_id, direction=None):
    module, example, _ = export_module(lib.load(model_id), lib.card(model_id), direction)
    gen = torch.Generator().manual_seed(5)
    if len(example) == 2:  # StyleGen: z, psi
        inputs = (torch.randn(example[0].shape, generator=gen), torch.tensor([0.7]))
    else:
        inputs = (torch.rand(example[0].shape, generator=gen) * 2 - 1,)
    with torch.no_grad():
        return inputs, module(*inputs)


@pytest.mark.parametrize("model_id,direction", [(TINY_ID, None), (TINY_CYCLE_ID, "BtoA")])
def test_torchscript_export_matches(tiny_library, tmp_path, model_id, direction):
    out = tmp_path / "model.pt"
    args = ["models", "export", model_id, "--format", "torchscript", "-o", str(out)]
    assert main(args + (["--direction", direction] if direction else [])) == 0
    inputs, ref = _reference(tiny_library, model_id, direction)
    with torch.no_grad():
        got = torch.jit.load(str(out))(*inputs)
    assert (got - ref).abs().max().item() <= 1e-5


@pytest.mark.slow
@pytest.mark.parametrize("model_id", [TINY_ID, TINY_CYCLE_ID])
def test_onnx_export_runs_in_onnxruntime(tiny_library, tmp_path, model_id):
    pytest.importorskip("onnxscript", reason="ONNX export needs the 'export' extra (onnx, onnxscript)")
    ort = pytest.importorskip("onnxruntime", reason="onnxruntime is not installed (pip install 'gan-studio[export]')")
    out = tmp_path / "model.onnx"
    assert main(["models", "export", model_id, "--format", "onnx", "-o", str(out)]) == 0
    inputs, ref = _reference(tiny_library, model_id)
    sess = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    names = [i.name for i in sess.get_inputs()]
    got = sess.run(None, {n: x.numpy() for n, x in zip(names, inputs, strict=True)})[0]
    assert got.shape == tuple(ref.shape)
    assert np.abs(got - ref.numpy()).max() <= 1e-4


def test_export_errors_are_clear(tiny_library, tmp_path, capsys):
    assert main(["models", "export", "no-such-model", "--format", "onnx", "-o", str(tmp_path / "x.onnx")]) == 2
    assert "unknown model" in capsys.readouterr().err
    assert main(["models", "export", TINY_CYCLE_ID, "--format", "torchscript", "--direction", "sideways",
                 "-o", str(tmp_path / "x.pt")]) == 2
    assert "no direction" in capsys.readouterr().err
