"""Memory bombs: every one is refused cleanly, in a subprocess whose address space is capped ~1.5 GB above what
the interpreter and torch already hold, so a file that makes the importer allocate fails the test instead of
the machine. Each file is built here, never stored."""

from __future__ import annotations

import io
import json
import os
import pickle
import subprocess
import sys
import zipfile
from collections import OrderedDict
from pathlib import Path

import pytest
import torch

ROOT = Path(__file__).resolve().parents[1]
HEADROOM = 1536 << 20

_RUNNER = r"""
import json, resource, sys
import torch
torch.set_num_threads(1)
from gan_studio.core.importers import CheckpointError, load_converted
def vm():
    for line in open('/proc/self/status'):
        if line.startswith('VmSize:'):
            return int(line.split()[1]) * 1024
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
resource.setrlimit(resource.RLIMIT_AS, (vm() + int(sys.argv[2]), resource.RLIM_INFINITY))
try:
    load_converted(sys.argv[1])
    out = {"kind": "imported", "message": ""}
except CheckpointError as exc:
    out = {"kind": "CheckpointError", "message": str(exc)}
except BaseException as exc:
    out = {"kind": type(exc).__name__, "message": str(exc)[:300]}
out["peak_growth"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - base
print(json.dumps(out))
"""


def _import_capped(path: Path, timeout: float = 120) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, "-c", _RUNNER, str(path), str(HEADROOM)], capture_output=True,
                          text=True, timeout=timeout, env=env, cwd=ROOT)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    assert lines, f"the importer died: rc {proc.returncode}, {proc.stderr[-800:]}"
    return json.loads(lines[-1])


def _assert_refused(result: dict, match: str) -> None:
    assert result["kind"] == "CheckpointError", result
    assert any(m in result["message"] for m in match.split("|")), result
    assert result["peak_growth"] < (1 << 30), result


def _expanded_stylegan(tmp_path: Path) -> Path:
    """A 'huge' StyleGAN2 state dict whose every tensor is one stored number viewed through stride 0."""
    from gan_studio.core.nets.stylegen import Generator, StyleGenConfig

    cfg = StyleGenConfig(resolution=8, img_channels=3, z_dim=4096, w_dim=4096, mapping_layers=8,
                         channel_base=16384, channel_max=2048)
    with torch.device("meta"):
        shapes = {k: tuple(v.shape) for k, v in Generator(cfg).state_dict().items()}
    one = torch.zeros(1)
    sd = {k: (one.expand(s) if s else torch.zeros(())) for k, s in shapes.items()}
    path = tmp_path / "expanded.pt"
    torch.save(sd, path)
    assert path.stat().st_size < 200_000
    return path


def _deflate_bomb(tmp_path: Path, entries: int = 5, numel: int = 60 << 20) -> Path:
    """A torch zip whose data entries are deflated zeros: a few hundred KB that unpack to 1.2 GB."""
    class Ref:
        def __init__(self, i: int) -> None:
            self.i = i

    class Rebuild:
        def __init__(self, ref: Ref) -> None:
            self.ref = ref

        def __reduce__(self):
            return (torch._utils._rebuild_tensor_v2, (self.ref, 0, (numel,), (1,), False, OrderedDict()))

    refs = [Ref(i) for i in range(entries)]

    class P(pickle.Pickler):
        def persistent_id(self, obj):
            return ("storage", torch.FloatStorage, str(obj.i), "cpu", numel) if isinstance(obj, Ref) else None

    pkl = io.BytesIO()
    P(pkl, protocol=2).dump({f"model.{i}.weight": Rebuild(r) for i, r in enumerate(refs)})
    path = tmp_path / "bomb.pt"
    chunk = bytes(16 << 20)
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("archive/data.pkl", pkl.getvalue())
        for r in refs:
            info = zipfile.ZipInfo(f"archive/data/{r.i}")
            info.compress_type = zipfile.ZIP_DEFLATED
            with zf.open(info, "w", force_zip64=True) as fh:
                for _ in range(numel * 4 // len(chunk)):
                    fh.write(chunk)
        zf.writestr("archive/version", b"3\n")
    assert path.stat().st_size < 8 << 20
    return path


def test_expanded_views_are_refused_under_a_memory_cap(tmp_path):
    _assert_refused(_import_capped(_expanded_stylegan(tmp_path)), "zero or overlapping strides")


def test_zip_bomb_is_refused_under_a_memory_cap(tmp_path):
    _assert_refused(_import_capped(_deflate_bomb(tmp_path)), "zip bomb")


def test_sparse_pickle_is_streamed_not_read_whole(tmp_path):
    path = tmp_path / "sparse.pkl"
    with path.open("wb") as fh:
        fh.write(b"\x80\x04")
        fh.truncate(1536 << 20)  # 1.5 GiB of holes: under the size limit, so only streaming keeps memory low
    _assert_refused(_import_capped(path), "truncated or damaged")
    big = tmp_path / "huge.pkl"
    with big.open("wb") as fh:
        fh.write(b"\x80\x04")
        fh.truncate(3 << 30)
    _assert_refused(_import_capped(big), "larger than any GAN checkpoint")


def test_forged_record_length_does_not_allocate(tmp_path):
    # BINBYTES8 declaring 1.4 GB, over a sparse file that really is that long: a whole-read allocates it.
    path = tmp_path / "forged.pkl"
    n = 1400 << 20
    with path.open("wb") as fh:
        fh.write(b"\x80\x04\x8e" + n.to_bytes(8, "little"))
        fh.truncate(n + 64)
    _assert_refused(_import_capped(path), "larger than any tensor")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_named_pkl_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "network-snapshot.pkl"
    os.mkfifo(fifo)
    try:
        result = _import_capped(fifo, timeout=60)
    except subprocess.TimeoutExpired:
        pytest.fail("importing a FIFO hangs")
    _assert_refused(result, "not a regular file")


def test_limits_follow_available_ram(monkeypatch):
    from gan_studio.core.importers import safeload

    monkeypatch.setattr(safeload, "available_ram", lambda: 600 << 20)
    assert safeload.memory_budget() == 300 << 20
    with pytest.raises(safeload.UnsafeCheckpointError, match="can spare"):
        safeload.check_total(400 << 20, "the file")
    monkeypatch.setattr(safeload, "available_ram", lambda: None)
    assert safeload.memory_budget() == safeload.MAX_TOTAL_BYTES
