"""CoGAN (issue 22): two generators sharing their first layers learn a pair of unpaired domains; the run resumes
exactly (also after kill -9), exports, and the explorer's session draws and exports both images of a seed."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw

from gan_studio.core.nets.cogan import CoGANConfig, CoGANDiscriminator, CoGANGenerator
from gan_studio.core.training.checkpoint import latest_checkpoint, load_checkpoint
from gan_studio.core.training.cogan_trainer import train_cogan
from gan_studio.core.training.config import TrainConfig
from tests.test_recipes import _same

ARCH = {"ngf": 8, "ndf": 8, "z_dim": 16, "domains": ["disc", "square"]}


@pytest.fixture
def domains(tmp_path) -> Path:
    """Unpaired domains at 16 px: red discs (trainA) and blue squares (trainB), 8 each, in shuffled places."""
    root = tmp_path / "domains"
    for sub, kw in (("trainA", {"fill": (230, 20, 20, 255)}), ("trainB", {"fill": (20, 20, 230, 255)})):
        (root / sub).mkdir(parents=True)
        for i in range(8):
            im = Image.new("RGBA", (16, 16), (0, 0, 0, 0))
            draw = ImageDraw.Draw(im)
            (draw.ellipse if sub == "trainA" else draw.rectangle)([1 + i % 3, 1 + (i * 5 + int(sub[-1] == "B")) % 3,
                                                                  13, 13], **kw)
            im.save(root / sub / f"{i}.png")
    return root


def _cfg(data: Path, out: Path, steps: int) -> TrainConfig:
    return TrainConfig(family="cogan", data=str(data), out=str(out), resolution=16, channels=4, batch=4,
                       kimg=steps * 4 / 1000, seed=3, threads=1, preview_every_s=1e9, checkpoint_every_s=1e9,
                       arch=ARCH, precision="fp32")


def test_the_generators_share_their_first_layers_and_the_critics_their_last():
    cfg = CoGANConfig(resolution=32, ngf=8, ndf=8, z_dim=16, own_layers=1)
    G, D = CoGANGenerator(cfg), CoGANDiscriminator(cfg)
    a, b = G(torch.randn(3, 16))
    assert a.shape == b.shape == (3, 4, 32, 32)
    G.zero_grad()
    D(a, 0).sum().backward()  # a loss of domain A alone reaches the shared trunk and A's head, never B's
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in G.shared.parameters() if p.requires_grad)
    assert all(p.grad is not None for p in G.heads[0].parameters())
    assert all(p.grad is None for p in G.heads[1].parameters())
    assert all(p.grad is None for p in D.heads[1].parameters())
    pair = G.synthesize(G.map(torch.randn(2, 16)))
    assert pair.shape == (2, 4, 32, 64 + cfg.gap)
    assert torch.all(pair[:, :, :, 32:32 + cfg.gap] == -1.0)  # the gap is transparent
    with pytest.raises(ValueError, match="two differently named"):
        CoGANConfig(domains=("x", "x"))
    with pytest.raises(ValueError, match="own_layers"):
        CoGANConfig(resolution=16, own_layers=2)


def test_a_cogan_run_resumes_exactly(domains, tmp_path):
    assert train_cogan(_cfg(domains, tmp_path / "full", 6)).step == 6
    assert train_cogan(_cfg(domains, tmp_path / "split", 3)).step == 3
    assert train_cogan(_cfg(domains, tmp_path / "split", 6), resume=True).step == 6
    _same(load_checkpoint(latest_checkpoint(tmp_path / "full")), load_checkpoint(latest_checkpoint(tmp_path / "split")))
    saved = json.loads((tmp_path / "full" / "config.json").read_text())
    assert saved["lr_g"] == 2e-4 and saved["arch"]["domains"] == ["disc", "square"]


def _argv(data: Path, out: Path, kimg: str) -> list[str]:
    return [sys.executable, "-m", "gan_studio", "train", "--family", "cogan", "--data", str(data), "--out", str(out),
            "--resolution", "16", "--batch", "4", "--kimg", kimg, "--arch", json.dumps(ARCH), "--threads", "1",
            "--checkpoint-every", "0", "--preview-every", "1e9", "--seed", "4", "--precision", "fp32"]


def test_kill_9_mid_run_then_resume_equals_an_uninterrupted_run(domains, tmp_path):
    ref, run = tmp_path / "ref", tmp_path / "killed"
    done = subprocess.run(_argv(domains, ref, "0.4"), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    proc = subprocess.Popen(_argv(domains, run, "0.4"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while latest_checkpoint(run) is None and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    resumed = subprocess.run([sys.executable, "-m", "gan_studio", "train", "--out", str(run), "--resume"],
                             capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    a, b = load_checkpoint(latest_checkpoint(ref)), load_checkpoint(latest_checkpoint(run))
    assert int(a["step"]) == int(b["step"]) == 100
    _same(a, b)


def _session(domains: Path, tmp_path: Path, kimg: str, *extra: str):
    from gan_studio.cli import main
    from gan_studio.core import families
    from gan_studio.core.library.registry import Library

    code = main(["train", "--family", "cogan", "--data", str(domains), "--out", str(tmp_path / "run"),
                 "--resolution", "16", "--batch", "8", "--kimg", kimg, "--arch", json.dumps(ARCH), "--threads", "1",
                 "--preview-every", "1e9", "--export", str(tmp_path / "models" / "pair"), "--id", "pair", *extra])
    assert code == 0
    return families.open_session("pair", Library([(tmp_path / "models", "user")]))


def test_the_explorer_session_draws_and_exports_both_images_of_a_seed(domains, tmp_path, monkeypatch):
    from gan_studio.core.io.recipe import read_recipe
    from gan_studio.core.sessions.generator import RenderRequest
    from gan_studio.core.sessions.pair import PairSession

    sess = _session(domains, tmp_path, "0.08")
    assert isinstance(sess, PairSession) and sess.domains == ("disc", "square")
    facts = sess.facts()
    assert facts["domains"] == ["disc", "square"] and facts["num_ws"] == 1 and facts["noise"] is False
    req = RenderRequest(model_id="pair", seed=5, psi=0.8)
    img = sess.render(req)
    gap = facts["pair_gap"]
    assert img.shape == (16, 32 + gap, 4) and not img[:, 16:16 + gap, 3].any()
    parts = sess.split(img)
    assert list(parts) == ["disc", "square"] and not np.array_equal(parts["disc"], parts["square"])
    written = sess.export(req, tmp_path / "out" / "s5.png", size=64)
    assert [p.name for p in written] == ["s5.png", "s5-disc.png", "s5-square.png"]
    both = np.asarray(Image.open(written[0]))
    assert both.shape == (64, 4 * (32 + gap), 4)  # enlarged as a pair: each image stays square
    assert np.asarray(Image.open(written[2])).shape == (64, 64, 4)
    assert read_recipe(written[1])["seed"] == 5
    with pytest.raises(ValueError, match="image pairs"):
        sess.project(img)
    # The CLI's generate writes the pair and each image.
    from gan_studio.cli import main

    monkeypatch.setenv("GAN_STUDIO_BUNDLED_MODELS", str(tmp_path / "models"))
    assert main(["generate", "--model", "pair", "--seeds", "1", "-o", str(tmp_path / "gen")]) == 0
    assert sorted(p.name for p in (tmp_path / "gen").iterdir()) == [
        "seed000001-disc.png", "seed000001-square.png", "seed000001.png"]


@pytest.mark.slow
def test_a_tiny_cogan_draws_each_domain_in_its_own_colour_from_one_latent(domains, tmp_path):
    from gan_studio.core.sessions.generator import RenderRequest

    sess = _session(domains, tmp_path, "2.4", "--lr", "1e-3")  # 300 steps of 8 (seconds)
    parts = [sess.split(sess.render(RenderRequest(model_id="pair", seed=s, psi=1.0))) for s in range(8)]
    a = np.stack([p["disc"] for p in parts]).astype(float)
    b = np.stack([p["square"] for p in parts]).astype(float)
    ink_a, ink_b = a[..., 3] > 128, b[..., 3] > 128
    assert a[..., 0][ink_a].mean() - a[..., 2][ink_a].mean() > 60  # red discs on the left
    assert b[..., 2][ink_b].mean() - b[..., 0][ink_b].mean() > 60  # blue squares on the right
    assert ink_a.mean() > 0.3 and ink_b.mean() > 0.3


def test_metrics_judge_each_domain_of_a_pair_and_keep_both_in_the_card(domains, tmp_path):
    import shutil

    from gan_studio.cli import main
    from gan_studio.core.library.registry import Library, user_models_dir

    _session(domains, tmp_path, "0.08")
    shutil.copytree(tmp_path / "models" / "pair", user_models_dir() / "pair")  # beside the bundled feature net
    for domain, sub in (("disc", "trainA"), ("square", "trainB")):
        assert main(["metrics", "--model", "pair", "--real", str(domains / sub), "--num", "16", "--domain", domain,
                     "--card"]) == 0
    names = {m["name"] for m in Library().card("pair").metrics}
    assert {"fd_emoji_disc", "fd_emoji_square", "swd_avg_disc", "sharpness_square"} <= names
    assert main(["metrics", "--model", "pair", "--real", str(domains / "trainA"), "--num", "4"]) == 2  # which one?


def test_the_export_is_fp16_and_draws_within_40_db_of_the_run(domains, tmp_path):
    from gan_studio.core.io.images import to_uint8
    from gan_studio.core.nets.stylegen import z_from_seed
    from gan_studio.core.sessions.generator import RenderRequest

    sess = _session(domains, tmp_path, "0.08")
    from safetensors import safe_open

    with safe_open(str(tmp_path / "models" / "pair" / "generator.safetensors"), "pt") as fh:
        assert all(fh.get_tensor(k).dtype in (torch.float16, torch.int64) for k in fh.keys())
    st = load_checkpoint(latest_checkpoint(tmp_path / "run"))
    G = CoGANGenerator(CoGANConfig.from_dict(json.loads(st["arch"])))
    G.load_state_dict(st["G"])
    with torch.no_grad():
        want = to_uint8(G.eval().synthesize(G.map(z_from_seed(5, 16), 0.8)))[0].astype(float)
    got = sess.render(RenderRequest("pair", seed=5, psi=0.8)).astype(float)
    mse = ((got - want) ** 2).mean()
    assert mse == 0 or 10 * np.log10(255 ** 2 / mse) >= 40
