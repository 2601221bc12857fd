"""The whole hostile checkpoint corpus in one place, each file imported under an address-space cap in one
process (one thread, so its memory high-water mark bounds every file's peak): 0 payloads executed, 0 answers
other than a clean refusal (a CheckpointError; the one valid snapshot imports), 0 hangs (an alarm per file),
and the peak memory growth under 1 GB. The files are the ones the other hostile tests build, gathered here
so the closing counts come from one run; ``summary.json`` in the test's folder holds them."""

from __future__ import annotations

import builtins
import importlib
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

import tests.test_hostile_malformed as malformed
import tests.test_hostile_memory as memory
from tests.import_fixtures import _module_node, fake_nvidia_modules, nvidia_pickle, nvidia_state_dict
from tests.lucid_fixtures import training_file
from tests.test_import_hostile import Payload, _huge_zip, _torch_zip_bytes, _write_marker_code

ROOT = Path(__file__).resolve().parents[1]

_RUNNER = r"""
import json, resource, signal, sys, time
import torch
torch.set_num_threads(1)
from gan_studio.core.importers import CheckpointError, load_converted
def status(field):
    for line in open('/proc/self/status'):
        if line.startswith(field + ':'):
            return int(line.split()[1]) * 1024
def vm():
    return status('VmSize')
class Hang(Exception):
    pass
def alarm(*_):
    raise Hang()
signal.signal(signal.SIGALRM, alarm)
files = json.loads(open(sys.argv[1]).read())
base = status('VmHWM')  # this image's peak (ru_maxrss would carry the parent's from before exec)
print(json.dumps({"baseline": base}))
resource.setrlimit(resource.RLIMIT_AS, (vm() + int(sys.argv[2]), resource.RLIM_INFINITY))
out = []
for name, path in files:
    t0 = time.monotonic()
    signal.alarm(60)
    try:
        load_converted(path)
        kind, msg = "imported", ""
    except CheckpointError as exc:
        kind, msg = "refused", str(exc)[:200]
    except Hang:
        kind, msg = "hang", ""
    except BaseException as exc:
        kind, msg = type(exc).__name__, str(exc)[:300]
    finally:
        signal.alarm(0)
    hwm = next(int(ln.split()[1]) * 1024 for ln in open('/proc/self/status') if ln.startswith('VmHWM:'))
    out.append({"name": name, "kind": kind, "message": msg, "seconds": round(time.monotonic() - t0, 2),
                "peak_growth_so_far": status('VmHWM') - base,
                "peak_rss": hwm})
print(json.dumps(out))
"""

VALID = {"snapshot-with-module-src"}  # imports (its embedded source is never run)


def _payloads(marker: Path, folder: Path) -> dict[str, Payload]:
    (folder / "evil_corpus_payload.py").write_text(_write_marker_code(marker) + "\n")
    return {
        "os.system": Payload(os.system, f"touch {marker}"),
        "builtins.exec": Payload(builtins.exec, _write_marker_code(marker)),
        "builtins.eval": Payload(builtins.eval, f"__import__('os').system('touch {marker}')"),
        "subprocess.Popen": Payload(subprocess.Popen, ["touch", str(marker)]),
        "importlib": Payload(importlib.import_module, "evil_corpus_payload"),
    }


def build_corpus(folder: Path) -> tuple[dict[str, Path], list[Path]]:
    """name → file, and the marker files a payload would create."""
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    markers: list[Path] = []

    def add(name: str, path: Path) -> None:
        files[name] = path

    # Code execution: five payloads in three containers, in a lucidrains file, in snapshot module_src.
    for i, (kind, payload) in enumerate(_payloads(folder / "marker-payload", folder).items()):
        markers.append(folder / "marker-payload")
        (folder / f"p{i}.pkl").write_bytes(pickle.dumps({"G_ema": payload}))
        add(f"payload {kind} in a pickle", folder / f"p{i}.pkl")
        torch.save({"model.1.weight": torch.zeros(1), "x": payload}, folder / f"p{i}.pth")
        add(f"payload {kind} in a torch zip", folder / f"p{i}.pth")
        torch.save({"x": payload}, folder / f"p{i}-legacy.pth", _use_new_zipfile_serialization=False)
        add(f"payload {kind} in a legacy torch stream", folder / f"p{i}-legacy.pth")
    for legacy in (False, True):
        obj = training_file(latent=32, res=16)
        obj["version"] = Payload(os.system, f"touch {folder / 'marker-lucid'}")
        path = folder / f"lucid-{legacy}" / "model_1.pt"
        path.parent.mkdir()
        torch.save(obj, path, _use_new_zipfile_serialization=not legacy)
        add(f"payload in a lucidrains file (legacy={legacy})", path)
    markers.append(folder / "marker-lucid")
    src = _write_marker_code(folder / "marker-src")
    markers.append(folder / "marker-src")
    (folder / "snap-src.pkl").write_bytes(nvidia_pickle(nvidia_state_dict(res=8), module_src=src))
    add("snapshot-with-module-src", folder / "snap-src.pkl")
    with fake_nvidia_modules() as (fn, easydict):
        evil = _module_node({"w": torch.zeros(1)}, "Evil", fn, easydict, module_src=src)
        (folder / "evil-src.pkl").write_bytes(pickle.dumps({"G_ema": evil}))
    add("persistence object that is only a payload", folder / "evil-src.pkl")

    # Archive tricks, truncation, forged sizes.
    for i, entry in enumerate(["../../escaped.txt", "/tmp/absolute-escape.txt", "archive/../../escaped.txt",
                               "..\\..\\escaped.txt"]):
        srcz = zipfile.ZipFile(__import__("io").BytesIO(_torch_zip_bytes(OrderedDict(w=torch.zeros(3)))))
        path = folder / f"traversal{i}.pt"
        with zipfile.ZipFile(path, "w") as out:
            for info in srcz.infolist():
                out.writestr(info, srcz.read(info))
            out.writestr(zipfile.ZipInfo(entry), b"owned")
        add(f"zip path traversal {entry}", path)
    whole = nvidia_pickle(nvidia_state_dict(res=8))
    for n in (len(whole) // 2, 40):
        (folder / f"cut{n}.pkl").write_bytes(whole[:n])
        add(f"pickle cut at {n} bytes", folder / f"cut{n}.pkl")
    z = _torch_zip_bytes(OrderedDict(w=torch.zeros(64)))
    (folder / "cut.pt").write_bytes(z[: len(z) - 200])
    add("torch zip cut short", folder / "cut.pt")
    (folder / "junk.pt").write_bytes(b"hello, not a model")
    add("not a checkpoint", folder / "junk.pt")
    (folder / "huge.pt").write_bytes(_huge_zip(1 << 40))
    add("zip declaring a 4 TB tensor", folder / "huge.pt")
    (folder / "forged.pt").write_bytes(_huge_zip(1 << 20))
    add("zip declaring more than it holds", folder / "forged.pt")
    huge = Payload(torch._utils._rebuild_tensor_v2, torch.zeros(4).storage(), 0, (1 << 40,), (1,), False,
                   OrderedDict())
    (folder / "huge.pkl").write_bytes(pickle.dumps({"G_ema": huge}))
    add("pickle viewing 4 floats as 2^40", folder / "huge.pkl")

    # Malformed but harmless, and models that would draw only black.
    for mutate in (malformed._cyclic, malformed._int_names, malformed._modules_list, malformed._c_dim_list):
        name = mutate.__name__.strip("_")
        add(f"snapshot {name}", malformed._snapshot(folder, mutate, name=f"{name}.pkl"))
    sd = nvidia_state_dict(res=8)
    sd["mapping.fc0.weight"] = torch.zeros(16)
    torch.save(sd, folder / "flat-1d.pt")
    add("flat state dict with a 1-D fc0", folder / "flat-1d.pt")
    sd = nvidia_state_dict(res=8)
    sd["mapping.w_avg"] = torch.full((16,), float("nan"))
    add("NaN w_avg", malformed._snapshot(folder, lambda meta: None, sd=sd, name="nan-wavg.pkl"))
    add("conv_clamp -1 (black)", malformed._snapshot(folder, lambda meta: None, conv_clamp=-1, name="clamp.pkl"))

    # Formats we do not read, and broken files of those we do.
    from tests.test_import_lucid import _mutated

    broken = {
        "lucidrains block of the wrong capacity": _mutated(**{"GE.blocks.1.conv1.weight": torch.zeros(8, 5, 3, 3)}),
        "lucidrains block missing a tensor": _mutated(**{"GE.blocks.0.to_noise2.bias": None}),
        "lucidrains with attention layers": _mutated(**{"GE.attns.1.0.fn.fn.g": torch.zeros(1)}),
        "lucidrains 0.x layout": _mutated(**{"GE.initial_conv.weight": None, "GE.initial_conv.bias": None}),
        "lucidrains style of the wrong shape": _mutated(**{"GE.blocks.0.to_rgb.to_style.weight": torch.zeros(32, 3)}),
        "lucidrains incomplete": {"GAN": {"GE.initial_block": torch.zeros(1), "S.net.0.weight": torch.zeros(1)}},
        "FastGAN": {"g": {"module.init.init.1.weight_orig": torch.zeros(1)}, "d": {}},
        "StyleGAN3 state dict": {"synthesis.input.freqs": torch.zeros(4, 2), "mapping.fc0.weight": torch.zeros(4, 4)},
        "unrecognised tensors": {"hello": torch.zeros(2)},
    }
    for i, (name, obj) in enumerate(broken.items()):
        path = folder / f"broken{i}" / "model_3.pt"
        path.parent.mkdir()
        torch.save(obj, path)
        add(name, path)
    with fake_nvidia_modules() as (fn, easydict):
        tree = {"mapping": {"fc0": {"weight": torch.zeros(4, 4)}}, "synthesis": {"input": {"freqs": torch.zeros(4, 2)}}}
        (folder / "sg3.pkl").write_bytes(pickle.dumps({"G_ema": _module_node(tree, "Generator", fn, easydict)}))
    add("StyleGAN3 snapshot", folder / "sg3.pkl")
    lucid = folder / "lucid-whole" / "model_1.pt"
    lucid.parent.mkdir()
    torch.save(training_file(latent=16, res=16), lucid)
    data = lucid.read_bytes()
    for n in (len(data) // 2, len(data) - 300):
        (folder / f"lucid-cut{n}").mkdir()
        (folder / f"lucid-cut{n}" / "model_1.pt").write_bytes(data[:n])
        add(f"lucidrains file cut at {n} bytes", folder / f"lucid-cut{n}" / "model_1.pt")
    lucid.unlink()

    # Memory bombs.
    add("stride-0 expanded state dict", memory._expanded_stylegan(folder))
    add("deflate zip bomb (~1 MB → 1.2 GB)", memory._deflate_bomb(folder))
    data, crc = memory._deflated_zeros(256)
    path = folder / "bomb16.pt"
    memory._raw_zip(path, [memory._stored("archive/data.pkl", memory._structure([64 << 20] * 64))]
                    + [(f"archive/data/{i}", data, 8, crc, 256 << 20) for i in range(64)] + [memory.VERSION])
    add("16 MB zip → 16 GiB", path)
    gib, _ = memory._deflated_zeros(1024)
    memory._raw_zip(folder / "lying.pt", [("archive/data.pkl", gib, 8, 0, 200), memory.VERSION])
    add("zip header that lies (200 B declared, 1 GiB inside)", folder / "lying.pt")
    small, crc = memory._deflated_zeros(64)
    memory._raw_zip(folder / "lying-tensors.pt",
                    [memory._stored("archive/data.pkl", memory._structure([1024] * 16))]
                    + [(f"archive/data/{i}", small, 8, crc, 4096) for i in range(16)] + [memory.VERSION])
    add("zip tensors that lie (4 KB declared, 64 MiB inside each)", folder / "lying-tensors.pt")
    for size, name in ((1536 << 20, "sparse 1.5 GiB pickle"), (3 << 30, "sparse 3 GiB pickle")):
        path = folder / f"sparse{size}.pkl"
        with path.open("wb") as fh:
            fh.write(b"\x80\x04")
            fh.truncate(size)
        add(name, path)
    n = 1400 << 20
    with (folder / "forged-record.pkl").open("wb") as fh:
        fh.write(b"\x80\x04\x8e" + n.to_bytes(8, "little"))
        fh.truncate(n + 64)
    add("forged 1.4 GB record length", folder / "forged-record.pkl")
    if hasattr(os, "mkfifo"):
        os.mkfifo(folder / "fifo.pkl")
        add("FIFO named .pkl", folder / "fifo.pkl")
    return files, markers


@pytest.mark.slow
def test_the_hostile_corpus_executes_nothing_and_stays_under_1_gb(tmp_path):
    files, markers = build_corpus(tmp_path / "corpus")
    listing = tmp_path / "files.json"
    listing.write_text(json.dumps([[name, str(path)] for name, path in files.items()]))
    env = dict(os.environ, PYTHONPATH=str(ROOT), OMP_NUM_THREADS="1")
    proc = subprocess.run([sys.executable, "-c", _RUNNER, str(listing), str(memory.HEADROOM)], capture_output=True,
                          text=True, timeout=1200, env=env, cwd=tmp_path)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("[")]
    assert lines, f"the corpus runner died: rc {proc.returncode} {proc.stderr[-2000:]}"
    results = json.loads(lines[-1])
    base_rss = next(json.loads(ln)["baseline"] for ln in proc.stdout.splitlines() if ln.startswith('{"baseline"'))
    escaped = [tmp_path.parent / "escaped.txt", tmp_path / "escaped.txt"]  # where a traversal entry would land
    executed = [m.name for m in markers if m.exists()] + [p.name for p in escaped if p.exists()]
    wrong = [r for r in results if r["kind"] != ("imported" if r["name"] in VALID else "refused")]
    peak = max(r["peak_growth_so_far"] for r in results)
    summary = {"files": len(results), "executed": len(executed), "not_a_clean_refusal": len(wrong),
               "hangs": sum(r["kind"] == "hang" for r in results), "peak_growth_mb": round(peak / 2**20),
               "baseline_rss_mb": round(base_rss / 2**20), "peak_rss_mb": round(results[-1]["peak_rss"] / 2**20),
               "slowest_s": max(r["seconds"] for r in results), "results": results}
    (tmp_path / "summary.json").write_text(json.dumps(summary, indent=1))
    print(json.dumps({k: v for k, v in summary.items() if k != "results"}))
    assert len(results) == len(files) >= 50
    assert not executed, executed
    assert not wrong, wrong
    assert peak < (1 << 30), summary
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
