"""`gan-studio train` through core.training.runner: base models, foreign checkpoints, one-line errors."""

import pickle
from pathlib import Path

import pytest

from gan_studio.cli import main
from gan_studio.core.training.config import TrainConfig
from gan_studio.core.training.runner import TrainingError, TrainRequest, run_training
from tests.conftest import TINY_ID


def _hostile(path: Path) -> Path:
    """A pickle that names a class (what weights_only refuses; a real attack would name os.system)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps({"step": 1, "G": Path("x")}))
    return path


def test_fine_tune_takes_the_base_models_architecture(tiny_library, image_folder, tmp_path, capsys):
    run = tmp_path / "run"
    assert main(["train", "--family", "stylegen", "--data", str(image_folder), "--out", str(run), "--base", TINY_ID,
                 "--batch", "4", "--kimg", "0.004", "--threads", "1"]) == 0
    err = capsys.readouterr().err
    assert f"from base {TINY_ID}: 16 px" in err
    assert TrainConfig.load(run).resolution == 16


def test_fine_tune_refuses_a_size_the_base_does_not_have(tiny_library, image_folder, tmp_path, capsys):
    assert main(["train", "--data", str(image_folder), "--out", str(tmp_path / "r"), "--base", TINY_ID,
                 "--resolution", "64", "--kimg", "0.004"]) == 2
    assert "does not fit the base model" in capsys.readouterr().err


def test_a_foreign_checkpoint_on_resume_is_refused_in_one_line(tmp_path, capsys):
    run = tmp_path / "run"
    _hostile(run / "checkpoints" / "ckpt-00000001.pt")
    assert main(["train", "--out", str(run), "--resume"]) == 2
    err = capsys.readouterr().err
    assert "is not a GAN Studio checkpoint" in err and "weights_only" not in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_a_foreign_refiner_checkpoint_is_refused(tmp_path, capsys):
    run = tmp_path / "run"
    bad = _hostile(tmp_path / "bad.pt")
    assert main(["train", "--family", "text", "--out", str(run), "--resume", "--refiner-from", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "is not a GAN Studio checkpoint" in err and "weights_only" not in err


def test_runner_refuses_a_request_without_budget(tmp_path):
    req = TrainRequest(config=TrainConfig(data="d", out=str(tmp_path / "r")))
    with pytest.raises(TrainingError, match="budget"):
        run_training(req, lambda *a, **k: None, lambda *a, **k: None)


def _pictures(folder: Path, n: int = 6, size: int = 32, mode: str = "RGBA") -> Path:
    import numpy as np
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.RandomState(0)
    for i in range(n):
        shape = (size, size, 4) if mode == "RGBA" else (size, size)
        Image.fromarray(rng.randint(0, 255, shape, np.uint8), mode).save(folder / f"{i}.png")
    return folder


def _data_for(family: str, root: Path, image_folder: Path) -> tuple[Path, list[str]]:
    from tests.conftest import make_captioned_shapes

    if family == "age":
        _pictures(root / "baby")
        _pictures(root / "old")
        return root, []
    if family == "text":
        return make_captioned_shapes(root), []
    if family == "cyclegan":
        _pictures(root / "trainA")
        _pictures(root / "trainB")
        return root, []
    if family == "pix2pix":  # a sketch base (1-channel input) fine-tuned on A/B pairs: A is read as grey
        _pictures(root / "A", size=64, mode="L")
        _pictures(root / "B", size=64)
        return root, []
    return image_folder, []


@pytest.mark.parametrize("family, base", [
    ("stylegen", TINY_ID), ("age", "tiny-age-16"), ("text", "tiny-text-16"), ("cyclegan", "tiny-cycle-16"),
    ("pix2pix", "tiny-sketch-64"), ("sr", "tiny-sr-x4")])
def test_every_family_fine_tunes_from_its_base_as_it_is(tiny_library, image_folder, tmp_path, capsys, family, base):
    """No --resolution, --channels or --arch: the base's card gives them, and the CLI says what it took."""
    data, extra = _data_for(family, tmp_path / "data", image_folder)
    run = tmp_path / "run"
    code = main(["train", "--family", family, "--data", str(data), "--out", str(run), "--base", base, "--batch", "2",
                 "--kimg", "0.002", "--threads", "1", "--preview-every", "1e9", *extra])
    err = capsys.readouterr().err
    assert code == 0, err
    card = tiny_library.card(base)
    saved = TrainConfig.load(run)
    resolution = int(card.architecture.get("resolution", card.resolution))
    assert f"from base {base}: {resolution} px, {card.channels} channels, architecture" in err
    assert (saved.resolution, saved.channels, saved.base) == (resolution, card.channels, base)
    for key, value in card.architecture.items():
        if key not in ("resolution", "img_channels", "extra"):  # extra: a trainer's own additions (text: fusion)
            assert saved.arch[key] == value, key
    # And its weights: after one step of Adam (lr ≤ 2.5e-3) the generator is the base's, not a fresh one.
    from safetensors.torch import load_file

    from gan_studio.core.training.checkpoint import latest_checkpoint, load_checkpoint

    part, role = {"cyclegan": ("G_ab", "generator_ab")}.get(family, ("G", "generator"))
    trained, base_w = load_checkpoint(latest_checkpoint(run))[part], load_file(str(card.file_for(role)))
    big = [k for k in base_w if base_w[k].numel() > 8 and "running_" not in k]  # weights, not batch statistics
    common = [k for k in big if k in trained and trained[k].shape == base_w[k].shape]
    assert len(common) >= 0.8 * len(big)
    assert max((trained[k].float() - base_w[k].float()).abs().max().item() for k in common) < 0.05


def test_a_family_that_cannot_start_from_a_base_refuses_it(tmp_path, image_folder, capsys, monkeypatch):
    from types import SimpleNamespace

    import gan_studio.core.library.registry as registry

    card = SimpleNamespace(id="my-dcgan", family="dcgan", architecture={"ngf": 8}, resolution=16, channels=4)
    monkeypatch.setattr(registry.Library, "card", lambda self, model_id: card)
    assert main(["train", "--family", "dcgan", "--data", str(image_folder), "--out", str(tmp_path / "r"), "--base",
                 "my-dcgan", "--kimg", "0.004"]) == 2
    err = capsys.readouterr().err
    assert "dcgan training starts from scratch and cannot take --base my-dcgan" in err and "stylegen" in err
    assert not (tmp_path / "r").exists()


def test_family_flags_keep_their_names_and_defaults_and_show_once(capsys):
    """The translation and conditional options moved from TrainConfig into their families' declarations: the
    flags are as before, each listed once in --help, and each lands in the run's options."""
    from gan_studio.cli.main import build_parser
    from gan_studio.cli.train import _config

    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = capsys.readouterr().out
    before = {"--pairs": "folders", "--l1-weight": 100.0, "--cycle-weight": 10.0, "--identity-weight": 0.5,
              "--layout-weight": None, "--refiner-l1": None, "--imle": None, "--imle-samples": 8}
    for flag in before:
        assert text.count(f"  {flag} ") == 1, flag
    parser = build_parser()
    for family, own in (("pix2pix", ("--pairs", "--l1-weight")), ("sr", ("--l1-weight",)),
                        ("cyclegan", ("--cycle-weight", "--identity-weight")),
                        ("text", ("--layout-weight", "--refiner-l1", "--imle", "--imle-samples")),
                        ("age", ("--layout-weight", "--imle", "--imle-samples"))):
        cfg = _config(parser.parse_args(["train", "--family", family, "--out", "o", "--minutes", "1"]))
        dest = {"--imle": "imle_weight"}
        assert {f: cfg.options[dest.get(f, f[2:].replace("-", "_"))] for f in own} == {f: before[f] for f in own}
    cfg = _config(parser.parse_args(["train", "--family", "pix2pix", "--out", "o", "--pairs", "sketch",
                                     "--l1-weight", "5"]))
    assert cfg.options == {"pairs": "sketch", "l1_weight": 5.0}
    cfg = _config(parser.parse_args(["train", "--family", "text", "--out", "o", "--imle", "10"]))
    assert cfg.options["imle_weight"] == 10.0 and cfg.options["layout_weight"] is None


def test_cyclegan_colour_weight_is_a_declared_option_off_by_default():
    from gan_studio.cli.main import build_parser
    from gan_studio.cli.train import _config

    parser = build_parser()
    cfg = _config(parser.parse_args(["train", "--family", "cyclegan", "--out", "o", "--minutes", "1"]))
    assert cfg.options["colour_weight"] is None  # off; None so that a plain --resume keeps the run's own
    cfg = _config(parser.parse_args(["train", "--family", "cyclegan", "--out", "o", "--colour-weight", "3"]))
    assert cfg.options["colour_weight"] == 3.0
