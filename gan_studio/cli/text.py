"""text and matcher: text-to-image renders and the prompt matcher that ranks them."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..core.defaults import COND_PSI, SEED_COUNT, VARIATION
from .common import CliError, add_overwrite, add_setting, command, emit, parse_seeds, refuse_existing, require_task
from .progress import Progress, add_progress
from .sizing import add_size, report, upscaler


def add_parsers(sub: argparse._SubParsersAction) -> None:
    tx = sub.add_parser("text", help="images from a text prompt (StackGAN-style)")
    tx.add_argument("--model", required=True)
    tx.add_argument("--prompt", required=True)
    tx.add_argument("--seeds", default=f"0-{SEED_COUNT - 1}", help="e.g. 1-8,12 (default: %(default)s)")
    add_setting(tx, "--variation", VARIATION, help="conditioning noise: 0 = the prompt's average reading")
    add_setting(tx, "--psi", COND_PSI)
    tx.add_argument("-o", "--out", required=True, help="output folder")
    add_overwrite(tx)
    tx.add_argument("--grid", help="also write all seeds as one grid PNG (at the model's size)")
    add_size(tx, "each image")
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
    add_progress(mt)


def _seed_list(seeds: tuple[int, ...]) -> str:
    return ",".join(str(s) for s in seeds)


@command("matcher")
def cmd_matcher(args: argparse.Namespace) -> int:
    from ..core.library.registry import Library
    from ..core.text.encoder import EncoderUnavailable
    from ..core.training.matcher_trainer import fit_matcher

    card = Library().card(args.model)
    report = Progress(args.progress, "matcher")
    try:
        result = fit_matcher(card, Path(args.data), epochs=args.epochs, seed=args.seed, threads=args.threads,
                             cache=Path(args.cache) if args.cache else None, steps=args.steps,
                             progress=lambda s, n, loss: report(s, n, loss=float(loss)))
    except EncoderUnavailable as exc:
        raise CliError(str(exc)) from exc
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    emit(args, result, "\n".join(f"{k}: {v}" for k, v in result.items()) + f"\nadded to {card.folder}")
    return 0


@command("text")
def cmd_text(args: argparse.Namespace) -> int:
    from ..core.io.images import grid, save_png
    from ..core.library.registry import Library
    from ..core.sessions.cond_requests import TextRequest
    from ..core.sessions.sized_export import export_at_size
    from ..core.sessions.text import TextSession
    from ..core.text.encoder import EncoderUnavailable

    lib = Library()
    require_task(args.model, "text", ("text",), library=lib)
    sess = TextSession.open(args.model, library=lib, device=args.device)
    up = upscaler(args, lib)
    req = TextRequest(args.model, args.prompt, seeds=tuple(parse_seeds(args.seeds)), variation=args.variation,
                      psi=args.psi)
    try:
        req, images = sess.render_ranked(req, args.rank) if args.rank > 1 else (req, sess.render(req))
    except EncoderUnavailable as exc:
        raise CliError(str(exc)) from exc
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    out = Path(args.out)
    refuse_existing(args, *(out / f"seed{seed:06d}.png" for seed in req.seeds), args.grid)
    written = []
    for seed, img in zip(req.seeds, images, strict=True):
        one = TextRequest(args.model, args.prompt, seeds=(seed,), variation=args.variation, psi=args.psi)
        path = out / f"seed{seed:06d}.png"
        report(export_at_size(img, path, sess.recipe(one), args.size, up))
        written.append(str(path))
    if args.grid:
        save_png(grid(images, cols=min(8, len(images))), Path(args.grid))
    emit(args, {"files": written, "grid": args.grid, "seeds": list(req.seeds)},
         f"wrote {len(written)} images to {out}" + (f" (best first: seeds {_seed_list(req.seeds)})"
                                                    if args.rank > 1 else ""))
    return 0
