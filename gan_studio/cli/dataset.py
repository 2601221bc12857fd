"""dataset: build the starter world or check an image folder."""

from __future__ import annotations

import argparse
from pathlib import Path

from .common import CliError, command, emit


def add_parsers(sub: argparse._SubParsersAction) -> None:
    d = sub.add_parser("dataset", help="build or check image folders")
    dsub = d.add_subparsers(dest="dataset_cmd", required=True)
    db = dsub.add_parser("build-starter", help="render the starter world from Debian's emoji fonts")
    db.add_argument("--out", required=True)
    db.add_argument("--limit", type=int, default=None)
    dc = dsub.add_parser("check", help="count usable and skipped images, with reasons")
    dc.add_argument("dir")
    dc.add_argument("--json", action="store_true")
    dc.add_argument("--resolution", type=int, default=64, help="size of the processed samples")
    dc.add_argument("--fit", choices=["crop", "pad", "resize"], default="crop", help="non-square images")
    dc.add_argument("--alpha", choices=["keep", "composite"], default="keep",
                    help="keep transparency, or composite on --background")
    dc.add_argument("--background", default="255,255,255", help="R,G,B behind transparent pixels")
    dc.add_argument("--preview", metavar="PNG", help="write a grid of processed samples here")


@command("dataset")
def cmd_dataset(args: argparse.Namespace) -> int:
    if args.dataset_cmd == "build-starter":
        from collections import Counter

        from ..core.data.starter import build_starter

        items = build_starter(Path(args.out), limit=args.limit)
        counts = Counter(f"{i.domain}/{i.split}" for i in items)
        print(f"rendered {len(items)} images into {args.out}: " + ", ".join(f"{k} {v}" for k, v in
                                                                              sorted(counts.items())))
        return 0
    from ..core.data.check import Prep, check_folder, display_path

    try:
        background = tuple(int(v) for v in args.background.split(","))
        prep = Prep(args.resolution, 4, args.fit, args.alpha, background)  # type: ignore[arg-type]
    except ValueError as exc:
        raise CliError(f"bad option: {exc}") from exc
    try:
        check = check_folder(Path(args.dir), prep, load=bool(args.preview))
    except FileNotFoundError as exc:
        raise CliError(str(exc)) from exc
    if args.preview and check.images is not None:
        from ..core.io.images import grid, save_png

        save_png(grid(check.samples(16), cols=4), Path(args.preview))
    text = check.summary() + "".join(f"\n  skipped {display_path(p)}: {r}" for p, r in check.skipped) + "".join(
        f"\n  note {display_path(p)}: {'; '.join(n)}" for p, n in check.notes.items())
    emit(args, check.to_json(), text)
    return 0 if check.usable else 2
