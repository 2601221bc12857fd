"""Long CLI commands report progress: a bar on a terminal, JSON lines with --progress jsonl (issue 23)."""

from __future__ import annotations

import io
import json

import numpy as np
from PIL import Image

from gan_studio.cli.progress import Progress
from tests.conftest import TINY_ID


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_bar_on_a_terminal_nothing_on_a_pipe_and_json_lines_on_request():
    err = _Tty()
    bar = Progress("auto", "fitting", every=0.0, err=err)
    for i in range(1, 5):
        bar(i, 4, loss=0.5 / i)
    text = err.getvalue()
    assert "fitting [" in text and "4/4" in text and "loss 0.125" in text and "ETA" in text and text.endswith("\n")
    pipe = io.StringIO()
    Progress("auto", "fitting", err=pipe)(1, 2)
    assert pipe.getvalue() == ""  # not a terminal: no escape codes in a log
    out = io.StringIO()
    lines = Progress("jsonl", "translating", every=1e9, out=out)
    for i in range(1, 11):
        lines(i, 10, file=f"{i}.png")
    events = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [e["done"] for e in events] == [1, 10]  # throttled, but the last update always comes
    assert events[-1]["file"] == "10.png" and events[-1]["eta_s"] == 0.0 and events[0]["task"] == "translating"


def test_project_prints_json_progress_lines(tiny_library, tmp_path, capsys):
    from gan_studio.cli import main

    img = tmp_path / "photo.png"  # not me.png: the reconstruction goes beside the latent, as me.png
    Image.fromarray(np.full((16, 16, 4), 200, np.uint8)).save(img)
    assert main(["project", "--model", TINY_ID, "--input", str(img), "--steps", "5", "-o", str(tmp_path / "me"),
                 "--progress", "jsonl"]) == 0
    lines = [json.loads(s) for s in capsys.readouterr().out.splitlines() if s.startswith("{")]
    assert lines and lines[-1]["done"] == lines[-1]["total"] == 5 and "loss" in lines[-1]
