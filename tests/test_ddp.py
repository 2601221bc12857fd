"""DDP under torchrun with gloo on CPU: 2 replicas stay identical, and the result matches one process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from gan_studio.core.training.checkpoint import latest_checkpoint, load_checkpoint
from gan_studio.core.training.ddp import strip_nproc

REPO = Path(__file__).resolve().parents[1]
TORCHRUN = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2"]
ARCH = {"z_dim": 8, "w_dim": 8, "mapping_layers": 1, "channel_base": 32, "channel_max": 8,
        "d_channel_base": 32, "d_channel_max": 8}


def _env() -> dict[str, str]:
    env = os.environ.copy()
    env["PYTHONPATH"] = str(REPO)
    env["OMP_NUM_THREADS"] = "1"
    for k in ("WORLD_SIZE", "RANK", "LOCAL_RANK"):
        env.pop(k, None)
    return env


def _events(run: Path) -> list[dict]:
    return [json.loads(x) for x in (run / "progress.jsonl").read_text().splitlines()]


@pytest.mark.slow
def test_sharded_ddp_equals_single_process(tmp_path):
    """A deterministic family whose replicas split one global batch: DDP must equal one process."""
    single, ddp = tmp_path / "single", tmp_path / "ddp"
    subprocess.run([sys.executable, str(REPO / "tests/ddp_linear.py"), str(single)], check=True, env=_env(),
                   timeout=120)
    out = subprocess.run([*TORCHRUN, str(REPO / "tests/ddp_linear.py"), str(ddp)], env=_env(), timeout=180,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-3000:]
    a, b = load_checkpoint(latest_checkpoint(single)), load_checkpoint(latest_checkpoint(ddp))
    assert a["step"] == b["step"] == 30  # 16 images a step either way (2 replicas × 8): same kimg, same steps
    for k in a["net"]:
        assert torch.allclose(a["net"][k], b["net"][k], atol=1e-5), k
    moved = (a["net"]["weight"] - torch.arange(8.0)).abs().max()
    assert moved < 7.5  # it trained (the start is ~0, the target 0…7)
    ev = _events(ddp)
    assert ev[-1]["event"] == "replicas" and ev[-1]["identical"] and len(set(ev[-1]["digests"])) == 1
    assert ev[-2]["event"] == "finished" and ev[-2]["kimg"] == _events(single)[-1]["kimg"]
    assert json.loads((ddp / "config.json").read_text())["batch"] == 16  # the global batch is what is saved


@pytest.mark.slow
def test_stylegen_nproc_2_replicas_identical_and_close_to_one_process(image_folder, tmp_path):
    common = ["train", "--family", "stylegen", "--data", str(image_folder), "--resolution", "16", "--batch", "8",
              "--kimg", "0.064", "--arch", json.dumps(ARCH), "--threads", "1", "--preview-every", "1e9",
              "--augment-p", "0.2", "--seed", "5"]
    single, ddp = tmp_path / "single", tmp_path / "ddp"
    r1 = subprocess.run([sys.executable, "-m", "gan_studio", *common, "--out", str(single)], env=_env(),
                        capture_output=True, text=True, timeout=180)
    assert r1.returncode == 0, r1.stderr[-2000:]
    r2 = subprocess.run([sys.executable, "-m", "gan_studio", *common, "--out", str(ddp), "--nproc", "2"],
                        env=_env(), capture_output=True, text=True, timeout=300)
    assert r2.returncode == 0, r2.stderr[-3000:]
    ev = _events(ddp)
    rep = next(e for e in ev if e["event"] == "replicas")
    assert rep["world_size"] == 2 and rep["identical"] and len(rep["digests"]) == 2
    fin = next(e for e in ev if e["event"] == "finished")
    assert fin["step"] == 8 and fin["kimg"] == 0.064  # 8 steps × (2 replicas × 4)
    a, b = load_checkpoint(latest_checkpoint(single)), load_checkpoint(latest_checkpoint(ddp))
    init = _init_weights(tmp_path, image_folder)
    # Replicas sample different latents and images than the single process (as in StyleGAN2-ADA), so the match
    # is statistical: DDP's weights must be as near the single run as the single run is to its start, or nearer
    # to each other than to the init — a summed (not averaged) gradient or a missing all-reduce breaks this.
    for net in ("G", "D"):
        d_pair = sum((a[net][k].float() - b[net][k].float()).norm() ** 2 for k in a[net]) ** 0.5
        d_move = sum((a[net][k].float() - init[net][k].float()).norm() ** 2 for k in a[net]) ** 0.5
        assert d_pair < 1.5 * d_move, (net, float(d_pair), float(d_move))
    assert abs(a["ada"]["p"] - b["ada"]["p"]) < 0.05


def _init_weights(tmp_path: Path, data: Path) -> dict:
    from gan_studio.core.training.config import TrainConfig
    from gan_studio.core.training.stylegen_trainer import StyleGenTrainer

    t = StyleGenTrainer(TrainConfig(data=str(data), out=str(tmp_path / "init"), resolution=16, batch=8, seed=5,
                                    arch=ARCH))
    return {"G": t.G.state_dict(), "D": t.D.state_dict()}


def test_strip_nproc():
    assert strip_nproc(["train", "--nproc", "2", "--out", "x", "--nproc=3"]) == ["train", "--out", "x"]
