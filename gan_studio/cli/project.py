"""project and age: fit a latent to an image, render a face at chosen ages."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..core.defaults import AGE, BASE_AGE, COND_PSI, PROJECTION_STEPS
from .common import CliError, add_overwrite, add_setting, command, emit, read_image, refuse_existing, require_task
from .progress import Progress, add_progress
from .sizing import add_size, report, upscaler


def _fit_progress(args: argparse.Namespace) -> Any:
    """Projection's (step, steps, loss) callback → the shared progress reporter."""
    report = Progress(args.progress, "fitting")
    return lambda step, steps, loss: report(step, steps, loss=float(loss))


def add_parsers(sub: argparse._SubParsersAction) -> None:
    pr = sub.add_parser("project", help="fit a latent to your image (use it as a source anywhere)")
    pr.add_argument("--model", required=True)
    pr.add_argument("--input", required=True, help="image file")
    pr.add_argument("-o", "--out", required=True, help="latent file (.npz); the reconstruction goes beside it")
    pr.add_argument("--steps", type=int, default=PROJECTION_STEPS, help="default: %(default)s")
    pr.add_argument("--w", action="store_true", help="fit one w (W) instead of one per layer (W+)")
    add_setting(pr, "--age", BASE_AGE, help="age models: the age the image shows")
    pr.add_argument("--gender", choices=["any", "male", "female"], default="any")
    pr.add_argument("--skin-tone", type=int, default=0, choices=range(6))
    pr.add_argument("--json", action="store_true")
    add_progress(pr)
    add_overwrite(pr)

    ag = sub.add_parser("age", help="render a face at one or several ages (Age-cGAN)")
    ag.add_argument("--model", required=True)
    src = ag.add_mutually_exclusive_group(required=True)
    src.add_argument("--seed", type=int)
    src.add_argument("--latent", help="a latent from `gan-studio project`")
    src.add_argument("--input", help="an image: projected first")
    when = ag.add_mutually_exclusive_group(required=True)
    when.add_argument("--age", type=float, help=f"{AGE.lo:g} (baby) … {AGE.hi:g} (old)")
    when.add_argument("--ages", help="comma list, e.g. 0,0.33,0.66,1 (writes a strip)")
    ag.add_argument("--gender", choices=["any", "male", "female"], default="any")
    ag.add_argument("--skin-tone", type=int, default=0, choices=range(6))
    add_setting(ag, "--base-age", BASE_AGE, help="the age an --input/--latent image shows")
    add_setting(ag, "--psi", COND_PSI)
    ag.add_argument("--steps", type=int, default=PROJECTION_STEPS, help="projection steps for --input (default: "
                    "%(default)s)")
    ag.add_argument("-o", "--out", required=True, help="PNG (one age), or PNG strip / .gif / .mp4 (--ages)")
    add_size(ag, "each face; a .gif/.mp4 is plainly resized")
    ag.add_argument("--json", action="store_true")
    add_progress(ag)
    add_overwrite(ag)


@command("project")
def cmd_project(args: argparse.Namespace) -> int:
    import numpy as np

    from ..core.io.atomic import atomic_save
    from ..core.io.images import save_png
    from ..core.library.registry import Library
    from ..core.sessions.open import open_session

    lib = Library()
    card = require_task(args.model, "project", ("explore", "age"), library=lib)
    out = Path(args.out).with_suffix(".npz")
    refuse_existing(args, out, out.with_suffix(".png"))  # the latent and its reconstruction beside it
    image = read_image(args.input)
    sess = open_session(args.model, library=lib, device=args.device)
    if not hasattr(sess, "project"):
        raise CliError(f"{args.model} cannot project images (family without a latent space)")
    if "age" in card.tasks:
        source, res = sess.project(image, base_age=args.age, gender=args.gender, skin_tone=args.skin_tone,
                                   steps=args.steps, progress_fn=_fit_progress(args))
    else:
        source, res = sess.project(image, steps=args.steps, w_plus=not args.w, progress_fn=_fit_progress(args))
    fields = {"ws": res.ws[0].cpu().numpy(), "model_id": np.array(args.model), "sha256": np.array(sess.sha256),
              "psnr": np.array(res.psnr), "base_age": np.array(args.age), "gender": np.array(args.gender),
              "skin_tone": np.array(args.skin_tone)}

    def write(tmp: Path) -> None:
        with open(tmp, "wb") as fh:  # a file object: np.savez would add ".npz" to a temp path's name
            np.savez(fh, **fields)

    atomic_save(out, write)  # a full disk leaves an older latent intact and says so
    recon = out.with_suffix(".png")
    save_png(res.image, recon)
    data = {"latent": str(out), "reconstruction": str(recon), "psnr_db": round(res.psnr, 2),
            "feature_distance": None if res.feature_distance is None else round(res.feature_distance, 4),
            "steps": res.steps}
    emit(args, data, f"wrote {out} and {recon}: PSNR {res.psnr:.2f} dB")
    return 0


def load_latent(path: str) -> Any:
    """A latent written by `gan-studio project` (npz without pickles) → Source."""
    import numpy as np

    from ..core.sessions.requests import Source

    try:
        with np.load(path, allow_pickle=False) as z:
            return Source.from_w(z["ws"], label=Path(path).stem)
    except (OSError, KeyError, ValueError) as exc:
        raise CliError(f"{path} is not a latent file from `gan-studio project`: {exc}") from exc


@command("age")
def cmd_age(args: argparse.Namespace) -> int:
    from ..core.io.export import write_video
    from ..core.library.registry import Library
    from ..core.sessions.age import AgeSession
    from ..core.sessions.cond_requests import AgeRequest
    from ..core.sessions.requests import Source
    from ..core.sessions.sized_export import export_at_size, export_strip
    from .sizing import export_size

    lib = Library()
    require_task(args.model, "age", ("age",), library=lib)
    refuse_existing(args, args.out)
    sess = AgeSession.open(args.model, library=lib, device=args.device)
    size = export_size(args)
    up = None if Path(args.out).suffix.lower() in (".gif", ".mp4") else upscaler(args, lib)
    if args.seed is not None:
        source = Source.from_seed(args.seed)
    elif args.latent:
        source = load_latent(args.latent)
    else:
        source, res = sess.project(read_image(args.input), base_age=args.base_age, gender=args.gender,
                                   skin_tone=args.skin_tone, steps=args.steps, progress_fn=_fit_progress(args))
    req = AgeRequest(args.model, source, age=0.0, gender=args.gender, skin_tone=args.skin_tone, psi=args.psi,
                     base_age=args.base_age)
    out = Path(args.out)
    try:
        ages = [float(a) for a in args.ages.split(",")] if args.ages else [float(args.age)]
    except ValueError as exc:
        raise CliError(f"bad --ages {args.ages!r}: use numbers 0…1 separated by commas") from exc
    if any(not AGE.lo <= a <= AGE.hi for a in ages):
        raise CliError(f"ages run from {AGE.lo:g} (baby) to {AGE.hi:g} (old)")
    if args.ages is None:
        req = req.at(ages[0])
        report(export_at_size(sess.render(req), out, sess.recipe(req), size, up))
    else:
        frames = sess.strip(req, ages)
        if out.suffix.lower() in (".gif", ".mp4"):
            write_video(frames, out, fps=8, size=size)
        else:  # the recipe of the first face, and the ages: the age panel reopens it
            report(export_strip(frames, out, {**sess.recipe(req.at(ages[0])), "ages": ages}, size, up))
    emit(args, {"file": str(out), "ages": ages}, f"wrote {out}")
    return 0
