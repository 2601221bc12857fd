"""DCGAN, the first family added as one module: trains through the shared loop, resumes exactly (also after
kill -9), exports, and the explorer's session draws it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from gan_studio.core import families
from gan_studio.core.training.checkpoint import latest_checkpoint, load_checkpoint
from gan_studio.core.training.config import TrainConfig
from gan_studio.core.training.dcgan_trainer import train_dcgan

ARCH = {"ngf": 8, "ndf": 8, "z_dim": 16}


def _cfg(data: Path, out: Path, kimg: float) -> TrainConfig:
    return TrainConfig(family="dcgan", data=str(data), out=str(out), resolution=16, channels=4, batch=4, kimg=kimg,
                       seed=5, threads=1, preview_every_s=1e9, checkpoint_every_s=1e9, arch=ARCH)


def _same(a: dict, b: dict) -> None:
    for net in ("G", "D"):
        for k in a[net]:
            assert torch.equal(a[net][k], b[net][k]), f"{net}.{k} differs"
    for opt in ("opt_G", "opt_D"):
        for k, v in a[opt]["state"].items():
            assert torch.equal(v["exp_avg_sq"], b[opt]["state"][k]["exp_avg_sq"])


def test_dcgan_resumes_exactly(image_folder, tmp_path):
    assert train_dcgan(_cfg(image_folder, tmp_path / "full", 0.048)).step == 12
    assert train_dcgan(_cfg(image_folder, tmp_path / "split", 0.024)).step == 6
    assert train_dcgan(_cfg(image_folder, tmp_path / "split", 0.048), resume=True).step == 12
    _same(load_checkpoint(latest_checkpoint(tmp_path / "full")), load_checkpoint(latest_checkpoint(tmp_path / "split")))


def _argv(data: Path, out: Path) -> list[str]:
    return [sys.executable, "-m", "gan_studio", "train", "--family", "dcgan", "--data", str(data), "--out", str(out),
            "--resolution", "16", "--batch", "4", "--kimg", "0.4", "--arch", json.dumps(ARCH), "--threads", "1",
            "--checkpoint-every", "0", "--preview-every", "1e9", "--seed", "5"]


def _last_step(run: Path) -> int:
    steps = [int(p.stem.split("-")[1]) for p in (run / "checkpoints").glob("ckpt-*.pt")] if run.exists() else []
    return max(steps, default=-1)


@pytest.mark.slow
def test_dcgan_resumes_exactly_after_kill_9(image_folder, tmp_path):
    ref, run = tmp_path / "ref", tmp_path / "killed"
    done = subprocess.run(_argv(image_folder, ref), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    for kill in range(2):
        before = _last_step(run)
        proc = subprocess.Popen(_argv(image_folder, run) + (["--resume"] if kill else []),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 120
        while proc.poll() is None and _last_step(run) <= before + 5 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert proc.poll() is None, "the run finished before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    final = subprocess.run(_argv(image_folder, run) + ["--resume"], capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr[-2000:]
    a, b = load_checkpoint(latest_checkpoint(ref)), load_checkpoint(latest_checkpoint(run))
    assert a["step"] == b["step"] == 100
    _same(a, b)


def test_dcgan_trains_from_the_cli_and_the_explorer_draws_it(image_folder, tmp_path):
    from gan_studio.cli import main
    from gan_studio.core.library.registry import Library
    from gan_studio.core.sessions.generator import RenderRequest

    assert "dcgan" in [f.name for f in families.dialog_families()]
    out = tmp_path / "models"
    code = main(["train", "--family", "dcgan", "--data", str(image_folder), "--out", str(tmp_path / "run"),
                 "--resolution", "16", "--batch", "8", "--kimg", "0.4", "--arch", json.dumps(ARCH), "--threads", "1",
                 "--export", str(out / "dc-test"), "--id", "dc-test"])
    assert code == 0
    assert list((tmp_path / "run" / "previews").glob("step-*.png"))  # a preview of the explorer's seeds
    lib = Library([(out, "user")])
    card = lib.card("dc-test")
    assert card.family == "dcgan" and card.tasks == ["explore"] and card.resolution == 16
    sess = families.open_session("dc-test", lib)
    assert sess.num_ws == 1
    imgs = [sess.render(RenderRequest(model_id="dc-test", seed=s, psi=1.0)) for s in (1, 2)]
    assert imgs[0].shape == (16, 16, 4) and imgs[0].dtype == np.uint8
    assert np.abs(imgs[0].astype(int) - imgs[1].astype(int)).mean() > 1.0  # seeds differ
    flat = [sess.render(RenderRequest(model_id="dc-test", seed=s, psi=0.0)) for s in (1, 2)]
    assert np.array_equal(flat[0], flat[1])  # ψ = 0: every seed is the prior's mean


@pytest.mark.parametrize("res", [8, 32, 128])
def test_dcgan_nets_follow_the_paper_layout(res):
    from gan_studio.core.nets.dcgan import DCGANConfig, DCGANDiscriminator, DCGANGenerator

    cfg = DCGANConfig(resolution=res, ngf=4, ndf=4)
    G, D = DCGANGenerator(cfg), DCGANDiscriminator(cfg)
    x = G(torch.randn(3, cfg.z_dim)).detach()
    assert x.shape == (3, 4, res, res) and float(x.abs().max()) <= 1.0
    assert D(x).shape == (3,)
    kinds = [type(m).__name__ for m in G.main]
    assert kinds.count("ConvTranspose2d") == cfg.levels + 1 and kinds[-1] == "Tanh"
    with pytest.raises(ValueError, match="power of two"):
        DCGANConfig(resolution=48)
