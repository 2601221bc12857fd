"""pix2pix, CycleGAN and SR trainers: exact resume through the shared loop, learning, export to a card."""

import json
from dataclasses import replace

import numpy as np
import pytest
import torch
from PIL import Image

from gan_studio.core.training.checkpoint import latest_checkpoint, load_checkpoint
from gan_studio.core.training.config import TrainConfig
from gan_studio.core.training.cyclegan_trainer import export_cyclegan, train_cyclegan
from gan_studio.core.training.pix2pix_trainer import export_pix2pix, train_pix2pix
from gan_studio.core.training.sr_trainer import export_sr, train_sr


@pytest.fixture
def unpaired(image_folder, tmp_path):
    """trainA: the drawings in grey; trainB: the colour drawings."""
    root = tmp_path / "unpaired"
    for name in ("trainA", "trainB"):
        (root / name).mkdir(parents=True)
    for p in sorted(image_folder.glob("*.png")):
        im = Image.open(p)
        im.save(root / "trainB" / p.name)
        grey = im.convert("LA").convert("RGBA")
        grey.save(root / "trainA" / p.name)
    return root


FAMILIES = {
    "pix2pix": (train_pix2pix, export_pix2pix,
                {"options": {"pairs": "sketch"}, "arch": {"ngf": 8, "max_mult": 4, "ndf": 8}}),
    "cyclegan": (train_cyclegan, export_cyclegan,
                 {"arch": {"ngf": 8, "n_blocks": 2, "ndf": 8, "domains": ["grey", "colour"]}}),
    "sr": (train_sr, export_sr, {"arch": {"width": 8, "n_blocks": 2, "crop": 16, "ndf": 8}}),
}


def _cfg(family, data, out, steps, batch=4):
    extra = FAMILIES[family][2]
    return TrainConfig(family=family, data=str(data), out=str(out), resolution=32, channels=4, batch=batch,
                       kimg=steps * batch / 1000, seed=5, threads=1, preview_every_s=1e9, checkpoint_every_s=1e9,
                       **extra)


def _data(family, image_folder, unpaired):
    return unpaired if family == "cyclegan" else image_folder


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_resume_continues_exactly(family, image_folder, unpaired, tmp_path):
    train = FAMILIES[family][0]
    data = _data(family, image_folder, unpaired)
    full = train(_cfg(family, data, tmp_path / "full", 6))
    assert full.step == 6 and full.finished
    train(_cfg(family, data, tmp_path / "split", 3))
    resumed = train(_cfg(family, data, tmp_path / "split", 6), resume=True)
    assert resumed.step == 6
    a = load_checkpoint(latest_checkpoint(tmp_path / "full"))
    b = load_checkpoint(latest_checkpoint(tmp_path / "split"))
    for key, value in a.items():
        if isinstance(value, dict) and key.startswith(("G", "D")):
            for k in value:
                assert torch.equal(value[k], b[key][k]), f"{key}.{k} differs after resume"
    assert (tmp_path / "split" / "previews").is_dir()


@pytest.mark.parametrize("family", sorted(FAMILIES))
def test_export_gives_a_library_model_that_runs(family, image_folder, unpaired, tmp_path, monkeypatch):
    from gan_studio.core.library.registry import Library
    from gan_studio.core.sessions.translator import TranslatorSession

    train, export, _ = FAMILIES[family]
    train(_cfg(family, _data(family, image_folder, unpaired), tmp_path / "run", 2))
    models = tmp_path / "models"
    card = export(tmp_path / "run", models / "m", "m", "Test model")
    monkeypatch.setenv("GAN_STUDIO_BUNDLED_MODELS", str(models))
    sess = TranslatorSession.open("m", library=Library())
    assert sess.card.family == family and card.files
    img = np.asarray(Image.open(next(image_folder.glob("*.png"))).convert("RGBA"))
    out = sess.run(img, next(iter(sess.directions)))
    assert out.shape[:2] == (32 * sess.scale, 32 * sess.scale) and out.shape[2] == 4


@pytest.mark.slow
def test_cyclegan_learns_to_cycle(unpaired, tmp_path):
    """A tiny CycleGAN trained for a few seconds reconstructs A→B→A far better than at initialisation."""
    from gan_studio.core.training.cyclegan_trainer import CycleGanTrainer

    cfg = _cfg("cyclegan", unpaired, tmp_path / "cyc", 150, batch=4)
    trainer = CycleGanTrainer(cfg)
    trainer.load_data()
    x = trainer.b[:8].permute(0, 3, 1, 2).float() / 127.5 - 1

    def cycle_l1():
        with torch.no_grad():
            return float((trainer.G_ba(trainer.G_ab(x)) - x).abs().mean())

    before = cycle_l1()
    trainer.loaded = True
    trainer.run()
    after = cycle_l1()
    assert after < 0.5 * before and after < 0.3, (before, after)


def test_sketch_pairs_are_redrawn_each_step(image_folder, tmp_path):
    from gan_studio.core.training.pix2pix_trainer import Pix2PixTrainer

    trainer = Pix2PixTrainer(_cfg("pix2pix", image_folder, tmp_path / "p", 1))
    trainer.load_data()
    a1, b1 = trainer._batch()
    a2, _ = trainer._batch()
    assert a1.shape == (4, 1, 32, 32) and b1.shape == (4, 4, 32, 32)
    assert a1.min() < -0.5 and a1.max() == 1.0  # dark lines on white paper
    assert not torch.equal(a1, a2)


def test_sr_pixel_loss_alone_leaves_the_discriminator_untouched(image_folder, tmp_path):
    """--adv-weight 0 is ESRGAN's PSNR stage: the generator trains, the discriminator is never stepped."""
    cfg = replace(_cfg("sr", image_folder, tmp_path / "run", 30), options={"adv_weight": 0.0})
    train_sr(cfg)
    first = load_checkpoint(latest_checkpoint(tmp_path / "run"))
    train_sr(replace(cfg, kimg=60 * 4 / 1000), resume=True)
    last = load_checkpoint(latest_checkpoint(tmp_path / "run"))
    assert all(torch.equal(v, last["D"][k]) for k, v in first["D"].items())
    assert not all(torch.equal(v, last["G"][k]) for k, v in first["G"].items())
    losses = [json.loads(line) for line in (tmp_path / "run" / "progress.jsonl").read_text().splitlines()]
    assert [e for e in losses if "l1" in e] and "loss_d" not in json.dumps(losses)


def test_a_run_saved_with_the_old_flat_options_resumes_exactly(image_folder, tmp_path):
    """A run folder written before the family options moved into ``options`` (config.json with every family's
    option as a top-level key) resumes bit-exact: its own sketch inputs and L1 weight, not the defaults."""
    from gan_studio.core.training.config import LEGACY_OPTION_KEYS

    def cfg(out, steps):
        return replace(_cfg("pix2pix", image_folder, out, steps), options={"pairs": "sketch", "l1_weight": 7.0})

    train_pix2pix(cfg(tmp_path / "full", 6))
    train_pix2pix(cfg(tmp_path / "split", 3))
    path = tmp_path / "split" / "config.json"
    saved = json.loads(path.read_text())
    assert saved["options"] == {"pairs": "sketch", "l1_weight": 7.0}  # a new run writes them complete
    old = {"pairs": "folders", "l1_weight": 100.0, "cycle_weight": 10.0, "identity_weight": 0.5,
           "layout_weight": None, "refiner_l1": None, "imle_weight": None, "imle_samples": 8}
    assert set(old) == set(LEGACY_OPTION_KEYS)
    path.write_text(json.dumps({**{k: v for k, v in saved.items() if k != "options"}, **old,
                                **saved["options"], "options": {}}))
    # what `train --resume` asks: the flags' defaults, which the run's own settings override
    asked = replace(_cfg("pix2pix", image_folder, tmp_path / "split", 6), options={"pairs": "folders",
                                                                                   "l1_weight": 100.0})
    assert train_pix2pix(asked, resume=True).step == 6
    a = load_checkpoint(latest_checkpoint(tmp_path / "full"))
    b = load_checkpoint(latest_checkpoint(tmp_path / "split"))
    for key in ("G", "D"):
        for k, v in a[key].items():
            assert torch.equal(v, b[key][k]), f"{key}.{k} differs after resuming the old config"
    assert json.loads(path.read_text())["options"] == {"pairs": "sketch", "l1_weight": 7.0}


def test_colour_loss_pairs_same_named_files_and_is_off_without_them(unpaired, tmp_path):
    """The weakly paired colour loss takes A and B images of the same file name; unpaired folders (no shared
    names) and weight 0 train as before, without it."""
    import shutil

    from gan_studio.core.training.cyclegan_trainer import CycleGanTrainer

    on = CycleGanTrainer(replace(_cfg("cyclegan", unpaired, tmp_path / "on", 2), options={"colour_weight": 5.0}))
    on.load_data()
    assert on.pairs is not None and len(on.pairs[0]) == len(on.a)
    real_a, paired_b = on._sample_pairs()
    luma = torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)
    grey_of_b = (paired_b[:, :3] * luma).sum(1)  # trainA is trainB in grey (PIL's luma): a pair agrees on it
    assert torch.allclose(real_a[:, 0], grey_of_b, atol=0.02) and torch.equal(real_a[:, 3], paired_b[:, 3])
    assert on.train_step()["colour"] > 0

    off = CycleGanTrainer(_cfg("cyclegan", unpaired, tmp_path / "off", 2))  # the default weight is 0
    off.load_data()
    assert off.pairs is None and off.train_step()["colour"] == 0

    renamed = tmp_path / "renamed"
    shutil.copytree(unpaired, renamed)
    for p in (renamed / "trainB").glob("*.png"):
        p.rename(p.with_name("b-" + p.name))
    none = CycleGanTrainer(replace(_cfg("cyclegan", renamed, tmp_path / "none", 2), options={"colour_weight": 5.0}))
    none.load_data()
    assert none.pairs is None and none.train_step()["colour"] == 0


def test_colour_loss_sees_colour_not_detail():
    from gan_studio.core.training.losses import colour_l1

    def img(rgb, alpha=1.0):
        x = torch.full((1, 4, 32, 32), -1.0)
        x[:, :3] = torch.tensor(rgb).view(1, 3, 1, 1)
        x[:, 3] = 2 * alpha - 1
        return x

    red, yellow = img([1.0, -1.0, -1.0]), img([1.0, 1.0, -1.0])
    assert colour_l1(red, red) == 0 and colour_l1(yellow, red) > 0.3
    striped = red.clone()
    striped[:, 3, :, ::2] = -1.0  # the same red drawn in stripes: the cells' colour is unchanged
    assert colour_l1(striped, red) < 0.1 * colour_l1(yellow, red)
