"""Faults: SIGKILL at random moments never leaves a corrupt checkpoint and every resume continues exactly;
a full disk on checkpoint write is a clear error that keeps the previous checkpoint."""

from __future__ import annotations

import errno
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from gan_studio.core.training import checkpoint as ckpt_mod
from gan_studio.core.training.checkpoint import latest_checkpoint, load_checkpoint

ARCH = {"z_dim": 8, "w_dim": 8, "mapping_layers": 1, "channel_base": 32, "channel_max": 8,
        "d_channel_base": 32, "d_channel_max": 8}
KIMG = 0.8  # 200 steps of 4


def _argv(data: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "gan_studio", "train", "--family", "stylegen", "--data", str(data), "--out",
            str(out), "--resolution", "16", "--batch", "4", "--kimg", str(KIMG), "--arch", json.dumps(ARCH),
            "--threads", "1", "--checkpoint-every", "0", "--preview-every", "1e9", "--augment-p", "0.1",
            "--seed", "7"]


def _steps(run: Path) -> list[int]:
    return sorted(int(p.stem.split("-")[1]) for p in (run / "checkpoints").glob("ckpt-*.pt"))


@pytest.mark.slow
def test_sigkill_at_random_moments_resumes_exactly(image_folder, tmp_path):
    rng = random.Random(1234)
    run, ref = tmp_path / "killed", tmp_path / "reference"
    reference = subprocess.run(_argv(image_folder, ref), capture_output=True, text=True, timeout=300)
    assert reference.returncode == 0, reference.stderr[-2000:]
    kills, expected_resumes = 0, []
    while kills < 6:
        resume = bool(_steps(run)) if run.exists() else False
        if resume:
            expected_resumes.append(_steps(run)[-1])
        proc = subprocess.Popen(_argv(image_folder, run) + (["--resume"] if resume else []),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        before = _steps(run)[-1] if run.exists() and _steps(run) else -1
        deadline = time.monotonic() + 120
        while proc.poll() is None and time.monotonic() < deadline:
            if run.exists() and _steps(run) and _steps(run)[-1] > before:
                break
            time.sleep(0.02)
        assert proc.poll() is None, "the run finished before it could be killed; raise KIMG"
        time.sleep(rng.uniform(0.0, 0.5))  # anywhere: mid-step, mid-checkpoint-write, mid-event
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        kills += 1
        for path in (run / "checkpoints").glob("ckpt-*.pt"):  # every checkpoint on disk loads
            st = load_checkpoint(path)
            assert int(st["step"]) == int(path.stem.split("-")[1])
    expected_resumes.append(_steps(run)[-1])
    final = subprocess.run(_argv(image_folder, run) + ["--resume"], capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr[-2000:]
    resumed = [int(m) for m in re.findall(r"resumed from .* at step (\d+)", (run / "log.txt").read_text())]
    assert resumed == expected_resumes and len(resumed) >= 6  # always the last good checkpoint
    a, b = load_checkpoint(latest_checkpoint(ref)), load_checkpoint(latest_checkpoint(run))
    assert a["step"] == b["step"] == 200
    for net in ("G", "D", "G_ema"):
        for k in a[net]:
            assert torch.equal(a[net][k], b[net][k]), f"{net}.{k} differs after {kills} kills"
    assert a["ada"] == b["ada"]  # augmentation p and its statistic
    for opt in ("opt_G", "opt_D"):
        for k, v in a[opt]["state"].items():
            assert torch.equal(v["exp_avg_sq"], b[opt]["state"][k]["exp_avg_sq"])
    events = [json.loads(x) for x in (run / "progress.jsonl").read_text().splitlines() if x.endswith("}")]
    assert events[-1]["event"] == "finished" and events[-1]["kimg"] == KIMG


def test_full_disk_on_checkpoint_keeps_the_previous_one(image_folder, tmp_path, monkeypatch):
    from gan_studio.core.training.config import TrainConfig
    from gan_studio.core.training.stylegen_trainer import train_stylegen

    real_save = torch.save
    calls = {"n": 0}

    def filling_save(obj, f, *a, **kw):
        calls["n"] += 1
        if calls["n"] <= 3:
            return real_save(obj, f, *a, **kw)
        f.write(b"PK\x03\x04 half a checkpoint")  # the checkpoint writer hands torch a file
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(ckpt_mod.torch, "save", filling_save)
    cfg = TrainConfig(data=str(image_folder), out=str(tmp_path / "run"), resolution=16, batch=4, kimg=1.0,
                      threads=1, arch=ARCH, checkpoint_every_s=0.0, preview_every_s=1e9)
    with pytest.raises(OSError, match=r"disk full while writing checkpoint ckpt-00000004\.pt .*"
                                      r"previous checkpoint ckpt-00000003\.pt is kept") as info:
        train_stylegen(cfg)
    assert info.value.errno == errno.ENOSPC
    folder = tmp_path / "run" / "checkpoints"
    assert sorted(p.name for p in folder.iterdir()) == ["ckpt-00000002.pt", "ckpt-00000003.pt"]  # no torn temp
    assert int(load_checkpoint(latest_checkpoint(tmp_path / "run"))["step"]) == 3
    monkeypatch.setattr(ckpt_mod.torch, "save", real_save)
    res = train_stylegen(TrainConfig(**{**cfg.__dict__, "kimg": 0.024}), resume=True)  # space freed: resume
    assert res.step == 6 and res.finished
