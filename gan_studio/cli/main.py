"""The parser assembled from each command group's own, and the entry point that runs one command."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from ..about import VersionAction
from ..core.training.runner import TrainingError
from . import dataset, directions, jobs, metrics, models, project, render, text, train, translate
from .common import COMMANDS, CliError, check_settings

log = logging.getLogger("gan_studio")
_GROUPS = (render, directions, project, text, models, dataset, train, jobs, translate, metrics)
EXIT_USER_ERROR = 2  # bad input, a missing file, a model that does not fit: the message says what to change
EXIT_FAILED = 1  # anything unforeseen: still one line, the traceback only with --verbose
EXIT_INTERRUPTED = 130  # Ctrl+C, as shells report SIGINT


def build_parser() -> argparse.ArgumentParser:
    from ..core.defaults import PANELS

    p = argparse.ArgumentParser(prog="gan-studio", description="GAN Studio: local GAN image studio.")
    p.add_argument("--version", action=VersionAction)
    p.add_argument("--verbose", "-v", action="store_true", help="log debug output and tracebacks")
    p.add_argument("--device", help="cpu, cuda, cuda:1 or mps (default: best available)")
    p.add_argument("--panel", choices=PANELS, default=PANELS[0], help="panel to show first (default: %(default)s)")
    sub = p.add_subparsers(dest="cmd")
    for group in _GROUPS:
        group.add_parsers(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    """Run one command; whatever goes wrong ends as one line on stderr and an exit code, never a traceback."""
    try:
        try:
            return _main(argv)
        finally:
            sys.stdout.flush()  # a closed pipe shows here, not as "Exception ignored" at interpreter exit
    except BrokenPipeError:
        # The reader went away (`gan-studio models list | head -1`): Python's documented SIGPIPE recipe, so the
        # interpreter's own final flush writes nowhere instead of complaining.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def _main(argv: list[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    where = f"gan-studio {args.cmd}" if args.cmd else "gan-studio"
    try:
        code = _run(args)
    except (BrokenPipeError, KeyboardInterrupt):
        raise
    except _user_errors() as exc:
        if args.verbose:
            log.exception("failed")
        print(f"{where}: error: {_words(exc)}", file=sys.stderr)
        code = EXIT_USER_ERROR
    except Exception as exc:  # noqa: BLE001 - the catch-all that keeps tracebacks away from users
        if args.verbose:
            log.exception("unexpected failure")
        hint = "" if args.verbose else " (run with --verbose for the traceback)"
        print(f"{where}: error: unexpected {type(exc).__name__}: {_words(exc)}{hint}", file=sys.stderr)
        code = EXIT_FAILED
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:  # a torchrun replica: skip the process group's C++ teardown
        from ..core.training.ddp import exit_worker

        exit_worker(code)
    return code


def _run(args: argparse.Namespace) -> int:
    if args.cmd is None:
        from ..ui.app import run_app

        return run_app(device=args.device, panel=args.panel)
    check_settings(args)
    return COMMANDS[args.cmd](args)


def _user_errors() -> tuple[type[BaseException], ...]:
    """The errors whose message is written for the user (exit 2)."""
    from ..core.families.registry import UnknownFamilyError
    from ..core.library.cards import LibraryError

    return CliError, TrainingError, LibraryError, UnknownFamilyError, ValueError, OSError, MemoryError


def _words(exc: BaseException) -> str:
    """The exception's message on one line (KeyError's repr quotes dropped), or its kind when it has none."""
    text = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
    text = " ".join(text.split())
    return text or type(exc).__name__
