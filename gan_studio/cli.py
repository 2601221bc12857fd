"""`gan-studio`: the GUI when run bare, and every panel's action as a scriptable subcommand.

The commands call the same core sessions the window uses. Exit code 0 only on success; errors print
one clear line to stderr (the traceback goes to the log with ``--verbose``).
"""

from __future__ import annotations

import argparse
import json
import logging
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
    p = argparse.ArgumentParser(prog="gan-studio", description="GAN Studio: local GAN image studio.")
    p.add_argument("--version", action=VersionAction)
    p.add_argument("--verbose", "-v", action="store_true", help="log debug output and tracebacks")
    p.add_argument("--device", help="cpu, cuda, cuda:1 or mps (default: best available)")
    p.add_argument("--panel", choices=["explorer", "mixer", "sketch", "translate"], default="explorer",
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

    t = sub.add_parser("train", help="train or fine-tune a model (runs until the budget or SIGTERM)")
    t.add_argument("--family", default="stylegen", choices=sorted(_TRAINERS))
    t.add_argument("--data", help="image folder")
    t.add_argument("--out", required=True, help="run folder")
    t.add_argument("--base", help="library model to fine-tune from")
    t.add_argument("--resolution", type=int, default=64)
    t.add_argument("--channels", type=int, choices=[3, 4], default=4, help="4 keeps alpha")
    t.add_argument("--batch", type=int, default=32)
    t.add_argument("--minutes", type=float)
    t.add_argument("--kimg", type=float)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--arch", default="{}", help='JSON architecture overrides, e.g. {"channel_base":1024}')
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
    t.add_argument("--identity-weight", type=float, default=0.5,
                   help="cyclegan: identity loss weight, relative to the cycle weight")

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
    me.add_argument("--json", action="store_true")
    me.add_argument("--task", choices=["generate", "sketch", "translate", "upscale"], default="generate",
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
        from .core.io.model_export import export_model

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
    from .core.data.images import scan_folder

    try:
        scan = scan_folder(Path(args.dir))
    except FileNotFoundError as exc:
        raise CliError(str(exc)) from exc
    data = {"usable": len(scan.usable),
            "skipped": [{"file": str(p), "reason": r} for p, r in scan.skipped]}
    text = f"{len(scan.usable)} usable, {len(scan.skipped)} skipped" + "".join(
        f"\n  skipped {p}: {r}" for p, r in scan.skipped)
    emit(args, data, text)
    return 0


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


def _train_featurenet(args: argparse.Namespace) -> int:
    from .core.training.featurenet_trainer import train_featurenet

    if not args.data or not args.export:
        raise CliError("featurenet needs --data STARTER_DIR (with manifest.jsonl) and --export FOLDER")
    card = train_featurenet(Path(args.data), Path(args.export), model_id=args.id or "featurenet-emoji-64",
                            seed=args.seed, command="gan-studio " + " ".join(sys.argv[1:]))
    print(json.dumps(card.metrics))
    return 0


@command("train")
def cmd_train(args: argparse.Namespace) -> int:
    return _TRAINERS[args.family](args)


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
                      identity_weight=args.identity_weight)
    stop = {"flag": False}

    def on_term(signum: int, frame: Any) -> None:
        stop["flag"] = True

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)

    def progress(event: dict[str, Any]) -> None:
        if args.progress == "jsonl":
            print(json.dumps(event), flush=True)

    result = train_fn(cfg, resume=args.resume, progress_fn=progress, abort_fn=lambda: stop["flag"],
                      device=pick_device(args.device))
    if args.export and result.finished:
        model_id = args.id or Path(args.out).name
        kwargs: dict[str, Any] = {"with_train_state": True} if args.export_train_state else {}
        kwargs["training"] = {"command": "gan-studio " + " ".join(sys.argv[1:]), "data": str(args.data or "")}
        kwargs["license"] = args.license
        if args.description:
            kwargs["description"] = args.description
        export_fn(Path(args.out), Path(args.export), model_id, args.name or model_id, **kwargs)
    return 0


def _train_stylegen(args: argparse.Namespace) -> int:
    from .core.training.stylegen_trainer import export_run, train_stylegen

    return _run_training(args, train_stylegen, export_run)


def _train_pix2pix(args: argparse.Namespace) -> int:
    from .core.training.pix2pix_trainer import export_pix2pix, train_pix2pix

    return _run_training(args, train_pix2pix, export_pix2pix)


def _train_cyclegan(args: argparse.Namespace) -> int:
    from .core.training.cyclegan_trainer import export_cyclegan, train_cyclegan

    return _run_training(args, train_cyclegan, export_cyclegan)


def _train_sr(args: argparse.Namespace) -> int:
    from .core.training.sr_trainer import export_sr, train_sr

    return _run_training(args, train_sr, export_sr)


_TRAINERS: dict[str, Handler] = {"stylegen": _train_stylegen, "featurenet": _train_featurenet,
                                 "pix2pix": _train_pix2pix, "cyclegan": _train_cyclegan, "sr": _train_sr}


@command("metrics")
def cmd_metrics(args: argparse.Namespace) -> int:
    from .core.metrics.evaluate import evaluate_folder_pair, evaluate_model

    if args.task != "generate":
        from .core.metrics import translation as tm

        if not args.model:
            raise CliError(f"--task {args.task} needs --model")
        fn = {"sketch": tm.evaluate_sketch, "translate": tm.evaluate_cyclegan, "upscale": tm.evaluate_sr}[args.task]
        result = fn(args.model, Path(args.real))
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
        return _COMMANDS[args.cmd](args)
    except (CliError, LibraryError, ValueError, FileNotFoundError, OSError) as exc:
        if args.verbose:
            log.exception("failed")
        print(f"gan-studio {args.cmd}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
