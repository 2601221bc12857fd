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
