"""directions: a model's semantic directions (GANSpace PCA of w) and a sheet of what each one does."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..core.defaults import PSI
from .common import CliError, add_overwrite, add_setting, command, emit, parse_seeds, refuse_existing, require_task


def add_parsers(sub: argparse._SubParsersAction) -> None:
    d = sub.add_parser("directions", help="semantic directions of an explore model (the explorer's sliders)")
    d.add_argument("--model", required=True)
    d.add_argument("--k", type=int, default=8, help="how many directions (default: 8)")
    d.add_argument("--seed", type=int, default=0, help="the image the sheet edits (default: 0)")
    add_setting(d, "--psi", PSI)
    d.add_argument("--amounts", default="-3,-1.5,0,1.5,3",
                   help="standard deviations, one column each; write --amounts=-2,0,2 (default: %(default)s)")
    d.add_argument("--layers", default="all", help="all | coarse | middle | fine | e.g. 0-3 (the layers edited)")
    d.add_argument("-o", "--out", help="write a sheet: one row per direction, one column per amount")
    d.add_argument("--json", action="store_true")
    add_overwrite(d)


def _amounts(text: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError as exc:
        raise CliError(f"bad --amounts {text!r}: use numbers like -3,0,3") from exc
    if not values or any(abs(v) > 20 for v in values):
        raise CliError("--amounts are standard deviations, −20 … 20")
    return values


def _layer_range(text: str, num_ws: int, groups: dict[str, tuple[int, ...]]) -> tuple[int, int] | None:
    """An edit's layers as [start, stop): the preset's span or an explicit range."""
    if text == "all":
        return None
    if text in groups:
        chosen = groups[text]
        if not chosen:
            raise CliError(f"this model has no {text} layers")
    else:
        try:
            chosen = tuple(parse_seeds(text))
        except CliError as exc:
            raise CliError(f"bad --layers {text!r}: use all, coarse, middle, fine or e.g. 0-3") from exc
    if max(chosen) >= num_ws:
        raise CliError(f"layer {max(chosen)} out of range: this model has layers 0-{num_ws - 1}")
    return (min(chosen), max(chosen) + 1)


@command("directions")
def cmd_directions(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from ..core.io.images import grid, save_png
    from ..core.sessions.generator import GeneratorSession, RenderRequest
    from ..core.sessions.requests import Edit

    if not 1 <= args.k <= 64:
        raise CliError("--k is 1 … 64")
    amounts = _amounts(args.amounts)
    refuse_existing(args, args.out)
    from ..core.library.registry import Library

    lib = Library()
    require_task(args.model, args.cmd, ("explore",), library=lib)
    sess = GeneratorSession.open(args.model, library=lib, device=args.device)
    info = sess.directions(args.k)
    lines = [f"{d['index']:>3}  {100 * d['explained']:5.1f} % of w's variance" for d in info]
    data = {"model": sess.model_id, "directions": info}
    if args.out:
        layers = _layer_range(args.layers, sess.num_ws, sess.layer_groups)
        base = RenderRequest(model_id=sess.model_id, seed=args.seed, psi=args.psi)
        tiles = [sess.render(replace(base, edits=(Edit(d["index"], a, layers),)) if a else base)
                 for d in info for a in amounts]
        save_png(grid(tiles, cols=len(amounts)), Path(args.out))
        data["sheet"] = args.out
        lines.append(f"wrote {args.out}: rows = directions 0–{len(info) - 1}, columns = {amounts} σ")
    emit(args, data, "\n".join(lines))
    return 0
