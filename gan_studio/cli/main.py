"""The parser assembled from each command group's own, and the entry point that runs one command."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from ..about import VersionAction
from ..core.training.runner import TrainingError
from . import dataset, directions, jobs, metrics, models, project, render, text, train, translate
from .common import COMMANDS, CliError

log = logging.getLogger("gan_studio")
_GROUPS = (render, directions, project, text, models, dataset, train, jobs, translate, metrics)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="gan-studio", description="GAN Studio: local GAN image studio.")
    p.add_argument("--version", action=VersionAction)
    p.add_argument("--verbose", "-v", action="store_true", help="log debug output and tracebacks")
    p.add_argument("--device", help="cpu, cuda, cuda:1 or mps (default: best available)")
    p.add_argument("--panel", choices=["explorer", "mixer", "sketch", "translate", "text", "age"],
                   default="explorer",
                   help="panel to show first")
    sub = p.add_subparsers(dest="cmd")
    for group in _GROUPS:
        group.add_parsers(sub)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    if args.cmd is None:
        from ..ui.app import run_app

        return run_app(device=args.device, panel=args.panel)
    from ..core.library.cards import LibraryError

    try:
        code = COMMANDS[args.cmd](args)
    except (CliError, TrainingError, LibraryError, ValueError, FileNotFoundError, OSError) as exc:
        if args.verbose:
            log.exception("failed")
        print(f"gan-studio {args.cmd}: error: {exc}", file=sys.stderr)
        code = 2
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:  # a torchrun replica: skip the process group's C++ teardown
        from ..core.training.ddp import exit_worker

        exit_worker(code)
    return code
