"""generate, mix and video: the explorer's and mixer's renders."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..core.defaults import NOISE_MODES, NOISE_STRENGTH, PSI, SEED_COUNT, VIDEO_FPS, WALK_FRAMES
from .common import CliError, add_overwrite, add_setting, command, emit, parse_seeds, refuse_existing, require_task
from .sizing import add_size, report, upscaler


def add_parsers(sub: argparse._SubParsersAction) -> None:
    g = sub.add_parser("generate", help="render seeds to PNGs (with recipes)")
    g.add_argument("--model", required=True)
    g.add_argument("--seeds", default=f"0-{SEED_COUNT - 1}", help="e.g. 1-8,12 (default: %(default)s)")
    add_setting(g, "--psi", PSI)
    g.add_argument("--noise", choices=NOISE_MODES, default=NOISE_MODES[0], help="noise inputs (default: %(default)s)")
    add_setting(g, "--noise-strength", NOISE_STRENGTH)
    add_size(g, "each image's height: a pair model's pair stays two squares")
    g.add_argument("-o", "--out", required=True, help="output folder")
    g.add_argument("--grid", help="also write all seeds as one grid PNG")
    g.add_argument("--edit", action="append", default=[], metavar="K:AMOUNT[:LAYERS]",
                   help="move along semantic direction K by AMOUNT σ, on LAYERS (all | coarse | middle | fine | "
                        "e.g. 0-3); repeatable; see `gan-studio directions`")
    g.add_argument("--class", dest="class_name", metavar="NAME",
                   help="the class to draw, for a class-conditional model (see `gan-studio models show ID`)")
    g.add_argument("--json", action="store_true")
    add_overwrite(g)

    m = sub.add_parser("mix", help="style-mixing grid: rows × cols with layers from the column source")
    m.add_argument("--model", required=True)
    m.add_argument("--rows", required=True)
    m.add_argument("--cols", required=True)
    m.add_argument("--layers", default="coarse", help="coarse | middle | fine | 0-3,6 (default: %(default)s)")
    add_setting(m, "--psi", PSI)
    m.add_argument("--noise", choices=NOISE_MODES, default=NOISE_MODES[0], help="noise inputs (default: %(default)s)")
    m.add_argument("-o", "--out", required=True, help="output PNG")
    add_size(m, "the whole grid's longest side")
    m.add_argument("--json", action="store_true")
    add_overwrite(m)

    v = sub.add_parser("video", help="GIF or MP4 of a walk through seeds")
    v.add_argument("--model", required=True)
    v.add_argument("--seeds", required=True, help="keyframe seeds, e.g. 1,5,9")
    v.add_argument("--frames", type=int, default=WALK_FRAMES, help="frames between keyframes (default: %(default)s)")
    v.add_argument("--fps", type=int, default=VIDEO_FPS, help="default: %(default)s")
    add_setting(v, "--psi", PSI)
    v.add_argument("--size", type=int, default=None,
                   help="frame size in pixels (upscaled); default 512 for .mp4, the model's size for .gif")
    v.add_argument("--loop", action="store_true", help="return to the first keyframe")
    v.add_argument("--class", dest="class_name", metavar="NAME",
                   help="the class every frame draws, for a class-conditional model")
    v.add_argument("-o", "--out", required=True, help=".gif or .mp4")
    add_overwrite(v)


def _session(args: argparse.Namespace, task: str):
    from ..core.library.registry import Library
    from ..core.sessions.open import open_session

    lib = Library()
    require_task(args.model, args.cmd, (task,), library=lib)
    return open_session(args.model, lib, device=args.device)  # the family's own (e.g. class-conditional)


@command("generate")
def cmd_generate(args: argparse.Namespace) -> int:
    from ..core.io.images import grid, save_png
    from ..core.sessions.generator import RenderRequest

    seeds = parse_seeds(args.seeds)
    out = Path(args.out)
    refuse_existing(args, *(out / f"seed{seed:06d}.png" for seed in seeds), args.grid)
    sess = _session(args, "explore")
    up = upscaler(args)
    edits = parse_edits(args.edit, sess)
    written, tiles = [], []
    for seed in seeds:
        req = RenderRequest(model_id=sess.model_id, seed=seed, psi=args.psi, noise_mode=args.noise,
                            noise_strength=args.noise_strength, edits=edits, class_name=args.class_name)
        path = out / f"seed{seed:06d}.png"
        files = sess.export(req, path, size=args.size, upscaler=up)  # a pair model: each image too
        report(files[0])
        written += [str(p) for p in files]
        if args.grid:
            tiles.append(sess.render(req))
    if args.grid:
        save_png(grid(tiles, cols=min(8, len(tiles))), Path(args.grid))
    emit(args, {"files": written, "grid": args.grid}, f"wrote {len(written)} images to {out}")
    return 0


def parse_edits(specs: list[str], sess) -> tuple:
    """``K:AMOUNT[:LAYERS]`` flags → the session's Edit objects, each checked against the model."""
    from ..core.sessions.requests import Edit
    from .directions import _layer_range

    edits = []
    for spec in specs:
        parts = spec.split(":")
        try:
            k, amount = int(parts[0]), float(parts[1])
        except (IndexError, ValueError) as exc:
            raise CliError(f"bad --edit {spec!r}: use K:AMOUNT[:LAYERS], e.g. 0:2.5 or 1:-1:coarse") from exc
        layers = _layer_range(parts[2] if len(parts) > 2 else "all", sess.num_ws, sess.layer_groups)
        try:
            edits.append(Edit(k, amount, layers))
        except ValueError as exc:
            raise CliError(f"bad --edit {spec!r}: {exc}") from exc
    return tuple(edits)


def _layers(text: str, num_ws: int, groups: dict[str, tuple[int, ...]]) -> tuple[int, ...]:
    """A preset of the model's own (its session's ``layer_groups``) or a range like 0-3."""
    if text in groups:
        if not groups[text]:
            raise CliError(f"this model has no {text} layers; use one of "
                           f"{', '.join(k for k, v in groups.items() if v)} or e.g. 0-{num_ws - 1}")
        return groups[text]
    try:
        layers = tuple(sorted(set(parse_seeds(text))))
    except CliError as exc:
        raise CliError(f"bad layer range {text!r}: use coarse, middle, fine or e.g. 0-3") from exc
    if layers[-1] >= num_ws:
        raise CliError(f"layer {layers[-1]} out of range: this model has layers 0-{num_ws - 1}")
    return layers


@command("mix")
def cmd_mix(args: argparse.Namespace) -> int:
    from ..core.sessions.generator import MixRequest, Source
    from ..core.sessions.sized_export import export_at_size

    refuse_existing(args, args.out)
    sess = _session(args, "mix")
    up = upscaler(args)
    rows = tuple(Source.from_seed(s) for s in parse_seeds(args.rows))
    cols = tuple(Source.from_seed(s) for s in parse_seeds(args.cols))
    req = MixRequest(model_id=sess.model_id, rows=rows, cols=cols,
                     layers=_layers(args.layers, sess.num_ws, sess.layer_groups), psi=args.psi, noise_mode=args.noise)
    img = sess.mix_grid(req)
    report(export_at_size(img, Path(args.out), sess.recipe(req), args.size, up))
    emit(args, {"file": args.out, "layers": list(req.layers)}, f"wrote {args.out}")
    return 0


@command("video")
def cmd_video(args: argparse.Namespace) -> int:
    from ..core.io.export import MP4_SIZE, write_video
    from ..core.sessions.generator import Source, WalkRequest

    refuse_existing(args, args.out)
    sess = _session(args, "explore")
    keys = tuple(Source.from_seed(s) for s in parse_seeds(args.seeds))
    if len(keys) < 2:
        raise CliError("a walk needs at least two keyframe seeds")
    req = WalkRequest(model_id=sess.model_id, keys=keys, frames_per_key=args.frames, psi=args.psi,
                      loop=args.loop, class_name=args.class_name)
    frames = sess.walk_frames(req)
    out = Path(args.out)
    size = args.size if args.size is not None or out.suffix.lower() != ".mp4" else MP4_SIZE
    print(f"wrote {write_video(frames, out, fps=args.fps, size=size).describe()}")
    return 0
