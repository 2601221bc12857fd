"""What every command shares: the one-line user error, the command table, seed lists and output."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..core.defaults import SEED_MAX, Setting, SettingRangeError

Handler = Callable[[argparse.Namespace], int]
COMMANDS: dict[str, Handler] = {}


class CliError(Exception):
    """A user-facing error: printed as one line, exit code 2."""


def command(name: str) -> Callable[[Handler], Handler]:
    def deco(fn: Handler) -> Handler:
        COMMANDS[name] = fn
        return fn

    return deco


def parse_seeds(text: str) -> list[int]:
    """'1-4,9' → [1, 2, 3, 4, 9]."""
    seeds: list[int] = []
    try:
        for part in text.split(","):
            part = part.strip()
            if not part:
                continue
            if "-" in part[1:]:
                a, b = part.split("-", 1) if not part.startswith("-") else part[1:].split("-", 1)
                lo, hi = int(a), int(b)
                if hi < lo or hi - lo > 10_000:
                    raise ValueError(part)
                seeds.extend(range(lo, hi + 1))
            else:
                seeds.append(int(part))
    except ValueError as exc:
        raise CliError(f"bad seed list {text!r}: use numbers and ranges like 1-8,12") from exc
    if not seeds or any(s < 0 or s > SEED_MAX for s in seeds):
        raise CliError(f"bad seed list {text!r}: seeds are 0 … {SEED_MAX}")
    return seeds


def emit(args: argparse.Namespace, data: Any, text: str) -> None:
    print(json.dumps(data, indent=2) if getattr(args, "json", False) else text)


def read_image(path: str, fits: Callable[[int, int], None] | None = None) -> Any:
    """An input image, or a one-line error naming the file. ``fits(width, height)`` runs on the header's size
    first and may refuse (MemoryError: a result too large) before the image is decoded."""
    from ..core.sessions.translator import image_size
    from ..core.sessions.translator import read_image as _read_image

    try:
        if fits is not None:
            fits(*image_size(Path(path)))
        return _read_image(Path(path))
    except (OSError, ValueError) as exc:
        raise CliError(f"cannot read {path}: {exc}") from exc


# -- the shared defaults (core.defaults): one flag per setting, range-checked after parsing -----------------
def add_setting(parser: argparse.ArgumentParser, flag: str, setting: Setting, help: str = "",
                default: float | None = None) -> None:
    """``--psi`` and friends: the window's default and range, shown in --help and checked before the command."""
    start = setting.default if default is None else default
    text = f"{help or setting.name} ({setting.lo:g} … {setting.hi:g}; default: {start:g})"
    action = parser.add_argument(flag, type=float, default=start, help=text)
    ranges = dict(parser.get_default("_settings") or {})
    ranges[action.dest] = (flag, setting)
    parser.set_defaults(_settings=ranges)


def check_settings(args: argparse.Namespace) -> None:
    """Refuse a value outside its range with one line (argparse would print the whole usage first)."""
    for dest, (flag, setting) in (getattr(args, "_settings", None) or {}).items():
        value = getattr(args, dest, None)
        if value is not None:
            try:
                setting.check(value, flag)
            except SettingRangeError as exc:
                raise CliError(str(exc)) from None


# -- which command fits a model: its card's tasks, never its family's name ----------------------------------
TASK_COMMANDS = {"explore": "generate", "mix": "mix", "age": "age", "text": "text", "sketch": "sketch",
                 "translate": "translate", "upscale": "upscale"}


def require_task(model_id: str, command: str, tasks: tuple[str, ...], library: Any = None) -> Any:
    """The model's card when it serves one of ``tasks``; otherwise one line naming the commands it does fit."""
    from ..core.library.registry import Library

    card = (library or Library()).card(model_id)
    if any(t in card.tasks for t in tasks):
        return card
    uses = [f"gan-studio {TASK_COMMANDS[t]} --model {model_id} ..." for t in card.tasks if t in TASK_COMMANDS]
    if uses:
        said = f"use: {' or '.join(uses)}"
    elif "metrics" in card.tasks:
        said = "it draws no images: `gan-studio metrics` uses it to score other models' images"
    else:
        said = "no command renders it"
    raise CliError(f"{model_id} is not a {command} model (its tasks: {', '.join(card.tasks)}); {said}")


# -- outputs are never overwritten silently ------------------------------------------------------------------
def add_overwrite(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--overwrite", action="store_true", help="replace output files that already exist")


def refuse_existing(args: argparse.Namespace, *paths: Path | str | None) -> None:
    """Stop before any work when an output is already there (a file, or a folder with files in it)."""
    if getattr(args, "overwrite", False):
        return
    taken = [Path(p) for p in paths if p is not None and _taken(Path(p))]
    if taken:
        more = f" and {len(taken) - 1} more" if len(taken) > 1 else ""
        raise CliError(f"{taken[0]}{more} already exists; choose another output or pass --overwrite")


def _taken(path: Path) -> bool:
    return path.is_dir() and any(path.iterdir()) or path.exists() and not path.is_dir()
