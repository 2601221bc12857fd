"""metrics: SWD and Fréchet distance of a model, or the real-vs-real floor."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .common import CliError, command, emit


def add_parsers(sub: argparse._SubParsersAction) -> None:
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
    me.add_argument("--domain", help="a pair model (CoGAN): judge this domain's images, e.g. colour")
    me.add_argument("--json", action="store_true")
    me.add_argument("--task", choices=["generate", "sketch", "hints", "translate", "upscale", "age", "text"],
                    default="generate",
                    help="sketch, hints (colour-hint fidelity): --real is a held-out artwork folder; translate: a "
                         "folder with trainA/ trainB/ testA/ testB/; upscale: held-out images")


@command("metrics")
def cmd_metrics(args: argparse.Namespace) -> int:
    from ..core.metrics.evaluate import evaluate_folder_pair, evaluate_model

    if args.task != "generate":
        from ..core.metrics import translation as tm

        if not args.model:
            raise CliError(f"--task {args.task} needs --model")
        from ..core.metrics.age import evaluate_age
        from ..core.metrics.hints import evaluate_hints
        from ..core.metrics.text import evaluate_text

        fn = {"sketch": tm.evaluate_sketch, "hints": evaluate_hints, "translate": tm.evaluate_cyclegan,
              "upscale": tm.evaluate_sr, "age": evaluate_age, "text": evaluate_text}[args.task]
        extra = {"psi": args.psi, "rank": args.rank} if args.task == "text" else {}
        result = fn(args.model, Path(args.real), **extra)
        if args.card:
            tm.store_metrics(args.model, result, f"held-out data in {args.real}; command: gan-studio "
                             + " ".join(sys.argv[1:]))
        emit(args, result, "\n".join(f"{k}: {v}" for k, v in result.items()))
        return 0
    if args.model:
        try:
            result = evaluate_model(args.model, Path(args.real), num=args.num, psi=args.psi, domain=args.domain)
        except ValueError as exc:
            raise CliError(str(exc)) from exc
        if args.floor_other:
            from ..core.library.registry import Library

            card = Library().card(args.model)  # the floor at the model's own size and channels
            result["floor"] = evaluate_folder_pair(Path(args.real), Path(args.floor_other), card.resolution,
                                                   card.channels)
        if args.card:
            from ..core.metrics.evaluate import store_in_card

            store_in_card(args.model, result, "gan-studio " + " ".join(sys.argv[1:]))
    elif args.other:
        result = evaluate_folder_pair(Path(args.real), Path(args.other))
    else:
        raise CliError("give --model ID, or --other DIR for the real-vs-real floor")
    emit(args, result, "\n".join(f"{k}: {v}" for k, v in result.items()))
    return 0
