"""The few-shot family (FastGAN-style): nets, exact resume, CLI train → export → the explorer and mixer draw it,
and the precision choice made by measurement (cached per machine)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from gan_studio.core import families
from gan_studio.core.training.checkpoint import latest_checkpoint, load_checkpoint
from gan_studio.core.training.config import TrainConfig
from gan_studio.core.training.fewshot_trainer import train_fewshot

ARCH = {"ngf": 4, "ndf": 4, "z_dim": 16}


def _cfg(data: Path, out: Path, kimg: float, precision: str = "fp32") -> TrainConfig:
    return TrainConfig(family="fewshot", data=str(data), out=str(out), resolution=64, channels=4, batch=4, kimg=kimg,
                       seed=3, threads=1, preview_every_s=1e9, checkpoint_every_s=1e9, arch=ARCH, augment="ada",
                       augment_p=0.3, precision=precision)


@pytest.mark.parametrize("res", [64, 128])
def test_fewshot_nets_shapes_and_reconstruction(res):
    from gan_studio.core.nets.fewshot import FewShotConfig, FewShotDiscriminator, FewShotGenerator

    cfg = FewShotConfig(resolution=res, ngf=4, ndf=4, z_dim=16)
    G, D = FewShotGenerator(cfg), FewShotDiscriminator(cfg)
    x = G(torch.randn(3, 16)).detach()
    assert x.shape == (3, 4, res, res) and float(x.abs().max()) <= 1.0
    logits, recs = D(x, quadrant=2)
    assert logits.shape == (3, 25) and recs is not None
    assert recs[0].shape == recs[1].shape == (3, 4, 64, 64)
    assert D(x)[1] is None
    with pytest.raises(ValueError, match="64, 128 or 256"):
        FewShotConfig(resolution=96)


def test_fewshot_resumes_exactly(image_folder, tmp_path):
    assert train_fewshot(_cfg(image_folder, tmp_path / "full", 0.024)).step == 6
    assert train_fewshot(_cfg(image_folder, tmp_path / "split", 0.012)).step == 3
    assert train_fewshot(_cfg(image_folder, tmp_path / "split", 0.024), resume=True).step == 6
    a, b = load_checkpoint(latest_checkpoint(tmp_path / "full")), load_checkpoint(latest_checkpoint(tmp_path / "split"))
    for net in ("G", "G_ema", "D"):
        for k in a[net]:
            assert torch.equal(a[net][k], b[net][k]), f"{net}.{k} differs"
    assert a["augment_p"] == b["augment_p"]


def test_fewshot_trains_from_the_cli_and_the_explorer_and_mixer_draw_it(image_folder, tmp_path):
    from gan_studio.cli import main
    from gan_studio.core.library.registry import Library
    from gan_studio.core.sessions.generator import MixRequest, RenderRequest, Source

    assert "fewshot" in [f.name for f in families.dialog_families()]
    out = tmp_path / "models"
    code = main(["train", "--family", "fewshot", "--data", str(image_folder), "--out", str(tmp_path / "run"),
                 "--resolution", "64", "--batch", "4", "--kimg", "0.04", "--arch", json.dumps(ARCH), "--threads", "1",
                 "--export", str(out / "fs-test"), "--id", "fs-test"])
    assert code == 0
    saved = json.loads((tmp_path / "run" / "config.json").read_text())
    assert saved["precision"] in ("bf16", "fp32")  # "auto" resolved by measurement and written down
    lib = Library([(out, "user")])
    card = lib.card("fs-test")
    assert card.family == "fewshot" and card.tasks == ["explore", "mix"] and card.resolution == 64
    sess = families.open_session("fs-test", lib)
    assert sess.num_ws == 2
    assert not any("parametrizations" in k for k in sess.G.state_dict())  # spectral norm folded into the weights
    a, b = (sess.render(RenderRequest(model_id="fs-test", seed=s, psi=1.0)) for s in (1, 2))
    assert a.shape == (64, 64, 4) and a.dtype == np.uint8
    assert np.abs(a.astype(int) - b.astype(int)).mean() > 0.5  # seeds differ
    assert np.array_equal(a, sess.render(RenderRequest(model_id="fs-test", seed=1, psi=1.0)))  # and repeat exactly
    flat = [sess.render(RenderRequest(model_id="fs-test", seed=s, psi=0.0)) for s in (1, 2)]
    assert np.array_equal(flat[0], flat[1])
    # The mixer: seed 1's content with seed 2's style (row 1) is neither source.
    cell = sess.mix_cells(MixRequest(model_id="fs-test", rows=(Source(seed=1),), cols=(Source(seed=2),),
                                     layers=(1,), psi=1.0))
    mixed = cell[0, 0]
    assert np.abs(mixed.astype(int) - a.astype(int)).mean() > 0.1
    assert np.abs(mixed.astype(int) - b.astype(int)).mean() > 0.1


def test_precision_is_measured_once_and_chosen_by_speed_and_accuracy(tmp_path, monkeypatch):
    from gan_studio.core import device as dev

    monkeypatch.setenv("GAN_STUDIO_PRECISION", "auto")
    calls = []

    def fake(threads=None):
        calls.append(threads)
        return {"speedup": fake.speedup, "psnr_db": fake.psnr}

    monkeypatch.setattr(dev, "measure_bf16", fake)
    cache = tmp_path / "precision.json"
    fake.speedup, fake.psnr = 2.5, 60.0
    assert dev.choose_precision(torch.device("cpu"), cache, threads=1) == "bf16"
    assert dev.choose_precision(torch.device("cpu"), cache, threads=1) == "bf16"
    assert len(calls) == 1  # cached per CPU, torch version and threads
    fake.speedup = 0.4  # an AVX2-only CPU: bf16 slower
    assert dev.choose_precision(torch.device("cpu"), cache, threads=2) == "fp32"
    fake.speedup, fake.psnr = 3.0, 20.0  # fast but inaccurate
    assert dev.choose_precision(torch.device("cpu"), tmp_path / "other.json", threads=2) == "fp32"


def test_bf16_measurement_reports_the_machine():
    from gan_studio.core.device import measure_bf16

    m = measure_bf16(threads=1, size=16, channels=16)
    assert m["cpu"] and m["fp32_ms"] > 0 and m["bf16_ms"] > 0 and m["psnr_db"] > 20


def test_a_session_renders_in_bf16_where_measured_faster_and_close(monkeypatch):
    from gan_studio.core import device as dev
    from gan_studio.core.sessions import precision
    from gan_studio.core.sessions.generator import GeneratorSession, RenderRequest

    monkeypatch.setenv("GAN_STUDIO_PRECISION", "auto")
    monkeypatch.setattr(dev, "measure_bf16", lambda threads=None: {"speedup": 3.0, "psnr_db": 60.0})
    sess = GeneratorSession.open("stylegen-faces-64", device="cpu")
    real_measure = precision.measure_model
    monkeypatch.setattr(precision, "measure_model", lambda render, device, repeats=5: {
        "fp32_ms": 10.0, "bf16_ms": 5.0, "speedup": 2.0, "psnr_db": 55.0})
    assert sess.precision["precision"] == "bf16" and sess.facts()["precision"] == "bf16"
    req = RenderRequest(sess.model_id, seed=4, psi=0.7)
    low = sess.render(req).astype(float)
    monkeypatch.setenv("GAN_STUDIO_PRECISION", "fp32")
    exact = GeneratorSession.open("stylegen-faces-64", device="cpu").render(req).astype(float)
    mse = ((low - exact) ** 2).mean()
    assert 0 < mse and 10 * np.log10(255**2 / mse) > 30  # bf16 draws the same image, not bit-identical
    real = real_measure(lambda: sess.G.synthesize(sess.G.mapping.w_avg.view(1, 1, -1).repeat(
        1, sess.num_ws, 1), "const", 1.0), torch.device("cpu"), repeats=1)
    assert real["psnr_db"] > 40 and real["fp32_ms"] > 0


def test_a_model_slower_or_worse_in_bf16_stays_fp32(monkeypatch):
    from gan_studio.core import device as dev
    from gan_studio.core.sessions import precision

    monkeypatch.setenv("GAN_STUDIO_PRECISION", "auto")
    monkeypatch.setattr(dev, "measure_bf16", lambda threads=None: {"speedup": 3.0, "psnr_db": 60.0})
    for figures in ({"speedup": 0.9, "psnr_db": 60.0}, {"speedup": 2.0, "psnr_db": 30.0}):
        monkeypatch.setattr(precision, "measure_model", lambda r, d, repeats=5, f=figures: dict(f))
        got = precision.session_precision(f"sha{figures['speedup']}{figures['psnr_db']}", lambda: torch.zeros(1),
                                          torch.device("cpu"))
        assert got["precision"] == "fp32", got
    precision._cache().unlink()  # another machine: an AVX2-only CPU
    monkeypatch.setattr(dev, "measure_bf16", lambda threads=None: {"speedup": 0.5, "psnr_db": 60.0})
    got = precision.session_precision("other", lambda: torch.zeros(1), torch.device("cpu"))
    assert got["precision"] == "fp32" and "not faster" in got["reason"]


def test_the_machine_is_measured_even_from_inside_a_render(monkeypatch):
    """The first render of a session triggers the measurement under torch's inference mode."""
    from gan_studio.core.device import choose_precision

    monkeypatch.setenv("GAN_STUDIO_PRECISION", "auto")
    with torch.inference_mode():
        assert choose_precision(torch.device("cpu"), None, threads=1) in ("bf16", "fp32")


def test_exported_weights_are_half_size_and_draw_the_same_image(image_folder, tmp_path):
    from safetensors.torch import load_file

    from gan_studio.core.library.registry import Library
    from gan_studio.core.nets.fewshot import FewShotGenerator, fold_spectral_norm
    from gan_studio.core.training.fewshot_trainer import export_fewshot, recalibrate_bn

    train_fewshot(_cfg(image_folder, tmp_path / "run", 0.012))
    card = export_fewshot(tmp_path / "run", tmp_path / "models" / "fs", "fs", "fs")
    assert all(t.dtype == torch.float16 for t in load_file(str(card.file_for("generator"))).values()
               if t.is_floating_point())
    st = load_checkpoint(latest_checkpoint(tmp_path / "run"))
    from gan_studio.core.nets.fewshot import FewShotConfig

    G = FewShotGenerator(FewShotConfig.from_dict(json.loads(st["arch"])))
    G.load_state_dict(st["G_ema"])
    full = fold_spectral_norm(G)
    recalibrate_bn(full)
    loaded = families.load_model(Library([(tmp_path / "models", "user")]).card("fs"))
    z = torch.randn(4, 16)
    with torch.no_grad():
        a, b = full(z, noise_mode="const"), loaded(z, noise_mode="const")
    mse = float((a - b).square().mean())
    assert 10 * np.log10(4 / max(mse, 1e-12)) > 40
