"""sketch, translate and upscale: the image-to-image models."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .common import CliError, add_overwrite, command, emit, read_image, refuse_existing, require_task
from .progress import Progress, add_progress
from .sizing import add_size, upscaler
from .sizing import report as report_size


def add_parsers(sub: argparse._SubParsersAction) -> None:
    sk = sub.add_parser("sketch", help="turn a drawing (dark lines on white) into an image")
    sk.add_argument("--model", help="a sketch model (default: the first in the library)")
    sk.add_argument("--input", required=True, help="the drawing; with --trace, any image to trace")
    sk.add_argument("--trace", action="store_true", help="extract the input's edges first")
    sk.add_argument("--seed", type=int, help="variation (pix2pix dropout mask); omit for the plain result")
    add_size(sk)
    sk.add_argument("-o", "--out", required=True, help="output PNG")
    sk.add_argument("--hints", metavar="PNG", help="colour hints: coloured strokes on a transparent PNG over the "
                    "drawing; each region of the drawing a hint touches takes its colour")
    add_colour_options(sk)
    add_overwrite(sk)

    tr = sub.add_parser("translate", help="translate an image or a folder between domains")
    tr.add_argument("--model", help="a translation model (default: the first in the library)")
    tr.add_argument("--input", required=True, help="image file or folder")
    tr.add_argument("--direction", help="AtoB, BtoA or domain names such as symbol2colour")
    tr.add_argument("--fit", choices=["model", "native"], default="model",
                    help="work at the model's scale (default) or at full resolution (tiled)")
    tr.add_argument("--tile", type=int, default=512, help="tile side for large images at native scale")
    tr.add_argument("-o", "--out", required=True, help="output PNG (file input) or folder")
    add_size(tr, "a file input; a folder is written at the translation's own size")
    tr.add_argument("--json", action="store_true")
    add_progress(tr)
    add_colour_options(tr)
    add_overwrite(tr)

    up = sub.add_parser("upscale", help="×4 super-resolution of an image")
    up.add_argument("--model", help="an upscale model (default: the first in the library)")
    up.add_argument("--input", required=True)
    up.add_argument("-o", "--out", required=True, help="output PNG")
    add_overwrite(up)


def add_colour_options(parser: argparse.ArgumentParser) -> None:
    """The colour step after painting (core/colour.py), as in the window's Colours box."""
    g = parser.add_mutually_exclusive_group()
    g.add_argument("--palette", help="recolour to these colours, dark to light, e.g. '#5b3a1a,#f7c531'")
    g.add_argument("--colours-like", metavar="IMAGE", help="take the colours of this image")
    parser.add_argument("--colour-strength", type=float, default=1.0,
                        help="0: the model's colours … 1: fully recoloured (default: %(default)s)")


def colour_step(args: argparse.Namespace) -> Any:
    from ..core.colour import ColourStep, reference_stats

    try:
        if args.palette:
            return ColourStep("palette", palette=tuple(c for c in args.palette.split(",") if c.strip()),
                              strength=args.colour_strength)
        if args.colours_like:
            return ColourStep("reference", reference=reference_stats(read_image(args.colours_like)),
                              strength=args.colour_strength)
        return ColourStep(strength=args.colour_strength)
    except ValueError as exc:
        raise CliError(f"colours: {exc}") from exc


def _translator(model_id: str | None, task: str, device: str | None) -> Any:
    from ..core.library.registry import Library
    from ..core.sessions.translator import TranslatorSession

    lib = Library()
    if model_id is None:
        ids = [c.id for c in lib.cards() if task in c.tasks]
        if not ids:
            raise CliError(f"no {task} model in the library; train one with `gan-studio train`")
        model_id = ids[0]
    else:
        require_task(model_id, task, (task,), library=lib)
    return TranslatorSession.open(model_id, library=lib, device=device)


def _folder_targets(src: Path, dst: Path) -> list[Path]:
    """The files a folder translation writes: each image's relative name under ``dst``, as .png."""
    from ..core.data.check import iter_candidates

    return [(dst / p.relative_to(src)).with_suffix(".png") for p in iter_candidates(src)]


@command("sketch")
def cmd_sketch(args: argparse.Namespace) -> int:
    from ..core.data.sketch import composite_white, image_to_sketch
    from ..core.hints import as_sheet, fit_hints
    from ..core.sessions.painting import paint
    from ..core.sessions.recipes import sketch_recipe_fields
    from ..core.sessions.sized_export import export_at_size

    refuse_existing(args, args.out)
    colours = colour_step(args)
    sess = _translator(args.model, "sketch", args.device)
    up = upscaler(args)
    img = read_image(args.input)
    drawing = image_to_sketch(img, sess.resolution) if args.trace else composite_white(img)
    sheet = as_sheet(drawing)
    hints = None
    if args.hints:
        try:
            hints = fit_hints(read_image(args.hints), sheet.shape)
        except ValueError as exc:
            raise CliError(f"{args.hints}: {exc}") from exc
    out = paint(sess, drawing, args.seed, colours, hints)
    fields = {"seed": args.seed, "source": Path(args.input).name, "trace": args.trace}
    if sheet.shape[0] == sheet.shape[1] and 16 <= sheet.shape[0] <= 4096:  # the drawing reopens in the sketch pad
        fields = {**fields, **sketch_recipe_fields(sheet, args.seed, Path(args.input).name, colours, hints)}
    elif colours.active:
        fields["colours"] = colours.to_json()
    report_size(export_at_size(out, Path(args.out), sess.recipe(**fields), args.size, up))
    print(f"wrote {args.out}")
    return 0


def src_is_dir(args: argparse.Namespace) -> bool:
    if Path(args.input).is_dir() and args.size is not None:
        raise CliError("--size is for a file input: a folder is written at the translation's own size")
    return Path(args.input).is_dir()


@command("translate")
def cmd_translate(args: argparse.Namespace) -> int:
    from ..core.colour import apply_colours
    from ..core.sessions.sized_export import export_at_size

    colours = colour_step(args)
    sess = _translator(args.model, "translate", args.device)
    up = None if src_is_dir(args) else upscaler(args)
    direction = sess.resolve_direction(args.direction)
    src = Path(args.input)
    refuse_existing(args, *(_folder_targets(src, Path(args.out)) if src.is_dir() else [args.out]))
    if src.is_dir():
        report_progress = Progress(args.progress, "translating")
        report = sess.translate_folder(src, Path(args.out), direction, fit=args.fit, colours=colours,
                                       progress_fn=lambda done, total, path: report_progress(done, total,
                                                                                              file=path.name))
        data = {"written": [str(p) for p in report.written],
                "skipped": [{"file": str(p), "reason": r} for p, r in report.skipped]}
        text = f"translated {len(report.written)} images into {args.out}; skipped {len(report.skipped)}" + "".join(
            f"\n  skipped {p}: {r}" for p, r in report.skipped)
        emit(args, data, text)
        return 0 if report.written else 2
    img = read_image(args.input, fits=lambda w, h: sess.check_fits(w, h, args.fit))
    out = apply_colours(sess.run(img, direction, fit=args.fit, tile=args.tile), colours)
    extra = {"colours": colours.to_json()} if colours.active else {}
    report_size(export_at_size(out, Path(args.out), sess.recipe(direction=direction, source=src.name, fit=args.fit,
                                                          **extra), args.size, up))
    emit(args, {"file": args.out, "direction": sess.directions[direction]},
         f"wrote {args.out} ({sess.directions[direction]})")
    return 0


@command("upscale")
def cmd_upscale(args: argparse.Namespace) -> int:
    from ..core.io.export import export_png
    from ..core.io.recipe import RecipeError, read_recipe

    refuse_existing(args, args.out)
    sess = _translator(args.model, "upscale", args.device)
    out = sess.upscale(read_image(args.input, fits=sess.check_fits))
    try:
        recipe = read_recipe(Path(args.input)) | {"upscaled": sess.model_id}
    except RecipeError:
        recipe = sess.recipe(source=Path(args.input).name)
    export_png(out, Path(args.out), recipe)
    print(f"wrote {args.out} ({out.shape[1]}×{out.shape[0]})")
    return 0
