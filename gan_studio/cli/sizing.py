"""--size, --upscaler and --no-upscaler: every export command sizes its images as the window does
(core.sessions.sized_export.at_size), enlarging through the library's ×4 upscale model."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..core.sessions.sized_export import MAX_SIZE, MIN_SIZE, check_size
from .common import CliError, require_task


def add_size(parser: argparse.ArgumentParser, what: str = "longest side") -> None:
    parser.add_argument("--size", type=int, default=None, metavar="N",
                        help=f"export size in pixels, {MIN_SIZE} … {MAX_SIZE} ({what}); larger than the model's "
                             "own goes through the upscale model (default: the model's own size)")
    g = parser.add_mutually_exclusive_group()
    g.add_argument("--upscaler", metavar="MODEL",
                   help="the upscale model that enlarges (default: the first in the library)")
    g.add_argument("--no-upscaler", action="store_true", help="enlarge with a plain Lanczos resize instead")


def export_size(args: argparse.Namespace) -> int | None:
    """``--size``, checked before any work (one line, not argparse's usage)."""
    try:
        return check_size(args.size)
    except ValueError as exc:
        raise CliError(f"--size: {exc}") from None


def upscaler(args: argparse.Namespace, library: Any = None) -> Any:
    """The session that enlarges (None: no --size, --no-upscaler, or no upscale model in the library, which a
    note on stderr says when an export is then plainly resized)."""
    from ..core.library.registry import Library
    from ..core.sessions.translator import TranslatorSession

    if export_size(args) is None or args.no_upscaler:
        return None
    lib = library or Library()
    model_id = args.upscaler
    if model_id is None:
        model_id = next((c.id for c in lib.cards() if "upscale" in c.tasks), None)
        if model_id is None:
            return None
    else:
        require_task(model_id, "upscale", ("upscale",), library=lib)
    return TranslatorSession.open(model_id, library=lib, device=getattr(args, "device", None))


def report(written: Any) -> None:
    """Say on stderr when an image was plainly resized (stdout stays the command's own lines / JSON)."""
    note = getattr(written, "note", "")
    if "plain Lanczos" in note:
        print(f"note: {written}: {note}", file=sys.stderr)
