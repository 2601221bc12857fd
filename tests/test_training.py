"""Trainer: a run resumed from its checkpoint continues exactly as an uninterrupted one; outputs and hooks."""

import json
from dataclasses import asdict, replace

import pytest
import torch

from gan_studio.core.training.augment import AdaptiveP, augment
from gan_studio.core.training.checkpoint import latest_checkpoint, load_checkpoint
from gan_studio.core.training.config import TrainConfig
from gan_studio.core.training.stylegen_trainer import export_run, train_stylegen

ARCH = {"z_dim": 16, "w_dim": 16, "mapping_layers": 2, "channel_base": 128, "channel_max": 16,
        "d_channel_base": 128, "d_channel_max": 16}


def _cfg(data, out, kimg):
    return TrainConfig(data=str(data), out=str(out), resolution=16, channels=4, batch=4, kimg=kimg, seed=3,
                       r1_interval=2, ada_interval=2, augment_p=0.2, threads=1, preview_every_s=1e9,
                       checkpoint_every_s=1e9, arch=ARCH)


def test_resume_continues_exactly(image_folder, tmp_path):
    full = train_stylegen(_cfg(image_folder, tmp_path / "full", 0.048))  # 12 steps
    assert full.step == 12 and full.finished
    half = train_stylegen(_cfg(image_folder, tmp_path / "split", 0.024))  # 6 steps, checkpoint
    assert half.step == 6
    resumed = train_stylegen(_cfg(image_folder, tmp_path / "split", 0.048), resume=True)
    assert resumed.step == 12
    a = load_checkpoint(latest_checkpoint(tmp_path / "full"))
    b = load_checkpoint(latest_checkpoint(tmp_path / "split"))
    for net in ("G", "D", "G_ema"):
        for k in a[net]:
            assert torch.equal(a[net][k], b[net][k]), f"{net}.{k} differs after resume"
    assert a["ada"] == b["ada"]
    for k, v in a["opt_G"]["state"].items():
        assert torch.equal(v["exp_avg"], b["opt_G"]["state"][k]["exp_avg"])


def test_run_folder_outputs_and_abort(image_folder, tmp_path):
    events = []
    calls = {"n": 0}

    def abort():
        calls["n"] += 1
        return calls["n"] > 3

    res = train_stylegen(_cfg(image_folder, tmp_path / "run", 10.0), progress_fn=events.append, abort_fn=abort)
    assert res.aborted and res.step == 3
    run = tmp_path / "run"
    assert json.loads((run / "config.json").read_text())["resolution"] == 16
    lines = [json.loads(x) for x in (run / "progress.jsonl").read_text().splitlines()]
    assert lines[0]["event"] == "progress"
    assert {"kimg", "images_per_s", "loss_g", "loss_d", "augment_p"} <= set(lines[0])
    assert lines[-1]["event"] == "aborted" and events[-1]["event"] == "aborted"
    assert list((run / "previews").glob("step-*.png"))
    card = export_run(run, tmp_path / "model", "my-model", "My model")
    assert card.training["step"] == 3 and card.files[0].sha256
    from gan_studio.core.library.registry import Library

    lib = Library(roots=[(tmp_path, "user")])
    assert lib.ids() == ["model"] or "my-model" in lib.ids()


def test_resume_keeps_the_runs_settings_except_budget_loss_weights_and_arch_keys(tmp_path):
    from gan_studio.core.training.loop import resumed_config

    saved = TrainConfig(family="text", data="d", out="o", batch=32, kimg=10.0, minutes=5.0,
                        options={"layout_weight": 2.0, "refiner_l1": 20.0, "imle_weight": 10.0, "imle_samples": 4},
                        arch={"ca_dim": 128, "refiner": {"ch": 32}})
    # what `train --resume --minutes 30` builds: the weights unset (None), the rest at their flags' defaults
    unset = {"layout_weight": None, "refiner_l1": None, "imle_weight": None, "imle_samples": 8}
    asked = TrainConfig(family="text", out="o", batch=4, minutes=30.0, options=unset)
    got = resumed_config(saved, asked)
    assert (got.batch, got.data, got.kimg, got.minutes) == (32, "d", 10.0, 30.0)
    assert got.options == saved.options
    assert got.arch == saved.arch
    got = resumed_config(saved, replace(asked, options={**unset, "layout_weight": 10.0, "refiner_l1": 0.0,
                                                        "imle_weight": 0.0, "imle_samples": 2},
                                        arch={"ca_noise": 0.5}))
    # the weights a resume may change (declared resume=True) change; the IMLE sample count stays the run's
    assert got.options == {"layout_weight": 10.0, "refiner_l1": 0.0, "imle_weight": 0.0, "imle_samples": 4}
    assert got.arch == {"ca_dim": 128, "refiner": {"ch": 32}, "ca_noise": 0.5}


def test_a_config_from_before_the_family_options_loads_them_as_options(tmp_path):
    """config.json of an older run holds the family options as flat keys (every family's, at their values):
    the run's family's own become options, the others go, and options already there win."""
    from gan_studio.core.training.config import LEGACY_OPTION_KEYS

    flat = {"pairs": "folders", "l1_weight": 100.0, "cycle_weight": 10.0, "identity_weight": 0.5,
            "layout_weight": 2.0, "refiner_l1": None, "imle_weight": 10.0, "imle_samples": 4}
    assert set(flat) == set(LEGACY_OPTION_KEYS)
    base = json.loads(json.dumps(asdict(TrainConfig(data="d", out="o", batch=8))))
    for family, options, want in (
            ("text", {}, {"layout_weight": 2.0, "refiner_l1": None, "imle_weight": 10.0, "imle_samples": 4}),
            ("age", {"imle_samples": 2}, {"layout_weight": 2.0, "imle_weight": 10.0, "imle_samples": 2}),
            ("cyclegan", {}, {"cycle_weight": 10.0, "identity_weight": 0.5}),
            ("stylegen", {}, {})):
        run = tmp_path / family
        run.mkdir()
        (run / "config.json").write_text(json.dumps({**base, **flat, "family": family, "options": options}))
        got = TrainConfig.load(run)
        assert got.options == want, family
        assert (got.family, got.data, got.batch) == (family, "d", 8)


def test_a_family_option_falls_back_to_its_declared_default():
    from gan_studio.core import families
    from gan_studio.core.training.config import option

    cfg = TrainConfig(family="pix2pix", options={"pairs": "sketch"})
    assert option(cfg, "pairs") == "sketch"
    assert option(cfg, "l1_weight") == families.trainer("pix2pix").option("l1_weight").default == 100.0
    assert option(TrainConfig(family="text", options={"imle_weight": None}), "imle_weight") is None
    with pytest.raises(ValueError, match="no option 'cycle_weight'"):
        option(cfg, "cycle_weight")  # another family's: a typo or a wrong family fails loudly


def test_train_config_keeps_only_what_every_family_reads():
    from gan_studio.core.training.config import LEGACY_OPTION_KEYS

    assert not set(LEGACY_OPTION_KEYS) & set(TrainConfig.__dataclass_fields__)


def test_resume_without_checkpoint_is_a_clear_error(image_folder, tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing to resume"):
        train_stylegen(_cfg(image_folder, tmp_path / "none", 0.01), resume=True)


def test_augment_identity_at_p0_and_fills_background():
    x = torch.rand(8, 4, 16, 16) * 2 - 1
    assert torch.equal(augment(x, 0.0), x)
    gen = torch.Generator().manual_seed(0)
    y = augment(x, 1.0, gen)
    assert y.shape == x.shape and not torch.equal(x, y)
    # Cutout/translation fill is transparent white: wherever alpha was set to -1 by the fill, RGB is 1.
    filled = (y[:, 3] == -1) & (x[:, 3] != -1)
    assert filled.any()
    assert torch.all(y[:, :3][filled.unsqueeze(1).expand(-1, 3, -1, -1)] == 1)


def test_augment_is_differentiable():
    x = torch.zeros(4, 4, 8, 8, requires_grad=True)
    augment(x, 1.0, torch.Generator().manual_seed(1)).sum().backward()
    assert x.grad is not None


def test_adaptive_p_moves_with_overfitting():
    ada = AdaptiveP(p=0.0, target=0.6, speed_kimg=1.0)
    ada.observe(torch.ones(64))
    assert ada.update(64) > 0
    ada.observe(-torch.ones(64))
    assert ada.update(1000) == 0.0


def test_continue_from_a_bundled_model_state(image_folder, tmp_path, monkeypatch):
    from gan_studio.cli import main

    train_stylegen(_cfg(image_folder, tmp_path / "first", 0.016))  # 4 steps
    export_run(tmp_path / "first", tmp_path / "lib" / "m", "m", "M", with_train_state=True)
    monkeypatch.setenv("GAN_STUDIO_BUNDLED_MODELS", str(tmp_path / "lib"))
    assert main(["train", "--continue-model", "m", "--out", str(tmp_path / "next"), "--kimg", "0.024"]) == 0
    st = load_checkpoint(latest_checkpoint(tmp_path / "next"))
    assert st["step"] == 6
    assert main(["train", "--continue-model", "m", "--out", str(tmp_path / "next"), "--kimg", "0.03"]) == 2


def test_graft_checkpoint_takes_stage_two_and_refuses_a_mismatch(tmp_path):
    """`train --refiner-from`: Stage II's states come from another checkpoint, Stage I's stay; a source of
    another shape is refused before the run's checkpoint is touched."""
    from gan_studio.core.families import trainer
    from gan_studio.core.training.checkpoint import (
        graft_checkpoint,
        latest_checkpoint,
        load_checkpoint,
        save_checkpoint,
    )

    def state(v: float, width: int = 3) -> dict:
        st = {"step": 10, "G": {"w": torch.full((2,), v)}}
        for k in trainer("text").graft_keys:
            st[k] = {"state": {}, "param_groups": []} if k.startswith("opt_") else {"w": torch.full((width,), v)}
        return st

    run, other = tmp_path / "run", tmp_path / "other"
    save_checkpoint(run, 10, state(1.0))
    src = save_checkpoint(other, 5, state(2.0))
    into = graft_checkpoint(run, src, trainer("text").graft_keys)
    assert into == latest_checkpoint(run)
    st = load_checkpoint(into)
    assert st["step"] == 10 and float(st["G"]["w"][0]) == 1.0
    assert float(st["R"]["w"][0]) == 2.0 and float(st["D2"]["w"][0]) == 2.0
    bad = save_checkpoint(tmp_path / "bad", 5, state(3.0, width=4))
    with pytest.raises(ValueError, match="does not match"):
        graft_checkpoint(run, bad, trainer("text").graft_keys)
    assert float(load_checkpoint(into)["R"]["w"][0]) == 2.0  # unchanged by the refused graft
    with pytest.raises(ValueError, match="no 'R'"):
        graft_checkpoint(run, save_checkpoint(tmp_path / "g", 1, {"step": 1, "G": {}}), trainer("text").graft_keys)
    from gan_studio.cli import main

    assert main(["train", "--family", "age", "--out", str(run), "--resume", "--refiner-from", str(src)]) == 2
