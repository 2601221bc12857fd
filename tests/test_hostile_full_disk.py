"""A disk that really refuses writes: each writer runs in a subprocess whose files may not grow past a few
hundred bytes (RLIMIT_FSIZE; every write beyond it fails in the kernel with EFBIG, whichever library does it:
PIL, PyAV/OpenCV, torch's C++ writer, safetensors, numpy). Every command must exit with one line that says
"disk full", leave the file it would have replaced byte for byte as it was, and leave no temp file behind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import REPO, TINY_CYCLE_ID, TINY_ID, TINY_SR_ID

_RUNNER = r"""
import contextlib, io, json, resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit then fails with EFBIG instead of killing
from gan_studio.cli import main
limit = int(sys.argv[1])
err = io.StringIO()
with contextlib.redirect_stderr(err):
    resource.setrlimit(resource.RLIMIT_FSIZE, (limit, resource.RLIM_INFINITY))
    code = main(sys.argv[2:])
print(json.dumps({"code": code, "err": err.getvalue()[-3000:]}))
"""


def _cli(argv: list[str], limit: int | None = None, timeout: float = 300) -> dict:
    env = dict(os.environ, PYTHONPATH=str(REPO), OMP_NUM_THREADS="1", PYTHONDONTWRITEBYTECODE="1")
    if limit is None:
        proc = subprocess.run([sys.executable, "-m", "gan_studio", *argv], capture_output=True, text=True,
                              timeout=timeout, env=env, cwd=REPO)
        assert proc.returncode == 0, proc.stderr[-2000:]
        return {"code": 0, "err": proc.stderr}
    proc = subprocess.run([sys.executable, "-c", _RUNNER, str(limit), *argv], capture_output=True, text=True,
                          timeout=timeout, env=env, cwd=REPO)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    assert lines, f"the writer died: rc {proc.returncode} {proc.stderr[-2000:]}"
    return json.loads(lines[-1])


def _says_disk_full(res: dict) -> None:
    err = res["err"]
    assert res["code"] != 0, res
    assert "Traceback" not in err and "enforce fail" not in err, err
    assert "disk full" in err, err


def _no_temp_left(folder: Path) -> None:
    assert not [p.name for p in folder.rglob("*") if p.name.endswith(".tmp") or p.name.startswith(".import-")]


@pytest.fixture
def picture(tmp_path) -> Path:
    path = tmp_path / "in.png"
    Image.new("RGBA", (32, 32), (200, 120, 40, 255)).save(path)
    return path


def _writers(tmp: Path, picture: Path) -> dict[str, tuple[list[str], Path]]:
    out = tmp / "out"
    return {
        "generate png": (["generate", "--model", TINY_ID, "--seeds", "1", "-o", str(out)], out / "seed000001.png"),
        "mix png": (["mix", "--model", TINY_ID, "--rows", "1", "--cols", "2", "-o", str(out / "mix.png")],
                    out / "mix.png"),
        "video gif": (["video", "--model", TINY_ID, "--seeds", "1,2", "--frames", "4", "-o", str(out / "w.gif")],
                      out / "w.gif"),
        "video mp4": (["video", "--model", TINY_ID, "--seeds", "1,2", "--frames", "4", "-o", str(out / "w.mp4")],
                      out / "w.mp4"),
        "project npz": (["project", "--model", TINY_ID, "--input", str(picture), "--steps", "2", "-o",
                         str(out / "me.npz")], out / "me.npz"),
        "upscale png": (["upscale", "--model", TINY_SR_ID, "--input", str(picture), "-o", str(out / "up.png")],
                        out / "up.png"),
        "translate png": (["translate", "--model", TINY_CYCLE_ID, "--input", str(picture), "-o",
                           str(out / "tr.png")], out / "tr.png"),
        "torchscript": (["models", "export", TINY_SR_ID, "--format", "torchscript", "-o", str(out / "sr.pt")],
                        out / "sr.pt"),
        "onnx": (["models", "export", TINY_SR_ID, "--format", "onnx", "-o", str(out / "sr.onnx")], out / "sr.onnx"),
    }


WRITERS = ["generate png", "mix png", "video gif", "video mp4", "project npz", "upscale png", "translate png",
           "torchscript", "onnx"]


@pytest.mark.parametrize("name", WRITERS)
def test_every_writer_says_disk_full_and_keeps_the_old_file(tiny_library, tmp_path, picture, name):
    if name == "onnx":
        pytest.importorskip("onnxscript")
    argv, target = _writers(tmp_path, picture)[name]
    _cli(argv)  # a good file first, written with room to spare
    good = target.read_bytes()
    res = _cli([*argv, "--overwrite"], limit=min(512, len(good) // 2))
    _says_disk_full(res)
    assert target.read_bytes() == good
    _no_temp_left(target.parent)


def test_importing_on_a_full_disk_adds_nothing_to_the_library(tmp_path):
    from gan_studio.core.library.registry import user_models_dir
    from tests.import_fixtures import nvidia_pickle, nvidia_state_dict

    pkl = tmp_path / "snapshot.pkl"
    pkl.write_bytes(nvidia_pickle(nvidia_state_dict(res=8)))
    res = _cli(["models", "import", str(pkl)], limit=4096)
    _says_disk_full(res)
    folder = user_models_dir()
    assert not folder.exists() or not list(folder.iterdir())
    _no_temp_left(folder.parent)
    _cli(["models", "import", str(pkl)])  # with room, the same file imports
    assert (folder / "snapshot" / "card.json").is_file()


def test_a_training_checkpoint_on_a_full_disk_says_so_and_the_run_is_marked_ended(image_folder, tmp_path):
    run = tmp_path / "run"
    arch = json.dumps({"ngf": 8, "ndf": 8, "z_dim": 16})
    argv = ["train", "--family", "dcgan", "--data", str(image_folder), "--out", str(run), "--resolution", "16",
            "--batch", "4", "--kimg", "0.016", "--arch", arch, "--threads", "1", "--checkpoint-every", "0",
            "--preview-every", "1e9", "--seed", "3"]
    res = _cli(argv, limit=48 << 10)  # config and records fit; a checkpoint (about 0.4 MB) does not
    _says_disk_full(res)
    assert "checkpoint" in res["err"]
    process = json.loads((run / "process.json").read_text())
    assert "ended" in process and process["ok"] is False
    _no_temp_left(run)
    assert not list((run / "checkpoints").glob("ckpt-*.pt")) if (run / "checkpoints").exists() else True


def test_registering_a_job_on_a_full_disk_keeps_the_library_as_it_was(image_folder, tiny_library):
    from gan_studio.core.jobs import JobSpec, JobStore
    from gan_studio.core.library.registry import user_models_dir

    arch = {"z_dim": 8, "w_dim": 8, "mapping_layers": 1, "channel_base": 32, "channel_max": 8,
            "d_channel_base": 32, "d_channel_max": 8}
    store = JobStore()
    job = store.create(JobSpec(name="full", data=str(image_folder), resolution=16, batch=4, minutes=None,
                               kimg=0.008, arch=arch, preview_every_s=1e9, checkpoint_every_s=1e9))
    store.mark_started(job)
    done = subprocess.run(job.train_argv(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    record = (job.folder / "job.json").read_bytes()
    res = _cli(["jobs", "register", job.name, "--num", "8"], limit=4096)
    _says_disk_full(res)
    folder = user_models_dir()
    assert not folder.exists() or not list(folder.iterdir())
    _no_temp_left(folder.parent)
    assert (job.folder / "job.json").read_bytes() == record
