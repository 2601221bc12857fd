"""The command line never shows a traceback, names the right command for a model, shares the window's defaults
and never overwrites an output silently."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from gan_studio.cli import build_parser, main
from gan_studio.core import defaults
from tests.conftest import REPO, TINY_CYCLE_ID, TINY_ID, TINY_SR_ID

BUNDLED_TASKS = {  # the bundled models and the command each one is for
    "age-faces-64": "age", "featurenet-emoji-64": None, "sketch2emoji-128": "sketch", "stylegen-faces-64": "generate",
    "symbol2colour-128": "translate", "text-emoji-64": "text", "upscale-x4-emoji": "upscale",
}
COMMAND_TASKS = {"generate": "generate", "mix": "generate", "video": "generate", "project": ("generate", "age"),
                 "age": "age", "text": "text", "sketch": "sketch", "translate": "translate", "upscale": "upscale"}


def _argv(cmd: str, model: str, tmp: Path) -> list[str]:
    img = tmp / "in.png"
    if not img.exists():
        Image.new("RGBA", (32, 32), (255, 255, 255, 255)).save(img)
    extra = {"generate": ["--seeds", "1"], "mix": ["--rows", "1", "--cols", "2"], "video": ["--seeds", "1,2"],
             "project": ["--input", str(img)], "age": ["--seed", "1", "--age", "0.5"],
             "text": ["--prompt", "a red heart"], "sketch": ["--input", str(img)],
             "translate": ["--input", str(img)], "upscale": ["--input", str(img)]}[cmd]
    return [cmd, "--model", model, *extra, "-o", str(tmp / "out" / f"{cmd}.png")]


def _cli(*args: str, stdout=subprocess.PIPE, code: str | None = None, **kw) -> subprocess.CompletedProcess:
    env = os.environ | {"PYTHONPATH": str(REPO)}
    cmd = [sys.executable, "-c", code, *args] if code else [sys.executable, "-m", "gan_studio", *args]
    return subprocess.run(cmd, stdout=stdout, stderr=subprocess.PIPE, text=True, env=env, timeout=120, **kw)


def _one_clean_line(err: str) -> str:
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert "Traceback" not in err and "Exception ignored" not in err, err
    assert len(lines) == 1, err
    return lines[0]


# -- 1. no tracebacks -------------------------------------------------------------------------------------------
_RAISING = ("import sys\nimport gan_studio.cli.common as c\nfrom gan_studio.cli import main\n"
            "def boom(args):\n    raise {exc}\n"
            "c.COMMANDS['info'] = boom\nsys.exit(main(sys.argv[1:]))\n")


def test_an_unforeseen_error_is_one_line_and_exit_1():
    res = _cli("info", "x.png", code=_RAISING.format(exc="TypeError('a conditional generator needs a condition')"))
    assert res.returncode == 1
    line = _one_clean_line(res.stderr)
    assert line.startswith("gan-studio info: error: ") and "a conditional generator needs a condition" in line
    assert "--verbose" in line


def test_verbose_shows_the_traceback():
    res = _cli("--verbose", "info", "x.png", code=_RAISING.format(exc="TypeError('deep down')"))
    assert res.returncode == 1 and "Traceback" in res.stderr and "deep down" in res.stderr


def test_an_exception_without_words_names_its_kind():
    res = _cli("info", "x.png", code=_RAISING.format(exc="StopIteration()"))
    assert res.returncode == 1 and "StopIteration" in _one_clean_line(res.stderr)


def test_keyboard_interrupt_exits_130_quietly():
    res = _cli("info", "x.png", code=_RAISING.format(exc="KeyboardInterrupt"))
    assert res.returncode == 130 and "Traceback" not in res.stderr


def test_ctrl_c_during_a_command_exits_130_quietly():
    code = ("import sys, time\nimport gan_studio.cli.common as c\nfrom gan_studio.cli import main\n"
            "def wait(args):\n    print('ready', flush=True)\n    time.sleep(60)\n"
            "c.COMMANDS['info'] = wait\nsys.exit(main(sys.argv[1:]))\n")
    env = os.environ | {"PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-c", code, "info", "x"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout.readline().strip() == "ready"
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130 and "Traceback" not in err


@pytest.mark.parametrize("argv", [["--version"], ["models", "list"], ["jobs", "list"], ["--help"]])
def test_a_closed_pipe_is_a_quiet_exit(argv):
    """The reader is gone before we write (`| head -0`): no BrokenPipeError, no "Exception ignored"."""
    r, w = os.pipe()
    os.close(r)
    try:
        res = _cli(*argv, stdout=w)
    finally:
        os.close(w)
    assert res.returncode in (0, 1) and res.stderr.strip() == "", res.stderr


def test_piping_into_head_shows_no_error():
    env = os.environ | {"PYTHONPATH": str(REPO)}
    py = f"{sys.executable} -m gan_studio"
    res = subprocess.run(["bash", "-c", f"{py} --version | head -0; {py} models list | head -1"],
                         capture_output=True, text=True, env=env, timeout=120)
    assert "Error" not in res.stderr and "Traceback" not in res.stderr, res.stderr
    assert len(res.stdout.splitlines()) == 1


# -- 2. every command on every bundled model: it runs, or one line names the command to use ---------------------
WRONG = [(cmd, model) for cmd in COMMAND_TASKS for model, task in BUNDLED_TASKS.items()
         if task not in (COMMAND_TASKS[cmd] if isinstance(COMMAND_TASKS[cmd], tuple) else (COMMAND_TASKS[cmd],))]


@pytest.mark.parametrize("cmd, model", WRONG)
def test_a_model_of_another_task_names_the_command_to_use(cmd, model, tmp_path, capsys):
    assert main(_argv(cmd, model, tmp_path)) == 2
    line = _one_clean_line(capsys.readouterr().err)
    assert line.startswith(f"gan-studio {cmd}: error: {model} is not a {cmd} model (its tasks: ")
    right = BUNDLED_TASKS[model]
    if right is None:
        assert "gan-studio metrics" in line and "draws no images" in line
    else:
        assert f"use: gan-studio {right} --model {model}" in line
    assert not (tmp_path / "out").exists()


def test_generate_with_an_age_model_says_use_age(capsys, tmp_path):
    assert main(["generate", "--model", "age-faces-64", "-o", str(tmp_path / "o")]) == 2
    assert "use: gan-studio age --model age-faces-64" in capsys.readouterr().err


FITS = [(cmd, model) for cmd in COMMAND_TASKS for model in BUNDLED_TASKS if (cmd, model) not in WRONG]


@pytest.mark.parametrize("cmd, model", FITS)
def test_every_command_runs_on_every_bundled_model_whose_task_fits(cmd, model, tmp_path):
    """With only the flags that say what to draw: conditions (gender, skin tone, ψ, direction) take defaults."""
    argv = _argv(cmd, model, tmp_path) + (["--steps", "2"] if cmd == "project" else [])
    if cmd == "video":
        argv[-1] = str(tmp_path / "out" / "walk.gif")
    assert main(argv) == 0
    assert any((tmp_path / "out").iterdir())


def test_every_render_command_runs_on_a_class_conditional_model_without_a_class(tmp_path, monkeypatch, capsys):
    """A CGAN draws its first class when none is asked; the commands it has no task for name the one it has."""
    from tests.test_recipes import _train_cli

    classes = tmp_path / "classes"
    for name, colour in (("circles", (230, 20, 20, 255)), ("squares", (20, 20, 230, 255))):
        (classes / name).mkdir(parents=True)
        for i in range(4):
            Image.new("RGBA", (16, 16), colour).save(classes / name / f"{i}.png")
    code, models = _train_cli(classes, tmp_path, "--conditional", kimg="0.016")
    assert code == 0
    monkeypatch.setenv("GAN_STUDIO_BUNDLED_MODELS", str(models))
    img = tmp_path / "classes" / "circles" / "0.png"
    out = tmp_path / "o"
    for argv in (["generate", "--model", "m", "--seeds", "1", "-o", str(out / "g")],
                 ["video", "--model", "m", "--seeds", "1,2", "--frames", "2", "-o", str(out / "v.gif")],
                 ["project", "--model", "m", "--input", str(img), "--steps", "2", "-o", str(out / "p.npz")],
                 ["directions", "--model", "m", "-o", str(out / "d.png")]):
        assert main(argv) == 0, (argv, capsys.readouterr().err)
    for cmd, extra in (("mix", ["--rows", "1", "--cols", "2"]), ("age", ["--seed", "1", "--age", "0.5"]),
                       ("text", ["--prompt", "x"]), ("translate", ["--input", str(img)])):
        assert main([cmd, "--model", "m", *extra, "-o", str(out / f"{cmd}.png")]) == 2
        assert "use: gan-studio generate --model m" in _one_clean_line(capsys.readouterr().err)


# -- 3. one set of defaults -------------------------------------------------------------------------------------
def _help(*argv: str) -> str:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "cmd").choices[argv[0]]
    return " ".join(sub.format_help().split())


def test_render_flags_take_the_windows_defaults():
    p = build_parser()
    args = p.parse_args(["generate", "--model", "m", "-o", "o"])
    assert args.psi == defaults.PSI.default == 0.7 and args.noise_strength == defaults.NOISE_STRENGTH.default
    assert args.noise == defaults.NOISE_MODES[0] and len(args.seeds.split("-")) == 2
    text = p.parse_args(["text", "--model", "m", "--prompt", "p", "-o", "o"])
    assert text.variation == defaults.VARIATION.default == 0.5 and text.psi == defaults.COND_PSI.default
    assert p.parse_args(["mix", "--model", "m", "--rows", "1", "--cols", "2", "-o", "o"]).psi == 0.7
    assert "(0 … 1.5; default: 0.7)" in _help("generate") and "default: 0.5" in _help("text")
    assert "default: 0-7" in _help("generate")


@pytest.mark.parametrize("argv, message", [
    (["generate", "--model", "m", "--psi", "2.5", "-o", "o"], "--psi 2.5 is out of range"),
    (["generate", "--model", "m", "--noise-strength", "-1", "-o", "o"], "--noise-strength -1 is out of range"),
    (["text", "--model", "m", "--prompt", "p", "--variation", "1.5", "-o", "o"], "--variation 1.5 is out of range"),
    (["age", "--model", "m", "--seed", "1", "--age", "0.5", "--psi", "1.2", "-o", "o"], "--psi 1.2 is out of range"),
])
def test_a_value_out_of_range_is_one_line(argv, message, capsys):
    assert main(argv) == 2
    line = _one_clean_line(capsys.readouterr().err)
    assert message in line and "runs from" in line


def test_the_window_takes_its_sliders_and_tabs_from_the_same_defaults(qtbot, tiny_library, tmp_path):
    from PySide6.QtCore import QSettings

    from gan_studio.ui.main_window import MainWindow
    from gan_studio.ui.worker import InferenceWorker

    win = MainWindow(worker=InferenceWorker(), settings=QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(win)
    try:
        assert set(win.docks) == set(defaults.PANELS)
        for slider, setting in ((win.explorer.psi, defaults.PSI), (win.mixer.psi, defaults.PSI),
                                (win.explorer.noise_strength, defaults.NOISE_STRENGTH),
                                (win.text.variation, defaults.VARIATION), (win.text.psi, defaults.COND_PSI),
                                (win.age.psi, defaults.COND_PSI)):
            assert slider.value() == pytest.approx(setting.default)
            slider.set_value(setting.hi + 1)
            assert slider.value() == pytest.approx(setting.hi)
            slider.set_value(setting.lo - 1)
            assert slider.value() == pytest.approx(setting.lo)
    finally:
        win.close()


# -- 4. every tab of the window ---------------------------------------------------------------------------------
@pytest.mark.parametrize("panel", defaults.PANELS)
def test_every_panel_can_open_first(panel):
    assert build_parser().parse_args(["--panel", panel]).panel == panel


# -- 5. outputs are not overwritten silently --------------------------------------------------------------------
@pytest.mark.parametrize("argv, target", [
    (["generate", "--model", TINY_ID, "--seeds", "1-2", "-o", "{tmp}/out"], "out/seed000002.png"),
    (["generate", "--model", TINY_ID, "--seeds", "1", "-o", "{tmp}/out", "--grid", "{tmp}/grid.png"], "grid.png"),
    (["mix", "--model", TINY_ID, "--rows", "1", "--cols", "2", "-o", "{tmp}/mix.png"], "mix.png"),
    (["video", "--model", TINY_ID, "--seeds", "1,2", "--frames", "2", "-o", "{tmp}/walk.gif"], "walk.gif"),
])
def test_renders_refuse_an_existing_output_unless_overwrite(tiny_library, tmp_path, capsys, argv, target):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    path = tmp_path / target
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"mine")
    assert main(argv) == 2
    line = _one_clean_line(capsys.readouterr().err)
    assert str(path) in line and "--overwrite" in line and path.read_bytes() == b"mine"
    assert main([*argv, "--overwrite"]) == 0
    assert path.read_bytes() != b"mine"


def test_generate_into_a_folder_with_other_files_is_fine(tiny_library, tmp_path):
    (tmp_path / "notes.txt").write_text("keep")
    assert main(["generate", "--model", TINY_ID, "--seeds", "3", "-o", str(tmp_path)]) == 0
    assert (tmp_path / "seed000003.png").exists() and (tmp_path / "notes.txt").read_text() == "keep"


@pytest.mark.parametrize("cmd", ["project", "age", "text", "sketch", "translate", "upscale"])
def test_every_command_that_writes_refuses_an_existing_output_unless_overwrite(tiny_library, tmp_path, capsys, cmd):
    from tests.conftest import TINY_AGE_ID, TINY_SKETCH_ID, TINY_TEXT_ID

    model = {"project": TINY_ID, "age": TINY_AGE_ID, "text": TINY_TEXT_ID, "sketch": TINY_SKETCH_ID,
             "translate": TINY_CYCLE_ID, "upscale": TINY_SR_ID}[cmd]
    argv = _argv(cmd, model, tmp_path) + (["--steps", "2"] if cmd == "project" else [])
    out = tmp_path / "out"
    target = {"project": out / "project.npz", "text": out / "seed000000.png"}.get(cmd, out / f"{cmd}.png")
    if cmd == "text":
        argv = [*argv[:-1], str(out), "--seeds", "0"]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(b"mine")
    assert main(argv) == 2
    line = _one_clean_line(capsys.readouterr().err)
    assert str(target) in line and "--overwrite" in line and target.read_bytes() == b"mine"
    assert main([*argv, "--overwrite"]) == 0 and target.read_bytes() != b"mine"


def test_project_never_replaces_its_own_input_with_the_reconstruction(tiny_library, tmp_path, capsys):
    photo = tmp_path / "me.png"
    Image.new("RGBA", (16, 16), (200, 120, 40, 255)).save(photo)
    before = photo.read_bytes()
    assert main(["project", "--model", TINY_ID, "--input", str(photo), "--steps", "2", "-o", str(tmp_path / "me")]) == 2
    assert "me.png already exists" in _one_clean_line(capsys.readouterr().err) and photo.read_bytes() == before


def test_a_folder_translation_refuses_to_replace_earlier_results(tiny_library, tmp_path, capsys):
    src, dst = tmp_path / "in", tmp_path / "done"
    src.mkdir()
    for name in ("a.png", "b.jpg"):
        Image.new("RGB", (16, 16), (9, 90, 200)).save(src / name)
    argv = ["translate", "--model", TINY_CYCLE_ID, "--input", str(src), "-o", str(dst)]
    assert main(argv) == 0
    earlier = (dst / "b.png").read_bytes()
    assert main(argv) == 2 and "--overwrite" in _one_clean_line(capsys.readouterr().err)
    assert (dst / "b.png").read_bytes() == earlier
    assert main([*argv, "--overwrite"]) == 0


def test_models_export_refuses_an_existing_file(tiny_library, tmp_path, capsys):
    out = tmp_path / "sr.pt"
    out.write_bytes(b"mine")
    argv = ["models", "export", TINY_SR_ID, "--format", "torchscript", "-o", str(out)]
    assert main(argv) == 2
    assert "already exists" in _one_clean_line(capsys.readouterr().err) and out.read_bytes() == b"mine"
    assert main([*argv, "--overwrite"]) == 0 and out.read_bytes() != b"mine"


def test_train_export_refuses_an_existing_model_folder_before_training(image_folder, tmp_path, capsys):
    export = tmp_path / "lib" / "mine"
    export.mkdir(parents=True)
    (export / "card.json").write_text(json.dumps({"id": "mine"}))
    argv = ["train", "--data", str(image_folder), "--out", str(tmp_path / "run"), "--resolution", "16",
            "--kimg", "0.004", "--export", str(export)]
    assert main(argv) == 2
    assert "--overwrite" in _one_clean_line(capsys.readouterr().err)
    assert not (tmp_path / "run").exists()  # refused before any training
    assert "--overwrite" in _help("train")


def test_translate_names_the_right_command_for_a_tiny_model(tiny_library, tmp_path, capsys):
    """The tiny library's models too (what the window's own tests use)."""
    assert main(_argv("sketch", TINY_CYCLE_ID, tmp_path)) == 2
    assert f"use: gan-studio translate --model {TINY_CYCLE_ID}" in capsys.readouterr().err
