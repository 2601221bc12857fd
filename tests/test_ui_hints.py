"""Every command a panel's empty state shows is one `gan-studio` accepts (a stale `--data-b` once was not)."""

from __future__ import annotations

import shlex

import pytest

from gan_studio.cli.main import build_parser
from gan_studio.ui.panels import age, sketch, text_tasks, translate


def _commands(hint: str) -> list[list[str]]:
    return [shlex.split(line.replace("…", "")) for line in hint.splitlines() if line.startswith("gan-studio ")]


@pytest.mark.parametrize("module", [age, sketch, text_tasks, translate], ids=lambda m: m.__name__.rsplit(".", 1)[1])
def test_each_hint_command_parses(module):
    commands = _commands(module.NO_MODEL)
    assert commands, "the hint shows no command"
    for argv in commands:
        args = build_parser().parse_args(argv[1:])  # exits (SystemExit) on a flag or value it does not know
        assert args.cmd == argv[1]


def test_a_stale_flag_would_fail():
    with pytest.raises(SystemExit):
        build_parser().parse_args(["train", "--family", "cyclegan", "--data", "A", "--data-b", "B"])
