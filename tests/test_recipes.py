"""The classic recipes as DCGAN options (issue 22): losses, SAGAN, BigGAN's tools and CGAN each train, resume
exactly, export and draw in the explorer; their defaults follow the papers."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw

from gan_studio.core.training.checkpoint import latest_checkpoint, load_checkpoint
from gan_studio.core.training.config import TrainConfig
from gan_studio.core.training.dcgan_recipes import add_ortho_grads, resolve
from gan_studio.core.training.dcgan_trainer import train_dcgan

ARCH = {"ngf": 8, "ndf": 8, "z_dim": 16, "shared_dim": 8}


def _cfg(data: Path, out: Path, steps: int, **options) -> TrainConfig:
    return TrainConfig(family="dcgan", data=str(data), out=str(out), resolution=16, channels=4, batch=4,
                       kimg=steps * 4 / 1000, seed=5, threads=1, preview_every_s=1e9, checkpoint_every_s=1e9,
                       arch=ARCH, options=options)


@pytest.fixture
def class_folder(tmp_path) -> Path:
    """Two classes at 16 px: red circles and blue squares, 8 each."""
    root = tmp_path / "classes"
    for name, colour, shape in (("circles", (230, 20, 20, 255), "ellipse"), ("squares", (20, 20, 230, 255), "rect")):
        (root / name).mkdir(parents=True)
        for i in range(8):
            im = Image.new("RGBA", (16, 16), (255, 255, 255, 255))
            box = [1 + i % 3, 1 + i % 2, 14, 14]
            (ImageDraw.Draw(im).ellipse if shape == "ellipse" else ImageDraw.Draw(im).rectangle)(box, fill=colour)
            im.save(root / name / f"{i}.png")
    return root


def _same(a: dict, b: dict) -> None:
    for part in ("G", "D"):
        assert a[part].keys() == b[part].keys()
        for k in a[part]:
            assert torch.equal(a[part][k], b[part][k]), f"{part}.{k} differs"
    for part in ("opt_G", "opt_D"):
        for k, v in a[part]["state"].items():
            for name, t in v.items():
                assert torch.equal(t, b[part]["state"][k][name]), f"{part}[{k}].{name} differs"


RECIPES = {
    "wgan": {"loss": "wgan"},
    "wgan-gp": {"loss": "wgan-gp"},
    "sagan-hinge": {"loss": "hinge", "attention": 8, "spectral_norm": True, "ortho_reg": 1e-4},
    "cgan": {"conditional": True, "ortho_reg": 1e-4},
}


@pytest.mark.parametrize("name", list(RECIPES))
def test_each_recipe_resumes_exactly(name, image_folder, class_folder, tmp_path):
    data = class_folder if RECIPES[name].get("conditional") else image_folder
    assert train_dcgan(_cfg(data, tmp_path / "full", 6, **RECIPES[name])).step == 6
    assert train_dcgan(_cfg(data, tmp_path / "split", 3, **RECIPES[name])).step == 3
    assert train_dcgan(_cfg(data, tmp_path / "split", 6, **RECIPES[name]), resume=True).step == 6
    _same(load_checkpoint(latest_checkpoint(tmp_path / "full")), load_checkpoint(latest_checkpoint(tmp_path / "split")))


def test_recipe_defaults_follow_the_papers(tmp_path):
    base = TrainConfig(family="dcgan", data=str(tmp_path), out=str(tmp_path / "o"))
    plain = resolve(base)
    assert plain.options["loss"] == "nsgan" and plain.options["n_critic"] == 1
    assert (plain.lr_g, plain.lr_d, plain.options["betas"]) == (2e-4, 2e-4, [0.5, 0.999])
    assert plain.arch["d_norm"] == "batch" and not plain.arch["spectral_norm"] and plain.arch["attention"] == 0
    wgan = resolve(replace(base, options={"loss": "wgan"}))
    assert (wgan.options["optimizer"], wgan.lr_g, wgan.lr_d, wgan.options["n_critic"]) == ("rmsprop", 5e-5, 5e-5, 5)
    assert wgan.options["clip"] == 0.01 and wgan.arch["d_norm"] == "batch"
    gp = resolve(replace(base, options={"loss": "wgan-gp"}))
    assert (gp.lr_g, gp.lr_d, gp.options["betas"], gp.options["n_critic"]) == (1e-4, 1e-4, [0.0, 0.9], 5)
    assert gp.arch["d_norm"] == "layer" and gp.options["gp_weight"] == 10.0
    sagan = resolve(replace(base, options={"loss": "hinge", "attention": 32, "spectral_norm": True}))
    assert (sagan.lr_g, sagan.lr_d, sagan.options["betas"]) == (1e-4, 4e-4, [0.0, 0.9])
    assert sagan.arch["d_norm"] == "none" and sagan.arch["attention"] == 32
    assert resolve(sagan) == sagan  # a resolved config (a resume's) comes back unchanged
    assert resolve(replace(base, lr_g=3e-4, options={"attention": 8})).lr_g == 3e-4  # --lr wins
    with pytest.raises(ValueError, match="batch norm"):
        resolve(replace(base, options={"loss": "wgan-gp", "d_norm": "batch"}))


def test_a_wgan_critic_stays_clipped_and_wgan_gp_reports_its_penalty(image_folder, tmp_path):
    from gan_studio.core.training.dcgan_trainer import DCGANTrainer

    tr = DCGANTrainer(_cfg(image_folder, tmp_path / "w", 2, loss="wgan"))
    tr.load_data()
    tr.train_step()
    assert max(float(p.detach().abs().max()) for p in tr.D.parameters()) <= 0.01 + 1e-9
    assert isinstance(tr.opt_D, torch.optim.RMSprop)
    tr = DCGANTrainer(_cfg(image_folder, tmp_path / "gp", 2, loss="wgan-gp"))
    tr.load_data()
    assert "gp" in tr.train_step() and not any(isinstance(m, torch.nn.BatchNorm2d) for m in tr.D.modules())


def test_self_attention_starts_as_the_identity_and_sits_in_both_nets():
    from gan_studio.core.nets.dcgan import DCGANConfig, DCGANDiscriminator, DCGANGenerator
    from gan_studio.core.nets.dcgan_blocks import SelfAttention

    att = SelfAttention(16)
    x = torch.randn(2, 16, 8, 8)
    assert torch.equal(att(x), x)
    with torch.no_grad():
        att.gamma.fill_(1.0)
    assert not torch.allclose(att(x), x)
    cfg = DCGANConfig(resolution=32, ngf=8, ndf=8, z_dim=16, attention=16, spectral_norm=True, d_norm="none")
    G, D = DCGANGenerator(cfg), DCGANDiscriminator(cfg)
    for net in (G, D):
        assert sum(isinstance(m, SelfAttention) for m in net.modules()) == 1
        assert any("parametrizations" in k for k in net.state_dict())
    assert D(G(torch.randn(2, 16))).shape == (2,)
    with pytest.raises(ValueError, match="feature maps"):
        DCGANConfig(resolution=32, attention=32)


def test_ortho_reg_adds_the_gradient_of_biggans_off_diagonal_penalty():
    from gan_studio.core.nets.dcgan import DCGANConfig, DCGANGenerator

    G = DCGANGenerator(DCGANConfig(resolution=8, ngf=4, z_dim=6, spectral_norm=True))
    for p in G.parameters():
        p.grad = torch.zeros_like(p)
    add_ortho_grads(G, 0.5)
    conv = G.main[0].parametrizations.weight.original  # a ConvTranspose2d: filters are dim 1
    w = conv.detach().transpose(0, 1).reshape(conv.shape[1], -1).requires_grad_(True)
    penalty = 0.25 * ((w @ w.T) * (1 - torch.eye(len(w)))).square().sum()  # β/2·‖WWᵀ ⊙ (1 − I)‖², β = 0.5
    (expect,) = torch.autograd.grad(penalty, w)
    assert torch.allclose(conv.grad.transpose(0, 1).reshape(len(w), -1), expect, atol=1e-7)
    assert float(expect.abs().max()) > 0


def test_labels_csv_names_the_classes(tmp_path, class_folder):
    from gan_studio.core.data.classes import class_names, load_classes

    assert class_names(class_folder) == ["circles", "squares"]
    flat = tmp_path / "flat"
    flat.mkdir()
    rows = ["file,label"]
    for i, p in enumerate(sorted(class_folder.rglob("*.png"))):
        (flat / f"{i}.png").write_bytes(p.read_bytes())
        rows.append(f"{i}.png,{p.parent.name[:-1]}")
    (flat / "labels.csv").write_text("\n".join(rows) + "\n")
    assert class_names(flat) == ["circle", "square"]
    arr, labels, _ = load_classes(flat, 16, 4, ("circle", "square"))
    red = arr[labels == 0][..., 0].mean() > arr[labels == 0][..., 2].mean()
    assert arr.shape == (16, 16, 16, 4) and list(np.bincount(labels)) == [8, 8] and red
    with pytest.raises(ValueError, match="two classes"):
        class_names(class_folder / "circles")


def _train_cli(data: Path, tmp_path: Path, *extra: str, kimg: str = "0.08") -> tuple[int, Path]:
    from gan_studio.cli import main

    code = main(["train", "--family", "dcgan", "--data", str(data), "--out", str(tmp_path / "run"),
                 "--resolution", "16", "--batch", "8", "--kimg", kimg, "--arch", json.dumps(ARCH), "--threads", "1",
                 "--preview-every", "1e9", "--export", str(tmp_path / "models" / "m"), "--id", "m", *extra])
    return code, tmp_path / "models"


def test_the_cli_trains_a_recipe_and_refuses_another_familys_option(image_folder, tmp_path, capsys):
    from gan_studio.cli import main

    code, _ = _train_cli(image_folder, tmp_path, "--loss", "wgan-gp", "--attention", "8", "--lr-d", "3e-4")
    assert code == 0
    saved = json.loads((tmp_path / "run" / "config.json").read_text())
    assert saved["options"]["loss"] == "wgan-gp" and saved["options"]["n_critic"] == 5
    assert saved["arch"]["attention"] == 8 and saved["arch"]["d_norm"] == "layer" and saved["lr_d"] == 3e-4
    assert main(["train", "--family", "pix2pix", "--data", str(image_folder), "--out", str(tmp_path / "x"),
                 "--loss", "hinge"]) != 0
    assert "--loss is an option of dcgan, not of --family pix2pix" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def _cgan_session(class_folder: Path, tmp_path: Path, kimg: str, *extra: str):
    from gan_studio.core import families
    from gan_studio.core.library.registry import Library

    code, models = _train_cli(class_folder, tmp_path, "--conditional", *extra, kimg=kimg)
    assert code == 0
    lib = Library([(models, "user")])
    assert lib.card("m").architecture["classes"] == ["circles", "squares"]
    return families.open_session("m", lib)


def test_cgan_classes_round_trip_through_the_card_and_change_the_render(class_folder, tmp_path, monkeypatch):
    from gan_studio.core.sessions.generator import RenderRequest

    sess = _cgan_session(class_folder, tmp_path, "0.4")  # 50 steps: batch norm's running statistics settle
    assert sess.classes == ("circles", "squares") and sess.facts()["classes"] == ["circles", "squares"]
    req = RenderRequest(model_id="m", seed=3, psi=1.0)
    a, b = sess.render_class(req, "circles"), sess.render_class(req, "squares")
    assert a.shape == (16, 16, 4) and np.abs(a.astype(int) - b.astype(int)).mean() > 0.5
    assert sess.set_class(1) == 1 and np.array_equal(sess.render(req), b)
    with pytest.raises(ValueError, match="not one of"):
        sess.set_class("triangles")
    # The class travels in the request (and so in an export's recipe) and through `generate --class`.
    from dataclasses import replace

    from gan_studio.core.sessions.requests import request_from_recipe

    asked = replace(req, class_name="circles")
    assert np.array_equal(sess.render(asked), a) and sess.class_index == 1  # the session's own class is kept
    assert request_from_recipe(sess.recipe(asked)) == asked
    from gan_studio.cli import main
    from gan_studio.core.io.recipe import read_recipe

    out = tmp_path / "gen"
    monkeypatch.setenv("GAN_STUDIO_BUNDLED_MODELS", str(tmp_path / "models"))
    assert main(["generate", "--model", "m", "--seeds", "3", "--psi", "1.0", "--class", "circles", "-o", str(out)]) == 0
    assert read_recipe(out / "seed000003.png")["class_name"] == "circles"
    # Walks draw the chosen class in every frame, and say so in their recipe.
    from gan_studio.core.sessions.requests import Source, WalkRequest

    walk = {c: WalkRequest("m", keys=(Source.from_seed(1), Source.from_seed(2)), frames_per_key=2, psi=1.0,
                           class_name=c) for c in ("circles", "squares")}
    frames = {c: sess.walk_frames(w) for c, w in walk.items()}
    assert np.array_equal(frames["circles"][0], sess.render_class(RenderRequest("m", seed=1, psi=1.0), "circles"))
    assert not np.array_equal(frames["circles"][1], frames["squares"][1])
    assert request_from_recipe(sess.recipe(walk["squares"])) == walk["squares"]


@pytest.mark.slow
def test_a_tiny_cgan_learns_each_class_colour(class_folder, tmp_path):
    from gan_studio.core.sessions.generator import RenderRequest

    sess = _cgan_session(class_folder, tmp_path, "2.4", "--lr", "1e-3")  # 300 steps of 8 (seconds)
    reqs = [RenderRequest(model_id="m", seed=s, psi=1.0) for s in range(8)]
    red = np.stack([sess.render_class(r, "circles") for r in reqs]).astype(float)
    blue = np.stack([sess.render_class(r, "squares") for r in reqs]).astype(float)
    assert red[..., 0].mean() - red[..., 2].mean() > 20
    assert blue[..., 2].mean() - blue[..., 0].mean() > 20
