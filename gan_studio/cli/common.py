"""What every command shares: the one-line user error, the command table, seed lists and output."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

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
    if not seeds or any(s < 0 or s >= 2**32 for s in seeds):
        raise CliError(f"bad seed list {text!r}: seeds are 0 … 4294967295")
    return seeds


def emit(args: argparse.Namespace, data: Any, text: str) -> None:
    print(json.dumps(data, indent=2) if getattr(args, "json", False) else text)


def read_image(path: str) -> Any:
    """An input image, or a one-line error naming the file."""
    from ..core.sessions.translator import read_image as _read_image

    try:
        return _read_image(Path(path))
    except (OSError, ValueError) as exc:
        raise CliError(f"cannot read {path}: {exc}") from exc
