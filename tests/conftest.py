"""Test fixtures: offscreen Qt, a private GAN_STUDIO_HOME, and a tiny StyleGen model in a temp library."""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from PIL import Image, ImageDraw  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
BUNDLED = REPO / "models"
TINY_ID = "tiny-stylegen-16"
pytest_plugins = ["pytester"]  # tests of the guards below run pytest on a small file


def _track_qthreads() -> list:
    """Record every QThread started in this process (weakly: a deleted one drops out), so a test that leaves
    one running can be named instead of slowing or crashing a later test."""
    import weakref

    from PySide6.QtCore import QThread

    started: weakref.WeakSet = weakref.WeakSet()
    start = QThread.start

    def recording_start(self, *args):
        started.add(self)
        return start(self, *args)

    QThread.start = recording_start
    return started


_STARTED = _track_qthreads()


@pytest.fixture(autouse=True)
def _no_qthread_left_running():
    """Fail a test that leaves a QThread running (a worker never stopped, a batch job never joined)."""
    import shiboken6

    before = {id(t) for t in list(_STARTED) if shiboken6.isValid(t) and t.isRunning()}
    yield
    left = [t for t in list(_STARTED) if shiboken6.isValid(t) and t.isRunning() and id(t) not in before]
    for t in left:
        t.wait(2000)  # one finishing on its own (a job's last step) is not a leak
    left = [t for t in left if shiboken6.isValid(t) and t.isRunning()]
    if left:
        names = ", ".join(t.objectName() or type(t).__name__ for t in left)
        for t in left:  # stop them, so the next test starts clean
            t.quit()
            t.wait(5000)
        pytest.fail(f"the test left {len(left)} QThread(s) running: {names}")


@pytest.fixture(autouse=True)
def _fresh_home(tmp_path_factory, monkeypatch):
    """Settings and user data go to a temp dir; the bundled library stays the repo's models/."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("GAN_STUDIO_HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.delenv("GAN_STUDIO_BUNDLED_MODELS", raising=False)
    # Renders are compared exactly across sessions and processes; the measured choice has its own tests.
    monkeypatch.setenv("GAN_STUDIO_PRECISION", "fp32")
    yield home


def make_tiny_model(folder: Path, model_id: str = TINY_ID, seed: int = 0):
    """A small random-weight StyleGen with a meaningful w_avg, written like a real library model."""
    import torch

    from gan_studio.core.library.cards import ModelCard
    from gan_studio.core.library.weights import write_model
    from gan_studio.core.nets.stylegen import Generator, StyleGenConfig

    torch.manual_seed(seed)
    cfg = StyleGenConfig(resolution=16, img_channels=4, z_dim=16, w_dim=16, mapping_layers=2,
                         channel_base=128, channel_max=16)
    G = Generator(cfg)
    with torch.no_grad():
        G.mapping.w_avg.copy_(G.mapping(torch.randn(256, 16)).mean(0))
        for name, p in G.named_parameters():
            if name.endswith("noise_strength"):
                p.fill_(0.5)
    card = ModelCard(id=model_id, name="Tiny test model", family="stylegen", tasks=["explore", "mix"],
                     resolution=16, channels=4, architecture=cfg.to_dict(), files=[],
                     metrics=[{"name": "none", "value": 0, "how": "test fixture"}])
    write_model(folder / model_id, card, {"generator": G})
    return G


TINY_SKETCH_ID = "tiny-sketch-64"
TINY_CYCLE_ID = "tiny-cycle-16"
TINY_SR_ID = "tiny-sr-x4"


def make_tiny_translators(folder: Path) -> None:
    """Random-weight pix2pix (sketch, 64 px, dropout), CycleGAN (symbol↔colour) and ×4 SR models."""
    import torch

    from gan_studio.core.library.cards import ModelCard
    from gan_studio.core.library.weights import write_model
    from gan_studio.core.nets.cyclegan import ResnetConfig, ResnetGenerator
    from gan_studio.core.nets.patchgan import init_weights
    from gan_studio.core.nets.pix2pix import UnetConfig, UnetGenerator
    from gan_studio.core.nets.srnet import SRConfig, SRNet

    torch.manual_seed(0)
    note = [{"name": "none", "value": 0, "how": "test fixture"}]
    ucfg = UnetConfig(in_channels=1, out_channels=4, num_downs=6, ngf=8, max_mult=4)
    G = init_weights(UnetGenerator(ucfg), 0.2).eval()
    write_model(folder / TINY_SKETCH_ID, ModelCard(
        id=TINY_SKETCH_ID, name="Tiny sketch model", family="pix2pix", tasks=["sketch"], resolution=64,
        channels=4, architecture=ucfg.to_dict() | {"input": "sketch"}, files=[], metrics=note), {"generator": G})
    rcfg = ResnetConfig(in_channels=4, out_channels=4, ngf=8, n_blocks=2)
    nets = {f"generator_{d}": init_weights(ResnetGenerator(rcfg), 0.2) for d in ("ab", "ba")}
    write_model(folder / TINY_CYCLE_ID, ModelCard(
        id=TINY_CYCLE_ID, name="Tiny symbol ↔ colour", family="cyclegan", tasks=["translate"], resolution=16,
        channels=4, architecture=rcfg.to_dict() | {"domains": ["symbol", "colour"]}, files=[], metrics=note), nets)
    scfg = SRConfig(channels=4, width=8, n_blocks=1)
    write_model(folder / TINY_SR_ID, ModelCard(
        id=TINY_SR_ID, name="Tiny ×4", family="sr", tasks=["upscale"], resolution=16, channels=4,
        architecture=scfg.to_dict(), files=[], metrics=note), {"generator": SRNet(scfg)})


TINY_AGE_ID = "tiny-age-16"
TINY_TEXT_ID = "tiny-text-16"


def make_tiny_conditional(folder: Path) -> None:
    """Random-weight age (16 px) and text (StackGAN Stage I 16 → Stage II 32 px) models for panel and CLI tests."""
    import torch

    from gan_studio.core.data.labels import AGE_C_DIM
    from gan_studio.core.library.cards import ModelCard
    from gan_studio.core.library.weights import write_model
    from gan_studio.core.nets.conditional import ConditionalGenerator, ConditionConfig
    from gan_studio.core.nets.stackgan import Refiner, RefinerConfig, Stage1Generator
    from gan_studio.core.nets.stylegen import StyleGenConfig

    torch.manual_seed(0)
    note = [{"name": "none", "value": 0, "how": "test fixture"}]
    cfg = StyleGenConfig(resolution=16, img_channels=4, z_dim=16, w_dim=16, mapping_layers=2,
                         channel_base=128, channel_max=16)
    for model_id, family, cond in ((TINY_AGE_ID, "age", ConditionConfig(c_dim=AGE_C_DIM, embed_dim=16)),
                                   (TINY_TEXT_ID, "text", ConditionConfig(c_dim=384, embed_dim=16, ca_dim=8))):
        G = Stage1Generator(cfg, cond).eval() if family == "text" else ConditionalGenerator(cfg, cond)
        arch = cfg.to_dict() | {"condition": cond.to_dict()}
        nets = {"generator": G}
        if family == "text":
            arch["stage1"] = "stackgan"
            rcfg = RefinerConfig(img_channels=4, c_dim=384, cond_dim=8, ch=8, n_res=1)
            nets["refiner"] = Refiner(rcfg)
            arch["refiner"] = rcfg.to_dict()
        write_model(folder / model_id, ModelCard(
            id=model_id, name=f"Tiny {family} model", family=family, tasks=[family],
            resolution=16 * (2 if family == "text" else 1), channels=4, architecture=arch, files=[],
            metrics=note), nets)


def make_captioned_shapes(root: Path, n: int = 24, size: int = 32, box: tuple[int, int, int, int] = (6, 6, 26, 26),
                          captions: tuple[str, str] = ("a red circle", "a blue square")) -> Path:
    """``n`` drawings with a .txt caption each: odd ones a red circle (``captions[0]``), even ones a blue square
    (``captions[1]``); one caption for both makes a prompt that stands for two different images."""
    from PIL import Image, ImageDraw

    root.mkdir(parents=True)
    for i in range(n):
        im = Image.new("RGBA", (size, size), (255, 255, 255, 0))
        d = ImageDraw.Draw(im)
        if i % 2:
            d.ellipse(list(box), fill=(220, 30, 30, 255))
        else:
            d.rectangle(list(box), fill=(30, 60, 220, 255))
        im.save(root / f"{i}.png")
        (root / f"{i}.txt").write_text(captions[0] if i % 2 else captions[1], encoding="utf-8")
    return root


@pytest.fixture
def tiny_library(tmp_path, monkeypatch):
    """A library whose bundled folder holds only tiny models; the UI's shared library is reset."""
    from gan_studio.core.library.registry import Library

    models = tmp_path / "models"
    make_tiny_model(models)
    make_tiny_translators(models)
    make_tiny_conditional(models)
    monkeypatch.setenv("GAN_STUDIO_BUNDLED_MODELS", str(models))
    import gan_studio.ui.worker as worker_mod

    monkeypatch.setattr(worker_mod, "_LIBRARY", None)
    return Library()


def reference_library():
    """A library of its own for a test's expected pixels: the window's worker renders on the shared library's
    loaded nets in its thread (a seeded variation puts their dropout in train mode), so a reference rendered on
    the same nets from the test's thread could catch them mid-render."""
    from gan_studio.core.library.registry import Library

    return Library()


@pytest.fixture
def image_folder(tmp_path) -> Path:
    """24 small drawings (circles and squares in colours) as a training folder."""
    root = tmp_path / "images"
    root.mkdir()
    rng = np.random.RandomState(0)
    for i in range(24):
        im = Image.new("RGBA", (32, 32), (0, 0, 0, 0))
        d = ImageDraw.Draw(im)
        colour = tuple(int(v) for v in rng.randint(0, 255, 3)) + (255,)
        box = [4 + i % 5, 4 + i % 3, 26, 26]
        (d.ellipse if i % 2 else d.rectangle)(box, fill=colour)
        im.save(root / f"img{i:02d}.png")
    return root
