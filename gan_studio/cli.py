"""`gan-studio`: the GUI when run bare, and every panel's action as a scriptable subcommand.

The commands call the same core sessions the window uses. Exit code 0 only on success; errors print
one clear line to stderr (the traceback goes to the log with ``--verbose``).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .about import VersionAction

log = logging.getLogger("gan_studio")
Handler = Callable[[argparse.Namespace], int]
_COMMANDS: dict[str, Handler] = {}


class CliError(Exception):
    """A user-facing error: printed as one line, exit code 2."""


def command(name: str) -> Callable[[Handler], Handler]:
    def deco(fn: Handler) -> Handler:
        _COMMANDS[name] = fn
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


# -- parser ---------------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    from .core import families

    p = argparse.ArgumentParser(prog="gan-studio", description="GAN Studio: local GAN image studio.")
    p.add_argument("--version", action=VersionAction)
    p.add_argument("--verbose", "-v", action="store_true", help="log debug output and tracebacks")
    p.add_argument("--device", help="cpu, cuda, cuda:1 or mps (default: best available)")
    p.add_argument("--panel", choices=["explorer", "mixer", "sketch", "translate", "text", "age"],
                   default="explorer",
                   help="panel to show first")
    sub = p.add_subparsers(dest="cmd")

    g = sub.add_parser("generate", help="render seeds to PNGs (with recipes)")
    g.add_argument("--model", required=True)
    g.add_argument("--seeds", default="0-7")
    g.add_argument("--psi", type=float, default=1.0)
    g.add_argument("--noise", choices=["const", "random", "none"], default="const")
    g.add_argument("--noise-strength", type=float, default=1.0)
    g.add_argument("--size", type=int, default=None, help="export size in pixels (upscaled)")
    g.add_argument("-o", "--out", required=True, help="output folder")
    g.add_argument("--grid", help="also write all seeds as one grid PNG")
    g.add_argument("--json", action="store_true")

    pr = sub.add_parser("project", help="fit a latent to your image (use it as a source anywhere)")
    pr.add_argument("--model", required=True)
    pr.add_argument("--input", required=True, help="image file")
    pr.add_argument("-o", "--out", required=True, help="latent file (.npz); the reconstruction goes beside it")
    pr.add_argument("--steps", type=int, default=200)
    pr.add_argument("--w", action="store_true", help="fit one w (W) instead of one per layer (W+)")
    pr.add_argument("--age", type=float, default=2 / 3, help="age models: the age the image shows (0…1)")
    pr.add_argument("--gender", choices=["any", "male", "female"], default="any")
    pr.add_argument("--skin-tone", type=int, default=0, choices=range(6))
    pr.add_argument("--json", action="store_true")

    ag = sub.add_parser("age", help="render a face at one or several ages (Age-cGAN)")
    ag.add_argument("--model", required=True)
    src = ag.add_mutually_exclusive_group(required=True)
    src.add_argument("--seed", type=int)
    src.add_argument("--latent", help="a latent from `gan-studio project`")
    src.add_argument("--input", help="an image: projected first")
    when = ag.add_mutually_exclusive_group(required=True)
    when.add_argument("--age", type=float, help="0 (baby) … 1 (old)")
    when.add_argument("--ages", help="comma list, e.g. 0,0.33,0.66,1 (writes a strip)")
    ag.add_argument("--gender", choices=["any", "male", "female"], default="any")
    ag.add_argument("--skin-tone", type=int, default=0, choices=range(6))
    ag.add_argument("--base-age", type=float, default=2 / 3, help="the age an --input/--latent image shows")
    ag.add_argument("--psi", type=float, default=1.0)
    ag.add_argument("--steps", type=int, default=200, help="projection steps for --input")
    ag.add_argument("-o", "--out", required=True, help="PNG (one age), or PNG strip / .gif / .mp4 (--ages)")
    ag.add_argument("--json", action="store_true")

    tx = sub.add_parser("text", help="images from a text prompt (StackGAN-style)")
    tx.add_argument("--model", required=True)
    tx.add_argument("--prompt", required=True)
    tx.add_argument("--seeds", default="0-7")
    tx.add_argument("--variation", type=float, default=0.0, help="conditioning noise 0…1")
    tx.add_argument("--psi", type=float, default=1.0)
    tx.add_argument("-o", "--out", required=True, help="output folder")
    tx.add_argument("--grid", help="also write all seeds as one grid PNG")
    tx.add_argument("--rank", type=int, default=1, metavar="K",
                    help="draw K× as many seeds (counting up from the first) and keep the ones the model's "
                         "prompt matcher scores best, best first")
    tx.add_argument("--json", action="store_true")

    mt = sub.add_parser("matcher", help="train a text model's prompt matcher (ranks seeds) and add it to the model")
    mt.add_argument("--model", required=True)
    mt.add_argument("--data", required=True, help="the captioned folder the model was trained on")
    mt.add_argument("--epochs", type=int, default=6)
    mt.add_argument("--seed", type=int, default=1)
    mt.add_argument("--steps", type=int, help="contrastive steps (default: --epochs passes, at least 150)")
    mt.add_argument("--threads", type=int)
    mt.add_argument("--cache", help="caption-embedding cache to reuse (a training run's text-embeddings.safetensors)")
    mt.add_argument("--json", action="store_true")

    m = sub.add_parser("mix", help="style-mixing grid: rows × cols with layers from the column source")
    m.add_argument("--model", required=True)
    m.add_argument("--rows", required=True)
    m.add_argument("--cols", required=True)
    m.add_argument("--layers", default="coarse", help="coarse | middle | fine | 0-3,6")
    m.add_argument("--psi", type=float, default=1.0)
    m.add_argument("--noise", choices=["const", "random", "none"], default="const")
    m.add_argument("-o", "--out", required=True, help="output PNG")
    m.add_argument("--json", action="store_true")

    v = sub.add_parser("video", help="GIF or MP4 of a walk through seeds")
    v.add_argument("--model", required=True)
    v.add_argument("--seeds", required=True, help="keyframe seeds, e.g. 1,5,9")
    v.add_argument("--frames", type=int, default=24, help="frames between keyframes")
    v.add_argument("--fps", type=int, default=24)
    v.add_argument("--psi", type=float, default=1.0)
    v.add_argument("--size", type=int, default=None)
    v.add_argument("--loop", action="store_true", help="return to the first keyframe")
    v.add_argument("-o", "--out", required=True, help=".gif or .mp4")

    i = sub.add_parser("info", help="print the recipe stored in an exported PNG")
    i.add_argument("file")
    i.add_argument("--json", action="store_true")

    mo = sub.add_parser("models", help="the model library")
    msub = mo.add_subparsers(dest="models_cmd", required=True)
    ml = msub.add_parser("list")
    ml.add_argument("--json", action="store_true")
    ms = msub.add_parser("show")
    ms.add_argument("id")
    ms.add_argument("--json", action="store_true")
    mi = msub.add_parser("import", help="import a community checkpoint (NVIDIA .pkl, rosinality .pt, "
                                        "pix2pix/CycleGAN .pth) into your library; never runs code from the file")
    mi.add_argument("file")
    mi.add_argument("--name", help="display name (and id); e.g. horse2zebra names a CycleGAN's domains")
    mi.add_argument("--json", action="store_true")
    mx = msub.add_parser("export", help="export a generator or translator to ONNX or TorchScript")
    mx.add_argument("id")
    mx.add_argument("--format", choices=["onnx", "torchscript"], required=True)
    mx.add_argument("-o", "--out", required=True)
    mx.add_argument("--direction", help="translators: AtoB, BtoA or up (default: the first)")

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

    t = sub.add_parser("train", help="train or fine-tune a model (runs until the budget or SIGTERM)")
    t.add_argument("--family", default="stylegen", choices=[f.name for f in families.trainable()])
    t.add_argument("--data", help="image folder")
    t.add_argument("--out", required=True, help="run folder")
    t.add_argument("--base", help="library model to fine-tune from")
    t.add_argument("--resolution", type=int, default=64)
    t.add_argument("--channels", type=int, choices=[3, 4], default=4, help="4 keeps alpha")
    t.add_argument("--batch", type=int, default=32)
    t.add_argument("--minutes", type=float)
    t.add_argument("--kimg", type=float)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--arch", default="{}", help='JSON architecture overrides, e.g. {"channel_base":1024}; on --resume, '
                   'only settings that keep the weights\' shapes (e.g. {"ca_noise":0.5})')
    t.add_argument("--augment", choices=["ada", "fixed", "off"], default="ada")
    t.add_argument("--augment-p", type=float, default=0.0)
    t.add_argument("--r1-gamma", type=float, default=0.05)
    t.add_argument("--threads", type=int)
    t.add_argument("--checkpoint-every", type=float, default=300.0, help="seconds")
    t.add_argument("--preview-every", type=float, default=120.0, help="seconds")
    t.add_argument("--resume", action="store_true", help="continue the run in --out exactly")
    t.add_argument("--continue-model", metavar="ID",
                   help="start --out from a library model's saved training state, then resume exactly")
    t.add_argument("--progress", choices=["jsonl", "none"], default="none")
    t.add_argument("--nproc", type=int, default=1,
                   help="data-parallel processes (DDP under torchrun; gloo on CPU, NCCL on GPUs)")
    t.add_argument("--freeze-d", type=int, default=0,
                   help="stylegen: keep the first N discriminator blocks fixed (Freeze-D, with --base)")
    t.add_argument("--export", metavar="FOLDER", help="write the result as a library model here")
    t.add_argument("--id", help="model id for --export (default: the run folder's name)")
    t.add_argument("--export-train-state", action="store_true",
                   help="bundle the checkpoint with the exported model so it can be continued later")
    t.add_argument("--name", help="display name for --export")
    t.add_argument("--description", help="one-line description for the exported card")
    t.add_argument("--license", default="weights: as the training data's terms allow (set --license)",
                   help="licence statement for the exported card (weights and training data)")
    t.add_argument("--lr", type=float, help="learning rate (default: the family's)")
    t.add_argument("--pairs", choices=["folders", "sketch"], default="folders",
                   help="pix2pix inputs: A/ B/ folders (or side-by-side AB), or sketches drawn from --data")
    t.add_argument("--l1-weight", type=float, default=100.0, help="pix2pix/sr: weight of the L1 loss")
    t.add_argument("--cycle-weight", type=float, default=10.0, help="cyclegan: weight of the cycle loss")
    t.add_argument("--layout-weight", type=float,
                   help="age/text: weight of the 8×8 colour-and-layout L1 to the condition's real image "
                        "(default 0; on --resume, the run's own)")
    t.add_argument("--refiner-l1", type=float,
                   help="text: weight of Stage II's L1 on real pairs (a softened 32 px real image refined back to "
                        "its 64 px original), beside its adversarial loss (default 0; on --resume, the run's own)")
    t.add_argument("--imle", type=float, dest="imle_weight",
                   help="age/text: weight of conditional IMLE, an L1 that pulls the closest of K seeds onto each "
                        "condition's real image, so seeds cover every image of a caption (default 0; on --resume, "
                        "the run's own)")
    t.add_argument("--imle-samples", type=int, default=8, metavar="K",
                   help="age/text with --imle: seeds drawn per real image to pick the closest from")
    t.add_argument("--refiner-from", metavar="CKPT",
                   help="text, with --resume: take Stage II (refiner, its EMA, discriminator and optimisers) from "
                        "another checkpoint of this architecture; Stage I keeps its progress")
    t.add_argument("--identity-weight", type=float, default=0.5,
                   help="cyclegan: identity loss weight, relative to the cycle weight")

    jb = sub.add_parser("jobs", help="background training jobs (the jobs panel's list)")
    jsub = jb.add_subparsers(dest="jobs_cmd", required=True)
    jl = jsub.add_parser("list")
    jl.add_argument("--json", action="store_true")
    for verb, text in (("show", "state, progress and files of a job"), ("cancel", "stop with a checkpoint"),
                       ("pause", "stop with a checkpoint, to resume later"),
                       ("resume", "continue from the last checkpoint (starts it in the background)"),
                       ("delete", "stop it and remove its folder"),
                       ("register", "add the job's model to your library, with metrics on your data")):
        jc = jsub.add_parser(verb, help=text)
        jc.add_argument("name")
        jc.add_argument("--json", action="store_true")
        if verb == "resume":
            jc.add_argument("--wait", action="store_true", help="stay in the foreground until it stops")
        if verb == "register":
            jc.add_argument("--checkpoint", help="a checkpoint file of the job (default: the latest)")
            jc.add_argument("--num", type=int, default=500, help="samples for SWD / FD")

    sk = sub.add_parser("sketch", help="turn a drawing (dark lines on white) into an image")
    sk.add_argument("--model", help="a sketch model (default: the first in the library)")
    sk.add_argument("--input", required=True, help="the drawing; with --trace, any image to trace")
    sk.add_argument("--trace", action="store_true", help="extract the input's edges first")
    sk.add_argument("--seed", type=int, help="variation (pix2pix dropout mask); omit for the plain result")
    sk.add_argument("--size", type=int, help="export size in pixels")
    sk.add_argument("-o", "--out", required=True, help="output PNG")

    tr = sub.add_parser("translate", help="translate an image or a folder between domains")
    tr.add_argument("--model", help="a translation model (default: the first in the library)")
    tr.add_argument("--input", required=True, help="image file or folder")
    tr.add_argument("--direction", help="AtoB, BtoA or domain names such as symbol2colour")
    tr.add_argument("--fit", choices=["model", "native"], default="model",
                    help="work at the model's scale (default) or at full resolution (tiled)")
    tr.add_argument("--tile", type=int, default=512, help="tile side for large images at native scale")
    tr.add_argument("-o", "--out", required=True, help="output PNG (file input) or folder")
    tr.add_argument("--json", action="store_true")

    up = sub.add_parser("upscale", help="×4 super-resolution of an image")
    up.add_argument("--model", help="an upscale model (default: the first in the library)")
    up.add_argument("--input", required=True)
    up.add_argument("-o", "--out", required=True, help="output PNG")

    me = sub.add_parser("metrics", help="SWD and our Fréchet distance of a model against a folder")
    me.add_argument("--model", help="model id (omit for the real-vs-real floor)")
    me.add_argument("--real", required=True, help="folder of reference images")
    me.add_argument("--other", help="second real folder (floor: --real train --other heldout)")
    me.add_argument("--num", type=int, default=1000)
    me.add_argument("--psi", type=float, default=1.0)
    me.add_argument("--card", action="store_true",
                    help="store the figures (and the floor, with --floor-other) in the model's card")
    me.add_argument("--floor-other", help="held-out folder: also measure the real-vs-real floor")
    me.add_argument("--rank", type=int, default=1, metavar="K",
                    help="text: also judge the best of K seeds by the model's prompt matcher")
    me.add_argument("--json", action="store_true")
    me.add_argument("--task", choices=["generate", "sketch", "translate", "upscale", "age", "text"],
                    default="generate",
                    help="sketch: --real is a held-out artwork folder; translate: a folder with "
                         "trainA/ trainB/ testA/ testB/; upscale: held-out images")
    return p


# -- commands -------------------------------------------------------------------------------------------
def _session(args: argparse.Namespace):
    from .core.sessions.generator import GeneratorSession

    return GeneratorSession.open(args.model, device=args.device)


@command("generate")
def cmd_generate(args: argparse.Namespace) -> int:
    from .core.io.export import export_png
    from .core.io.images import grid, save_png
    from .core.sessions.generator import RenderRequest

    seeds = parse_seeds(args.seeds)
    sess = _session(args)
    out = Path(args.out)
    written, tiles = [], []
    for seed in seeds:
        req = RenderRequest(model_id=sess.model_id, seed=seed, psi=args.psi, noise_mode=args.noise,
                            noise_strength=args.noise_strength)
        img = sess.render(req)
        path = out / f"seed{seed:06d}.png"
        export_png(img, path, sess.recipe(req), size=args.size)
        written.append(str(path))
        tiles.append(img)
    if args.grid:
        save_png(grid(tiles, cols=min(8, len(tiles))), Path(args.grid))
    emit(args, {"files": written, "grid": args.grid}, f"wrote {len(written)} images to {out}")
    return 0


def _seed_list(seeds: tuple[int, ...]) -> str:
    return ",".join(str(s) for s in seeds)


@command("matcher")
def cmd_matcher(args: argparse.Namespace) -> int:
    from .core.library.registry import Library
    from .core.text.encoder import EncoderUnavailable
    from .core.training.matcher_trainer import fit_matcher

    card = Library().card(args.model)
    try:
        result = fit_matcher(card, Path(args.data), epochs=args.epochs, seed=args.seed, threads=args.threads,
                             cache=Path(args.cache) if args.cache else None, steps=args.steps,
                             progress=lambda s, n, loss: print(f"step {s}/{n} loss {loss:.3f}", file=sys.stderr))
    except EncoderUnavailable as exc:
        raise CliError(str(exc)) from exc
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    emit(args, result, "\n".join(f"{k}: {v}" for k, v in result.items()) + f"\nadded to {card.folder}")
    return 0


def _read_image(path: str) -> Any:
    from .core.sessions.translator import read_image

    try:
        return read_image(Path(path))
    except (OSError, ValueError) as exc:
        raise CliError(f"cannot read {path}: {exc}") from exc


@command("project")
def cmd_project(args: argparse.Namespace) -> int:
    import numpy as np

    from .core.io.images import save_png
    from .core.sessions.open import open_session

    sess = open_session(args.model, device=args.device)
    image = _read_image(args.input)
    if not hasattr(sess, "project"):
        raise CliError(f"{args.model} cannot project images (family without a latent space)")
    if sess.__class__.__name__ == "AgeSession":
        source, res = sess.project(image, base_age=args.age, gender=args.gender, skin_tone=args.skin_tone,
                                   steps=args.steps)
    else:
        source, res = sess.project(image, steps=args.steps, w_plus=not args.w)
    out = Path(args.out).with_suffix(".npz")
    out.parent.mkdir(parents=True, exist_ok=True)
    np.savez(out, ws=res.ws[0].cpu().numpy(), model_id=np.array(args.model), sha256=np.array(sess.sha256),
             psnr=np.array(res.psnr), base_age=np.array(args.age), gender=np.array(args.gender),
             skin_tone=np.array(args.skin_tone))
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

    from .core.sessions.requests import Source

    try:
        with np.load(path, allow_pickle=False) as z:
            return Source.from_w(z["ws"], label=Path(path).stem)
    except (OSError, KeyError, ValueError) as exc:
        raise CliError(f"{path} is not a latent file from `gan-studio project`: {exc}") from exc


@command("age")
def cmd_age(args: argparse.Namespace) -> int:
    from .core.io.export import export_png, write_video
    from .core.io.images import grid, save_png
    from .core.sessions.age import AgeSession
    from .core.sessions.cond_requests import AgeRequest
    from .core.sessions.requests import Source

    sess = AgeSession.open(args.model, device=args.device)
    if args.seed is not None:
        source = Source.from_seed(args.seed)
    elif args.latent:
        source = load_latent(args.latent)
    else:
        source, res = sess.project(_read_image(args.input), base_age=args.base_age, gender=args.gender,
                                   skin_tone=args.skin_tone, steps=args.steps)
    req = AgeRequest(args.model, source, age=0.0, gender=args.gender, skin_tone=args.skin_tone, psi=args.psi,
                     base_age=args.base_age)
    out = Path(args.out)
    try:
        ages = [float(a) for a in args.ages.split(",")] if args.ages else [float(args.age)]
    except ValueError as exc:
        raise CliError(f"bad --ages {args.ages!r}: use numbers 0…1 separated by commas") from exc
    if any(not 0.0 <= a <= 1.0 for a in ages):
        raise CliError("ages run from 0 (baby) to 1 (old)")
    if args.ages is None:
        req = req.at(ages[0])
        export_png(sess.render(req), out, sess.recipe(req))
    else:
        frames = sess.strip(req, ages)
        if out.suffix.lower() in (".gif", ".mp4"):
            write_video(frames, out, fps=8)
        else:
            save_png(grid(frames, cols=len(frames)), out)
    emit(args, {"file": str(out), "ages": ages}, f"wrote {out}")
    return 0


@command("text")
def cmd_text(args: argparse.Namespace) -> int:
    from .core.io.export import export_png
    from .core.io.images import grid, save_png
    from .core.sessions.cond_requests import TextRequest
    from .core.sessions.text import TextSession
    from .core.text.encoder import EncoderUnavailable

    sess = TextSession.open(args.model, device=args.device)
    req = TextRequest(args.model, args.prompt, seeds=tuple(parse_seeds(args.seeds)), variation=args.variation,
                      psi=args.psi)
    try:
        req, images = sess.render_ranked(req, args.rank) if args.rank > 1 else (req, sess.render(req))
    except EncoderUnavailable as exc:
        raise CliError(str(exc)) from exc
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    out = Path(args.out)
    written = []
    for seed, img in zip(req.seeds, images, strict=True):
        one = TextRequest(args.model, args.prompt, seeds=(seed,), variation=args.variation, psi=args.psi)
        path = out / f"seed{seed:06d}.png"
        export_png(img, path, sess.recipe(one))
        written.append(str(path))
    if args.grid:
        save_png(grid(images, cols=min(8, len(images))), Path(args.grid))
    emit(args, {"files": written, "grid": args.grid, "seeds": list(req.seeds)},
         f"wrote {len(written)} images to {out}" + (f" (best first: seeds {_seed_list(req.seeds)})"
                                                    if args.rank > 1 else ""))
    return 0


def _layers(text: str, num_ws: int) -> tuple[int, ...]:
    from .core.sessions.generator import layer_preset

    try:
        return layer_preset(text, num_ws)
    except KeyError:
        pass
    try:
        layers = tuple(sorted(set(parse_seeds(text))))
    except CliError as exc:
        raise CliError(f"bad layer range {text!r}: use coarse, middle, fine or e.g. 0-3") from exc
    if layers[-1] >= num_ws:
        raise CliError(f"layer {layers[-1]} out of range: this model has layers 0-{num_ws - 1}")
    return layers


@command("mix")
def cmd_mix(args: argparse.Namespace) -> int:
    from .core.io.export import export_png
    from .core.sessions.generator import MixRequest, Source

    sess = _session(args)
    rows = tuple(Source.from_seed(s) for s in parse_seeds(args.rows))
    cols = tuple(Source.from_seed(s) for s in parse_seeds(args.cols))
    req = MixRequest(model_id=sess.model_id, rows=rows, cols=cols,
                     layers=_layers(args.layers, sess.num_ws), psi=args.psi, noise_mode=args.noise)
    img = sess.mix_grid(req)
    export_png(img, Path(args.out), sess.recipe(req))
    emit(args, {"file": args.out, "layers": list(req.layers)}, f"wrote {args.out}")
    return 0


@command("video")
def cmd_video(args: argparse.Namespace) -> int:
    from .core.io.export import write_video
    from .core.sessions.generator import Source, WalkRequest

    sess = _session(args)
    keys = tuple(Source.from_seed(s) for s in parse_seeds(args.seeds))
    if len(keys) < 2:
        raise CliError("a walk needs at least two keyframe seeds")
    req = WalkRequest(model_id=sess.model_id, keys=keys, frames_per_key=args.frames, psi=args.psi,
                      loop=args.loop)
    frames = sess.walk_frames(req)
    write_video(frames, Path(args.out), fps=args.fps, size=args.size)
    print(f"wrote {len(frames)} frames to {args.out}")
    return 0


@command("info")
def cmd_info(args: argparse.Namespace) -> int:
    from .core.io.recipe import RecipeError, read_recipe

    try:
        recipe = read_recipe(Path(args.file))
    except RecipeError as exc:
        raise CliError(str(exc)) from exc
    emit(args, recipe, "\n".join(f"{k}: {json.dumps(v)}" for k, v in recipe.items()))
    return 0


@command("models")
def cmd_models(args: argparse.Namespace) -> int:
    from .core.library.registry import Library

    lib = Library()
    if args.models_cmd == "import":
        from .core.importers import import_checkpoint

        card = import_checkpoint(Path(args.file), name=args.name, library=lib)
        data = card.to_json() | {"source": "user", "folder": str(card.folder)}
        emit(args, data, f"imported {args.file} as {card.id} ({card.family}, {card.resolution}px, "
                         f"{card.training['import_format']}; tasks {','.join(card.tasks)})")
        return 0
    if args.models_cmd == "export":
        from .core.exporters.model_export import export_model

        out = export_model(args.id, args.format, Path(args.out), direction=args.direction, library=lib)
        print(f"wrote {out}")
        return 0
    if args.models_cmd == "list":
        cards = lib.cards()
        data = [c.to_json() | {"source": c.source} for c in cards]
        text = "\n".join(f"{c.id:28s} {c.family:10s} {c.resolution:4d}px  {','.join(c.tasks):12s} {c.source}"
                         for c in cards) or "no models"
        emit(args, data, text)
        return 0
    card = lib.card(args.id)
    lib.verify(card)
    data = card.to_json() | {"source": card.source, "folder": str(card.folder), "verified": True}
    emit(args, data, json.dumps(data, indent=2))
    return 0


@command("dataset")
def cmd_dataset(args: argparse.Namespace) -> int:
    if args.dataset_cmd == "build-starter":
        from collections import Counter

        from .core.data.starter import build_starter

        items = build_starter(Path(args.out), limit=args.limit)
        counts = Counter(f"{i.domain}/{i.split}" for i in items)
        print(f"rendered {len(items)} images into {args.out}: " + ", ".join(f"{k} {v}" for k, v in
                                                                              sorted(counts.items())))
        return 0
    from .core.data.check import Prep, check_folder, display_path

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
        from .core.io.images import grid, save_png

        save_png(grid(check.samples(16), cols=4), Path(args.preview))
    text = check.summary() + "".join(f"\n  skipped {display_path(p)}: {r}" for p, r in check.skipped) + "".join(
        f"\n  note {display_path(p)}: {'; '.join(n)}" for p, n in check.notes.items())
    emit(args, check.to_json(), text)
    return 0 if check.usable else 2


def _translator(model_id: str | None, task: str, device: str | None) -> Any:
    from .core.library.registry import Library
    from .core.sessions.translator import TranslatorSession

    lib = Library()
    if model_id is None:
        ids = [c.id for c in lib.cards() if task in c.tasks]
        if not ids:
            raise CliError(f"no {task} model in the library; train one with `gan-studio train`")
        model_id = ids[0]
    elif task not in lib.card(model_id).tasks:
        raise CliError(f"{model_id} is not a {task} model (its tasks: {', '.join(lib.card(model_id).tasks)})")
    return TranslatorSession.open(model_id, library=lib, device=device)


def _read(path: str) -> Any:
    from .core.sessions.translator import read_image

    try:
        return read_image(Path(path))
    except (OSError, ValueError) as exc:
        raise CliError(f"cannot read {path}: {exc}") from exc


@command("sketch")
def cmd_sketch(args: argparse.Namespace) -> int:
    from .core.data.sketch import composite_white, image_to_sketch
    from .core.io.export import export_png

    sess = _translator(args.model, "sketch", args.device)
    img = _read(args.input)
    drawing = image_to_sketch(img, sess.resolution) if args.trace else composite_white(img)
    out = sess.sketch(drawing, seed=args.seed)
    export_png(out, Path(args.out), sess.recipe(seed=args.seed, source=Path(args.input).name, trace=args.trace),
               size=args.size)
    print(f"wrote {args.out}")
    return 0


@command("translate")
def cmd_translate(args: argparse.Namespace) -> int:
    from .core.io.export import export_png

    sess = _translator(args.model, "translate", args.device)
    direction = sess.resolve_direction(args.direction)
    src = Path(args.input)
    if src.is_dir():
        def progress(done: int, total: int, path: Path) -> None:
            if not args.json:
                print(f"[{done}/{total}] {path.name}", file=sys.stderr)

        report = sess.translate_folder(src, Path(args.out), direction, fit=args.fit, progress_fn=progress)
        data = {"written": [str(p) for p in report.written],
                "skipped": [{"file": str(p), "reason": r} for p, r in report.skipped]}
        text = f"translated {len(report.written)} images into {args.out}; skipped {len(report.skipped)}" + "".join(
            f"\n  skipped {p}: {r}" for p, r in report.skipped)
        emit(args, data, text)
        return 0 if report.written else 2
    out = sess.run(_read(args.input), direction, fit=args.fit, tile=args.tile)
    export_png(out, Path(args.out), sess.recipe(direction=direction, source=src.name, fit=args.fit))
    emit(args, {"file": args.out, "direction": sess.directions[direction]},
         f"wrote {args.out} ({sess.directions[direction]})")
    return 0


@command("upscale")
def cmd_upscale(args: argparse.Namespace) -> int:
    from .core.io.export import export_png
    from .core.io.recipe import RecipeError, read_recipe

    sess = _translator(args.model, "upscale", args.device)
    out = sess.upscale(_read(args.input))
    try:
        recipe = read_recipe(Path(args.input)) | {"upscaled": sess.model_id}
    except RecipeError:
        recipe = sess.recipe(source=Path(args.input).name)
    export_png(out, Path(args.out), recipe)
    print(f"wrote {args.out} ({out.shape[1]}×{out.shape[0]})")
    return 0


@command("train")
def cmd_train(args: argparse.Namespace) -> int:
    """Every family trains through its registered trainer (core.families): the shared loop, or a one-shot."""
    from .core import families

    spec = families.trainer(args.family)
    if spec.standalone:
        if not args.data or not args.export:
            raise CliError(f"--family {args.family} needs --data DIR and --export FOLDER")
        named = {"model_id": args.id} if args.id else {}
        card = families.resolve(spec.standalone)(Path(args.data), Path(args.export), seed=args.seed,
                                                 command="gan-studio " + " ".join(sys.argv[1:]), **named)
        print(json.dumps(card.metrics))
        return 0
    return _run_training(args, spec.train_fn(), spec.export_fn())


def _run_training(args: argparse.Namespace, train_fn: Callable[..., Any], export_fn: Callable[..., Any]) -> int:
    """Shared by every family: config from flags, SIGTERM/SIGINT → graceful checkpoint, optional export."""
    from .core.device import pick_device
    from .core.training.config import TrainConfig

    if args.continue_model:
        from .core.library.registry import Library
        from .core.training.checkpoint import seed_run_from_model

        seed_run_from_model(Library().card(args.continue_model), Path(args.out))
        args.resume = True
    if not args.resume and not args.data:
        raise CliError("--data is required unless --resume")
    if getattr(args, "refiner_from", None) and (not _graft_keys(args.family) or not args.resume):
        raise CliError("--refiner-from needs --resume and a family with a Stage II (text)")
    if not args.resume and args.minutes is None and args.kimg is None:
        raise CliError("give a budget: --minutes N or --kimg N")
    try:
        arch = json.loads(args.arch)
    except json.JSONDecodeError as exc:
        raise CliError(f"--arch is not valid JSON: {exc}") from exc
    cfg = TrainConfig(family=args.family, data=str(args.data or ""), out=args.out,
                      resolution=args.resolution, channels=args.channels, batch=args.batch,
                      kimg=args.kimg, minutes=args.minutes, seed=args.seed, augment=args.augment,
                      augment_p=args.augment_p, r1_gamma=args.r1_gamma, base=args.base,
                      threads=args.threads, checkpoint_every_s=args.checkpoint_every,
                      preview_every_s=args.preview_every, arch=arch, lr_g=args.lr, lr_d=args.lr,
                      pairs=args.pairs, l1_weight=args.l1_weight, cycle_weight=args.cycle_weight,
                      identity_weight=args.identity_weight, freeze_d=args.freeze_d,
                      layout_weight=args.layout_weight, refiner_l1=args.refiner_l1,
                      imle_weight=args.imle_weight, imle_samples=args.imle_samples)
    stop = {"flag": False}

    def on_term(signum: int, frame: Any) -> None:
        stop["flag"] = True

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)

    def progress(event: dict[str, Any]) -> None:
        if args.progress == "jsonl" and not stop.get("no_stdout"):
            try:
                print(json.dumps(event), flush=True)
            except OSError:  # the reader (a window that closed) is gone: training goes on, the run folder has it
                stop["no_stdout"] = True

    from .core.jobs.process import hold_run
    from .core.training.ddp import is_distributed, rank

    if args.nproc > 1 and not is_distributed():
        from .core.training.ddp import launch

        with hold_run(Path(args.out), sys.argv):
            code = launch(args.nproc, sys.argv[1:])
        if code:
            raise CliError(f"distributed training exited with code {code}")
        return 0
    with hold_run(Path(args.out), sys.argv) if not is_distributed() else contextlib.nullcontext():
        if getattr(args, "refiner_from", None):
            _graft_refiner(args)
        result = train_fn(cfg, resume=args.resume, progress_fn=progress, abort_fn=lambda: stop["flag"],
                          device=pick_device(args.device))
    if args.export and result.finished and rank() == 0:  # one replica exports
        model_id = args.id or Path(args.out).name
        kwargs: dict[str, Any] = {"with_train_state": True} if args.export_train_state else {}
        kwargs["training"] = {"command": "gan-studio " + " ".join(sys.argv[1:]), "data": str(args.data or "")}
        kwargs["license"] = args.license
        if args.description:
            kwargs["description"] = args.description
        export_fn(Path(args.out), Path(args.export), model_id, args.name or model_id, **kwargs)
    return 0


def _graft_keys(family: str) -> tuple[str, ...]:
    from .core import families

    return families.trainer(family).graft_keys


def _graft_refiner(args: argparse.Namespace) -> None:
    """``--refiner-from``: Stage II from another checkpoint, written into the run's latest one (run held)."""
    from .core.training.checkpoint import graft_checkpoint

    try:
        into = graft_checkpoint(Path(args.out), Path(args.refiner_from), _graft_keys(args.family))
    except (OSError, ValueError) as exc:
        raise CliError(str(exc)) from exc
    print(f"Stage II taken from {args.refiner_from} into {into}", file=sys.stderr)


@command("jobs")
def cmd_jobs(args: argparse.Namespace) -> int:
    from .core.jobs.store import JobError, JobStore

    store = JobStore()
    try:
        if args.jobs_cmd == "list":
            rows = [j.summary() for j in store.jobs()]
            emit(args, rows, "\n".join(f"{r['name']:28s} {r['status']:11s} {r['family']:9s} {r['kimg']:8.2f} kimg"
                                       for r in rows) or "no jobs")
            return 0
        if args.jobs_cmd == "show":
            job = store.get(args.name)
            data = job.summary() | {"spec": job.record["spec"], "data_check": job.record.get("data_check"),
                                    "checkpoints": [str(p) for p in job.checkpoints()],
                                    "previews": len(job.previews()), "command": job.train_argv()}
            emit(args, data, json.dumps(data, indent=2))
            return 0
        if args.jobs_cmd in ("cancel", "pause"):
            pid = getattr(store, args.jobs_cmd)(args.name)
            said = f"asked process {pid} to stop (it checkpoints first)" if pid else f"{args.jobs_cmd} recorded"
            emit(args, {"name": args.name, "signalled": pid}, f"{args.name}: {said}")
            return 0
        if args.jobs_cmd == "delete":
            store.delete(args.name)
            emit(args, {"name": args.name, "deleted": True}, f"deleted {args.name}")
            return 0
        if args.jobs_cmd == "register":
            from .core.jobs.results import register_result

            ckpt = Path(args.checkpoint) if args.checkpoint else None
            card = register_result(store.get(args.name), checkpoint=ckpt, num=args.num)
            emit(args, card.to_json(), f"registered {card.id} in your library: " + ", ".join(
                f"{m['name']} {m['before']} → {m['value']}" for m in card.metrics))
            return 0
        import subprocess

        job = store.resume(args.name)
        with open(job.folder / "stdout.txt", "ab") as out:
            proc = subprocess.Popen(job.train_argv(), stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        store.mark_started(job, proc.pid)
        emit(args, {"name": job.name, "pid": proc.pid}, f"{job.name}: resumed as process {proc.pid}")
        return proc.wait() if args.wait else 0
    except JobError as exc:
        raise CliError(str(exc)) from exc


@command("metrics")
def cmd_metrics(args: argparse.Namespace) -> int:
    from .core.metrics.evaluate import evaluate_folder_pair, evaluate_model

    if args.task != "generate":
        from .core.metrics import translation as tm

        if not args.model:
            raise CliError(f"--task {args.task} needs --model")
        from .core.metrics.age import evaluate_age
        from .core.metrics.text import evaluate_text

        fn = {"sketch": tm.evaluate_sketch, "translate": tm.evaluate_cyclegan, "upscale": tm.evaluate_sr,
              "age": evaluate_age, "text": evaluate_text}[args.task]
        extra = {"psi": args.psi, "rank": args.rank} if args.task == "text" else {}
        result = fn(args.model, Path(args.real), **extra)
        if args.card:
            tm.store_metrics(args.model, result, f"held-out data in {args.real}; command: gan-studio "
                             + " ".join(sys.argv[1:]))
        emit(args, result, "\n".join(f"{k}: {v}" for k, v in result.items()))
        return 0
    if args.model:
        result = evaluate_model(args.model, Path(args.real), num=args.num, psi=args.psi)
        if args.floor_other:
            result["floor"] = evaluate_folder_pair(Path(args.real), Path(args.floor_other))
        if args.card:
            from .core.metrics.evaluate import store_in_card

            store_in_card(args.model, result, "gan-studio " + " ".join(sys.argv[1:]))
    elif args.other:
        result = evaluate_folder_pair(Path(args.real), Path(args.other))
    else:
        raise CliError("give --model ID, or --other DIR for the real-vs-real floor")
    emit(args, result, "\n".join(f"{k}: {v}" for k, v in result.items()))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    if args.cmd is None:
        from .ui.app import run_app

        return run_app(device=args.device, panel=args.panel)
    from .core.library.cards import LibraryError

    try:
        code = _COMMANDS[args.cmd](args)
    except (CliError, LibraryError, ValueError, FileNotFoundError, OSError) as exc:
        if args.verbose:
            log.exception("failed")
        print(f"gan-studio {args.cmd}: error: {exc}", file=sys.stderr)
        code = 2
    if int(os.environ.get("WORLD_SIZE", "1")) > 1:  # a torchrun replica: skip the process group's C++ teardown
        from .core.training.ddp import exit_worker

        exit_worker(code)
    return code


if __name__ == "__main__":
    sys.exit(main())
