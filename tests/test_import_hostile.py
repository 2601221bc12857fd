"""Hostile checkpoints: each is refused with a clear message and its payload never runs (the tests look for
the payload's side effect, a marker file, after the attempt)."""

from __future__ import annotations

import builtins
import importlib
import io
import os
import pickle
import subprocess
import sys
import time
import zipfile
from collections import OrderedDict

import pytest
import torch

from gan_studio.cli import main
from gan_studio.core.importers import CheckpointError, UnsafeCheckpointError, import_checkpoint, load_converted
from tests.import_fixtures import _module_node, fake_nvidia_modules, nvidia_pickle, nvidia_state_dict


class Payload:
    """Pickles as ``fn(*args)``: what a malicious checkpoint does."""

    def __init__(self, fn, *args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return (self.fn, self.args)


def _write_marker_code(marker) -> str:
    return f"open({str(marker)!r}, 'w').write('pwned')"


def _payloads(marker, tmp_path):
    mod = tmp_path / "evil_import_payload.py"
    mod.write_text(_write_marker_code(marker) + "\n")
    return {
        "os.system": Payload(os.system, f"touch {marker}"),
        "builtins.exec": Payload(builtins.exec, _write_marker_code(marker)),
        "builtins.eval": Payload(builtins.eval, f"__import__('os').system('touch {marker}')"),
        "subprocess.Popen": Payload(subprocess.Popen, ["touch", str(marker)]),
        "importlib": Payload(importlib.import_module, "evil_import_payload"),
    }


def _expect_refusal(path, marker, match="refused|truncated|damaged|not a checkpoint"):
    with pytest.raises(CheckpointError, match=match):
        load_converted(path)
    time.sleep(0.05)  # a spawned process would have had time to write
    assert not marker.exists(), "the payload ran"


@pytest.mark.parametrize("name", ["os.system", "builtins.exec", "builtins.eval", "subprocess.Popen", "importlib"])
def test_pickle_globals_never_run(tmp_path, monkeypatch, name):
    marker = tmp_path / "marker"
    payload = _payloads(marker, tmp_path)[name]
    monkeypatch.syspath_prepend(str(tmp_path))
    plain = tmp_path / "network-snapshot.pkl"
    plain.write_bytes(pickle.dumps({"G_ema": payload}))
    _expect_refusal(plain, marker, "refused, nothing was run")
    assert "evil_import_payload" not in sys.modules
    # The same payload inside a torch.save zip (a .pt/.pth file).
    pt = tmp_path / "latest_net_G.pth"
    torch.save({"model.1.weight": torch.zeros(1), "x": payload}, pt)
    _expect_refusal(pt, marker, "refused")
    # And in a legacy (pre-1.6) torch.save stream.
    legacy = tmp_path / "old_net_G.pth"
    torch.save({"x": payload}, legacy, _use_new_zipfile_serialization=False)
    _expect_refusal(legacy, marker, "refused")
    # And through the CLI: exit code 2 and one clear line.
    assert main(["models", "import", str(plain)]) == 2
    assert not marker.exists()


def test_persistence_module_src_is_never_executed(tmp_path):
    marker = tmp_path / "marker"
    src = _write_marker_code(marker)
    # A valid snapshot whose embedded source would write a file: the weights import, the source never runs.
    good = tmp_path / "snapshot.pkl"
    good.write_bytes(nvidia_pickle(nvidia_state_dict(res=8), module_src=src))
    card = import_checkpoint(good)
    assert card.family == "stylegen" and not marker.exists()
    # A persistence object that is only the payload: a clear error, nothing run.
    with fake_nvidia_modules() as (fn, easydict):
        evil = _module_node({"w": torch.zeros(1)}, "Evil", fn, easydict, module_src=src)
        data = pickle.dumps({"G_ema": evil})
    bad = tmp_path / "evil.pkl"
    bad.write_bytes(data)
    _expect_refusal(bad, marker, "StyleGAN2|mapping")


def _torch_zip_bytes(obj) -> bytes:
    buf = io.BytesIO()
    torch.save(obj, buf)
    return buf.getvalue()


@pytest.mark.parametrize("entry", ["../../escaped.txt", "/tmp/absolute-escape.txt", "archive/../../escaped.txt",
                                   "..\\..\\escaped.txt"])
def test_zip_path_traversal_is_refused(tmp_path, entry):
    src = zipfile.ZipFile(io.BytesIO(_torch_zip_bytes(OrderedDict(w=torch.zeros(3)))))
    path = tmp_path / "sub" / "model.pt"
    path.parent.mkdir()
    with zipfile.ZipFile(path, "w") as out:
        for info in src.infolist():
            out.writestr(info, src.read(info))
        out.writestr(zipfile.ZipInfo(entry), b"owned")
    with pytest.raises(UnsafeCheckpointError, match="path traversal|refused"):
        load_converted(path)
    assert not (tmp_path / "escaped.txt").exists() and not (tmp_path.parent / "escaped.txt").exists()


def test_truncated_files(tmp_path):
    marker = tmp_path / "marker"
    whole = nvidia_pickle(nvidia_state_dict(res=8))
    for n in (len(whole) // 2, 40):
        (tmp_path / "cut.pkl").write_bytes(whole[:n])
        _expect_refusal(tmp_path / "cut.pkl", marker, "truncated|damaged")
    z = _torch_zip_bytes(OrderedDict(w=torch.zeros(64)))
    (tmp_path / "cut.pt").write_bytes(z[: len(z) - 200])
    _expect_refusal(tmp_path / "cut.pt", marker, "truncated|damaged|cannot read")
    (tmp_path / "junk.pt").write_bytes(b"hello, not a model")
    _expect_refusal(tmp_path / "junk.pt", marker, "not a checkpoint")


class _HugeStorage:
    pass


def _huge_zip(numel: int) -> bytes:
    """A torch zip whose data.pkl declares a tensor of ``numel`` floats while holding 16 bytes."""
    placeholder = _HugeStorage()

    class P(pickle.Pickler):
        def persistent_id(self, obj):
            if obj is placeholder:
                return ("storage", torch.FloatStorage, "0", "cpu", numel)
            return None

    tensor = Payload(torch._utils._rebuild_tensor_v2, placeholder, 0, (numel,), (1,), False, OrderedDict())
    pkl = io.BytesIO()
    P(pkl, protocol=2).dump({"model.1.weight": tensor})
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("archive/data.pkl", pkl.getvalue())
        zf.writestr("archive/data/0", b"\0" * 16)
        zf.writestr("archive/version", b"3\n")
    return buf.getvalue()


def test_huge_declared_tensors_are_refused_without_allocating(tmp_path):
    t0 = time.perf_counter()
    (tmp_path / "huge.pt").write_bytes(_huge_zip(1 << 40))
    with pytest.raises(UnsafeCheckpointError, match="limit"):
        load_converted(tmp_path / "huge.pt")
    (tmp_path / "forged.pt").write_bytes(_huge_zip(1 << 20))  # under the limit, but the data is not there
    with pytest.raises(UnsafeCheckpointError, match="holds only"):
        load_converted(tmp_path / "forged.pt")
    # In an NVIDIA pickle: a real 4-float storage viewed as 2**40 floats.
    huge = Payload(torch._utils._rebuild_tensor_v2, torch.zeros(4).storage(), 0, (1 << 40,), (1,), False,
                   OrderedDict())
    (tmp_path / "huge.pkl").write_bytes(pickle.dumps({"G_ema": huge}))
    with pytest.raises(UnsafeCheckpointError, match="limit"):
        load_converted(tmp_path / "huge.pkl")
    assert time.perf_counter() - t0 < 10
