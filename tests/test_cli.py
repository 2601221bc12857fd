"""The command line does what the window does, with --json and clear errors."""

import json

import numpy as np
import pytest
from PIL import Image

from gan_studio.cli import CliError, main, parse_seeds
from tests.conftest import TINY_CYCLE_ID, TINY_ID


def test_parse_seeds():
    assert parse_seeds("1-3,7") == [1, 2, 3, 7]
    for bad in ("", "x", "5-1", "-4"):
        with pytest.raises(CliError):
            parse_seeds(bad)


def test_generate_with_grid_and_json(tiny_library, tmp_path, capsys):
    rc = main(["generate", "--model", TINY_ID, "--seeds", "1-4", "--psi", "0.7", "--noise", "const",
               "-o", str(tmp_path / "out"), "--grid", str(tmp_path / "grid.png"), "--json"])
    assert rc == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["files"]) == 4
    from gan_studio.core.sessions.generator import GeneratorSession, RenderRequest

    sess = GeneratorSession.open(TINY_ID, library=tiny_library)
    first = np.asarray(Image.open(data["files"][0]))
    assert np.array_equal(first, sess.render(RenderRequest(TINY_ID, seed=1, psi=0.7)))
    assert Image.open(tmp_path / "grid.png").size == (4 * 16 + 3 * 2, 16)
    assert main(["info", data["files"][0], "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["seed"] == 1


def test_mix_and_video(tiny_library, tmp_path, capsys):
    assert main(["mix", "--model", TINY_ID, "--rows", "1,2", "--cols", "3,4", "--layers", "0-3",
                 "-o", str(tmp_path / "mix.png"), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["layers"] == [0, 1, 2, 3]
    assert Image.open(tmp_path / "mix.png").size == (3 * 16 + 4, 3 * 16 + 4)
    assert main(["mix", "--model", TINY_ID, "--rows", "1", "--cols", "3", "--layers", "fine",
                 "-o", str(tmp_path / "mix2.png")]) == 0
    assert main(["video", "--model", TINY_ID, "--seeds", "1,2", "--frames", "4", "-o", str(tmp_path / "w.gif")]) == 0
    assert Image.open(tmp_path / "w.gif").n_frames == 4


def test_models_list_and_show(tiny_library, capsys):
    assert main(["models", "list", "--json"]) == 0
    cards = json.loads(capsys.readouterr().out)
    by_id = {c["id"]: c for c in cards}
    assert by_id[TINY_ID]["family"] == "stylegen" and by_id[TINY_ID]["tasks"] == ["explore", "mix"]
    assert by_id[TINY_CYCLE_ID]["family"] == "cyclegan" and by_id[TINY_CYCLE_ID]["tasks"] == ["translate"]
    assert main(["models", "show", TINY_ID, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["verified"] is True


@pytest.mark.parametrize("argv, message", [
    (["generate", "--model", "nope", "-o", "x"], "unknown model"),
    (["generate", "--model", TINY_ID, "--seeds", "a-b", "-o", "x"], "bad seed list"),
    (["mix", "--model", TINY_ID, "--rows", "1", "--cols", "2", "--layers", "0-40", "-o", "x.png"], "out of range"),
    (["generate", "--model", TINY_ID, "--size", "3", "-o", "OUT"], "export size"),
    (["video", "--model", TINY_ID, "--seeds", "1", "-o", "x.gif"], "at least two"),
    (["info", "missing.png"], "not a readable image"),
    (["train", "--out", "r"], "--data is required"),
    (["dataset", "check", "/nonexistent"], "not a folder"),
])
def test_bad_input_exits_nonzero_with_a_clear_message(tiny_library, tmp_path, capsys, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_dataset_check_json(image_folder, capsys):
    (image_folder / "bad.png").write_bytes(b"")
    assert main(["dataset", "check", str(image_folder), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["usable"] == 24 and data["skipped"][0]["reason"] == "empty file"


def test_train_cli_writes_a_run_and_exports(image_folder, tmp_path):
    arch = json.dumps({"z_dim": 16, "w_dim": 16, "mapping_layers": 2, "channel_base": 128, "channel_max": 16,
                       "d_channel_base": 128, "d_channel_max": 16})
    rc = main(["train", "--data", str(image_folder), "--out", str(tmp_path / "run"), "--resolution", "16",
               "--batch", "4", "--kimg", "0.012", "--arch", arch, "--threads", "1",
               "--export", str(tmp_path / "lib" / "mine"), "--id", "mine"])
    assert rc == 0
    card = json.loads((tmp_path / "lib" / "mine" / "card.json").read_text())
    assert card["id"] == "mine" and card["training"]["step"] == 3
