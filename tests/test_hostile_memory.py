"""Memory bombs: every one is refused cleanly, in a subprocess whose address space is capped ~1.5 GB above what
the interpreter and torch already hold, so a file that makes the importer allocate fails the test instead of
the machine, and its peak memory growth must stay under 1 GB. The bombs: a stride-0 (expanded) state dict,
a ~1 MB and a 16 MB deflate zip, zip entries whose headers lie about their size, a 1.5 and a 3 GiB sparse
pickle, a forged record length, a FIFO named .pkl, and an 8000×8000 image to upscale or translate. Each
file is built here, never stored."""

from __future__ import annotations

import io
import json
import os
import pickle
import struct
import subprocess
import sys
import zipfile
import zlib
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
def status(field):
    for line in open('/proc/self/status'):
        if line.startswith(field + ':'):
            return int(line.split()[1]) * 1024
def vm():
    return status('VmSize')
base = status('VmHWM')  # this image's peak (ru_maxrss would carry the parent's from before exec)
resource.setrlimit(resource.RLIMIT_AS, (vm() + int(sys.argv[2]), resource.RLIM_INFINITY))
try:
    load_converted(sys.argv[1])
    out = {"kind": "imported", "message": ""}
except CheckpointError as exc:
    out = {"kind": "CheckpointError", "message": str(exc)}
except BaseException as exc:
    out = {"kind": type(exc).__name__, "message": str(exc)[:300]}
out["peak_growth"] = status('VmHWM') - base
print(json.dumps(out))
"""


_CLI_RUNNER = r"""
import contextlib, io, json, resource, sys
import torch
torch.set_num_threads(1)
from gan_studio.cli import main
def status(field):
    for line in open('/proc/self/status'):
        if line.startswith(field + ':'):
            return int(line.split()[1]) * 1024
def vm():
    return status('VmSize')
base = status('VmHWM')  # this image's peak (ru_maxrss would carry the parent's from before exec)
resource.setrlimit(resource.RLIMIT_AS, (vm() + int(sys.argv[1]), resource.RLIM_INFINITY))
err = io.StringIO()
with contextlib.redirect_stderr(err):
    code = main(sys.argv[2:])
out = {"code": code, "err": err.getvalue()[-2000:]}
out["peak_growth"] = status('VmHWM') - base
print(json.dumps(out))
"""


def _capped(code: str, args: list[str], timeout: float) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=timeout,
                          env=env, cwd=ROOT)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    assert lines, f"the capped process died: rc {proc.returncode}, {proc.stderr[-800:]}"
    return json.loads(lines[-1])


def _import_capped(path: Path, timeout: float = 120) -> dict:
    return _capped(_RUNNER, [str(path), str(HEADROOM)], timeout)


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
    from gan_studio.core.importers import checkpoint_bounds as bounds

    monkeypatch.setattr(bounds, "available_ram", lambda: 600 << 20)
    assert bounds.memory_budget() == 300 << 20
    with pytest.raises(bounds.UnsafeCheckpointError, match="can spare"):
        bounds.check_total(400 << 20, "the file")
    monkeypatch.setattr(bounds, "available_ram", lambda: None)
    assert bounds.memory_budget() == bounds.MAX_TOTAL_BYTES


# -- zips written by hand, so a header can say what the data is not ------------------------------------------
def _raw_zip(path: Path, entries: list[tuple[str, bytes, int, int, int]]) -> None:
    """entries: (name, payload as stored, method 0 stored | 8 deflated, crc32, declared uncompressed size)."""
    central = []
    with path.open("wb") as out:
        for name, payload, method, crc, size in entries:
            offset, n = out.tell(), name.encode()
            out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc, len(payload), size,
                                  len(n), 0) + n + payload)
            central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0x21, crc,
                                       len(payload), size, len(n), 0, 0, 0, 0, 0, offset) + n)
        start = out.tell()
        out.write(b"".join(central))
        out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), out.tell() - start,
                              start, 0))


def _stored(name: str, data: bytes) -> tuple[str, bytes, int, int, int]:
    return name, data, 0, zlib.crc32(data), len(data)


def _deflated_zeros(n_mib: int) -> tuple[bytes, int]:
    """``n_mib`` MiB of zeros as a raw deflate stream (about 1/1000 of it) and its crc32."""
    comp, chunk, crc = zlib.compressobj(9, zlib.DEFLATED, -15), bytes(1 << 20), 0
    parts = []
    for _ in range(n_mib):
        parts.append(comp.compress(chunk))
        crc = zlib.crc32(chunk, crc)
    return b"".join(parts) + comp.flush(), crc


def _structure(numels: list[int]) -> bytes:
    """A torch zip's data.pkl: ``model.i.weight`` = float storage ``i`` of ``numels[i]`` floats."""
    class Ref:
        def __init__(self, i: int) -> None:
            self.i = i

    class Rebuild:
        def __init__(self, ref: Ref) -> None:
            self.ref = ref

        def __reduce__(self):
            return (torch._utils._rebuild_tensor_v2, (self.ref, 0, (numels[self.ref.i],), (1,), False,
                                                      OrderedDict()))

    class P(pickle.Pickler):
        def persistent_id(self, obj):
            return ("storage", torch.FloatStorage, str(obj.i), "cpu", numels[obj.i]) if isinstance(obj, Ref) else None

    buf = io.BytesIO()
    P(buf, protocol=2).dump({f"model.{i}.weight": Rebuild(Ref(i)) for i in range(len(numels))})
    return buf.getvalue()


VERSION = _stored("archive/version", b"3\n")


def test_a_16_mb_zip_that_unpacks_to_16_gib_is_refused_under_a_memory_cap(tmp_path):
    data, crc = _deflated_zeros(256)
    path = tmp_path / "bomb16.pt"
    _raw_zip(path, [_stored("archive/data.pkl", _structure([64 << 20] * 64))]
             + [(f"archive/data/{i}", data, 8, crc, 256 << 20) for i in range(64)] + [VERSION])
    assert 15 << 20 < path.stat().st_size < 17 << 20
    _assert_refused(_import_capped(path), "zip bomb|more than the limit")


def test_a_zip_header_that_lies_about_its_size_does_not_inflate_the_rest(tmp_path):
    data, _ = _deflated_zeros(1024)  # 1 MB that inflates to 1 GiB, declared as 200 bytes
    pkl = tmp_path / "lying-structure.pt"
    _raw_zip(pkl, [("archive/data.pkl", data, 8, 0, 200), VERSION])
    _assert_refused(_import_capped(pkl), "truncated or damaged|more than it declares")
    small, crc = _deflated_zeros(64)
    tensors = tmp_path / "lying-tensors.pt"  # each entry says 4 KB (what its tensor needs) and holds 64 MiB
    _raw_zip(tensors, [_stored("archive/data.pkl", _structure([1024] * 16))]
             + [(f"archive/data/{i}", small, 8, crc, 4096) for i in range(16)] + [VERSION])
    _assert_refused(_import_capped(tensors), "truncated or damaged|cannot read|unrecognised")


def test_available_ram_honours_an_address_space_limit():
    code = ("import resource\nfrom gan_studio.core import device\n"
            "used = next(int(ln.split()[1]) * 1024 for ln in open('/proc/self/status') if ln.startswith('VmSize:'))\n"
            "resource.setrlimit(resource.RLIMIT_AS, (used + (700 << 20), resource.RLIM_INFINITY))\n"
            "print(device.available_ram())\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, env=env)
    assert out.returncode == 0, out.stderr
    assert 600 << 20 < int(out.stdout.strip()) <= 700 << 20


@pytest.fixture
def huge_image(tmp_path) -> Path:
    from PIL import Image

    path = tmp_path / "huge.png"
    Image.new("RGB", (8000, 8000), (30, 140, 200)).save(path, compress_level=1)  # 64 MP: the app's own limit
    return path


def test_upscaling_an_8000_px_image_is_refused_under_a_memory_cap(tiny_library, huge_image, tmp_path):
    from tests.conftest import TINY_SR_ID

    out = tmp_path / "big.png"
    res = _capped(_CLI_RUNNER, [str(HEADROOM), "upscale", "--model", TINY_SR_ID, "--input", str(huge_image),
                                "-o", str(out)], timeout=300)
    assert res["code"] == 2 and "largest result that fits" in res["err"] and "Traceback" not in res["err"], res
    assert res["peak_growth"] < (1 << 30), res
    assert not out.exists()


def test_translating_an_8000_px_image_natively_is_refused_under_a_memory_cap(tiny_library, huge_image, tmp_path):
    from tests.conftest import TINY_CYCLE_ID

    out = tmp_path / "t.png"
    res = _capped(_CLI_RUNNER, [str(HEADROOM), "translate", "--model", TINY_CYCLE_ID, "--input", str(huge_image),
                                "--fit", "native", "-o", str(out)], timeout=300)
    assert res["code"] == 2 and "largest result that fits" in res["err"] and "Traceback" not in res["err"], res
    assert res["peak_growth"] < (1 << 30), res
    assert not out.exists()
