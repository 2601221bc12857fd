"""Full disk, injected: every writer says "disk full" plainly and the old file stays intact; a video that does
not decode never replaces a good one."""

from __future__ import annotations

import errno
import pathlib
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from gan_studio.core.io import export
from gan_studio.core.io.atomic import DiskFullError, atomic_write_bytes


def _enospc(monkeypatch) -> None:
    def full(self, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(pathlib.Path, "write_bytes", full)


def _no_temp_left(folder: pathlib.Path) -> None:
    assert not [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_atomic_write_on_a_full_disk(tmp_path, monkeypatch):
    target = tmp_path / "a.bin"
    target.write_bytes(b"old")
    _enospc(monkeypatch)
    with pytest.raises(DiskFullError, match="disk full: could not write a.bin.*old file is unchanged"):
        atomic_write_bytes(target, b"new")
    monkeypatch.undo()
    assert target.read_bytes() == b"old"
    _no_temp_left(tmp_path)


def _frames(n: int = 12) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [rng.integers(0, 255, (32, 32, 3), dtype=np.uint8) for _ in range(n)]


@pytest.mark.parametrize("suffix", [".mp4", ".gif"])
def test_a_video_that_does_not_decode_never_replaces_a_good_one(tmp_path, monkeypatch, suffix):
    walk = tmp_path / f"walk{suffix}"
    export.write_video(_frames(), walk, fps=12)
    good = walk.read_bytes()
    real_save = export.atomic_save

    def truncating(path, writer, verify=None):  # the encoder "succeeds" but the disk kept only the start
        def short(tmp):
            writer(tmp)
            tmp.write_bytes(tmp.read_bytes()[: len(good) // 3])
        real_save(path, short, verify)

    monkeypatch.setattr(export, "atomic_save", truncating)
    with pytest.raises(OSError, match="does not decode|not written completely"):
        export.write_video(_frames(), walk, fps=12)
    monkeypatch.setattr(export, "low_on_space", lambda folder, need=0: True)
    with pytest.raises(DiskFullError, match="disk full"):
        export.write_video(_frames(), walk, fps=12)
    assert walk.read_bytes() == good
    _no_temp_left(tmp_path)


def _translator_library():
    from gan_studio.core.nets.cyclegan import ResnetConfig, ResnetGenerator

    net = ResnetGenerator(ResnetConfig(ngf=4, n_blocks=1)).eval()
    card = SimpleNamespace(family="cyclegan", id="tiny", resolution=16)
    return SimpleNamespace(card=lambda _id: card, load=lambda _id: {"AtoB": net}), net


def test_torchscript_export_on_a_full_disk(tmp_path, monkeypatch):
    from gan_studio.core.exporters.model_export import export_model

    lib, net = _translator_library()
    out = tmp_path / "tiny.pt"
    export_model("tiny", "torchscript", out, library=lib)
    x = torch.rand(1, 3, 16, 16) * 2 - 1
    with torch.no_grad():
        assert torch.allclose(torch.jit.load(str(out))(x), net(x), atol=1e-5)
    good = out.read_bytes()
    _enospc(monkeypatch)
    with pytest.raises(DiskFullError, match="disk full"):
        export_model("tiny", "torchscript", out, library=lib)
    monkeypatch.undo()
    assert out.read_bytes() == good
    _no_temp_left(tmp_path)


def test_onnx_export_on_a_full_disk(tmp_path, monkeypatch):
    onnx = pytest.importorskip("onnx")
    pytest.importorskip("onnxscript")
    from gan_studio.core.exporters.model_export import export_model

    lib, _ = _translator_library()
    out = tmp_path / "tiny.onnx"
    export_model("tiny", "onnx", out, library=lib)
    onnx.checker.check_model(onnx.load(str(out)))
    good = out.read_bytes()
    _enospc(monkeypatch)
    with pytest.raises(DiskFullError, match="disk full"):
        export_model("tiny", "onnx", out, library=lib)
    monkeypatch.undo()
    assert out.read_bytes() == good
    _no_temp_left(tmp_path)


def test_checkpoint_on_a_full_disk(tmp_path, monkeypatch):
    from gan_studio.core.training import checkpoint as ckpt
    from gan_studio.core.training.checkpoint import latest_checkpoint, load_checkpoint, save_checkpoint

    save_checkpoint(tmp_path, 10, {"step": 10, "w": torch.ones(4)})

    def torch_on_a_full_disk(obj, f, *a, **kw):  # what torch's C++ writer raises when the disk fills
        raise RuntimeError("[enforce fail at inline_container.cc:603] . unexpected pos 64 vs 0: file write failed")

    monkeypatch.setattr(ckpt.torch, "save", torch_on_a_full_disk)
    monkeypatch.setattr(ckpt, "low_on_space", lambda folder, need=0: True)
    with pytest.raises(OSError, match="disk full while writing checkpoint ckpt-00000020.pt.*ckpt-00000010.pt is kept"):
        save_checkpoint(tmp_path, 20, {"step": 20, "w": torch.zeros(4)})
    monkeypatch.undo()
    assert latest_checkpoint(tmp_path).name == "ckpt-00000010.pt"
    assert load_checkpoint(latest_checkpoint(tmp_path))["step"] == 10
    _no_temp_left(tmp_path / "checkpoints")


def test_a_projected_latent_on_a_full_disk_keeps_the_old_one(tiny_library, tmp_path, monkeypatch, capsys):
    from PIL import Image

    from gan_studio.cli import main
    from tests.conftest import TINY_ID

    src = tmp_path / "photo.png"
    Image.new("RGBA", (16, 16), (200, 120, 40, 255)).save(src)
    out = tmp_path / "me.npz"
    assert main(["project", "--model", TINY_ID, "--input", str(src), "-o", str(out), "--steps", "2"]) == 0
    good = out.read_bytes()

    def full(*a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(np, "savez", full)
    capsys.readouterr()
    assert main(["project", "--model", TINY_ID, "--input", str(src), "-o", str(out), "--steps", "2",
                 "--overwrite"]) == 2
    err = capsys.readouterr().err
    assert "disk full" in err and "Traceback" not in err
    monkeypatch.undo()
    assert out.read_bytes() == good and np.load(out)["ws"].ndim >= 1
    _no_temp_left(tmp_path)


def test_importing_into_a_full_library_says_disk_full_and_keeps_the_old_model(tmp_path, monkeypatch):
    from torch import nn

    from gan_studio.core.library.weights import save_weights

    target = tmp_path / "generator.safetensors"
    save_weights(nn.Linear(4, 4), target)
    good = target.read_bytes()
    _enospc(monkeypatch)
    with pytest.raises(DiskFullError, match="disk full"):
        save_weights(nn.Linear(4, 4), target)
    monkeypatch.undo()
    assert target.read_bytes() == good
    _no_temp_left(tmp_path)
