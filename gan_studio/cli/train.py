"""train: every family's trainer behind one lookup, run by core.training.runner."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

from .common import CliError, command, refuse_existing


def add_parsers(sub: argparse._SubParsersAction) -> None:
    t = sub.add_parser("train", help="train or fine-tune a model (runs until the budget or SIGTERM)")
    t.add_argument("--family", choices=trainer_families(),
                   help="default: stylegen, or on --resume the run's own family")
    t.add_argument("--data", help="image folder")
    t.add_argument("--out", required=True, help="run folder")
    t.add_argument("--base", help="library model to fine-tune from")
    t.add_argument("--resolution", type=int, help="default: 64, or the --base model's")
    t.add_argument("--channels", type=int, choices=[3, 4], help="4 keeps alpha (default: 4, or the --base model's)")
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
    t.add_argument("--precision", choices=["auto", "bf16", "fp32"], default="auto",
                   help="auto (default): bf16 where it is measured faster on this machine (few-shot family)")
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
    t.add_argument("--overwrite", action="store_true", help="let --export replace a model folder already there")
    t.add_argument("--id", help="model id for --export (default: the run folder's name)")
    t.add_argument("--export-train-state", action="store_true",
                   help="bundle the checkpoint with the exported model so it can be continued later")
    t.add_argument("--name", help="display name for --export")
    t.add_argument("--description", help="one-line description for the exported card")
    t.add_argument("--license", default="weights: as the training data's terms allow (set --license)",
                   help="licence statement for the exported card (weights and training data)")
    t.add_argument("--lr", type=float, help="learning rate (default: the family's)")
    t.add_argument("--refiner-from", metavar="CKPT",
                   help="text, with --resume: take Stage II (refiner, its EMA, discriminator and optimisers) from "
                        "another checkpoint of this architecture; Stage I keeps its progress")
    add_family_options(t)


def add_family_options(t: argparse.ArgumentParser) -> None:
    """Every family's own options (core.families ``Option``, declared once in the family module); flags this
    parser already has are left as they are. ``type=bool`` is a switch."""
    from ..core import families

    have = set(t._option_string_actions)
    for opt, names in families.family_options():
        if opt.flag in have:
            continue
        text = f"{', '.join(names)}: {opt.help}"
        if opt.type is bool:
            t.add_argument(opt.flag, dest=opt.dest, action="store_true", default=bool(opt.default), help=text)
        else:
            t.add_argument(opt.flag, dest=opt.dest, type=opt.type, default=opt.default, choices=opt.choices,
                           help=text + (f" (default: {opt.default})" if opt.default is not None else ""))


def family_settings(args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, Any]]:
    """The chosen family's options as (TrainConfig fields, ``options`` for the rest); an option only other
    families read, given a value of its own, is a clear error."""
    from ..core import families
    from ..core.training.config import TrainConfig

    own = {o.dest for o in families.trainer(args.family).options}
    for opt, names in families.family_options():
        if opt.dest not in own and opt.dest not in TrainConfig.__dataclass_fields__ \
                and getattr(args, opt.dest, opt.default) != opt.default:
            raise CliError(f"{opt.flag} is an option of {', '.join(names)}, not of --family {args.family}")
    fields_, options = {}, {}
    for opt in families.trainer(args.family).options:
        value = getattr(args, opt.dest, opt.default)
        if opt.dest in TrainConfig.__dataclass_fields__:
            if value is not None:
                fields_[opt.dest] = value
        else:
            options[opt.dest] = value
    return fields_, options


def _saved_family(run: Path) -> str:
    try:
        saved = json.loads((run / "config.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return "stylegen"  # no config: the resume itself says what is wrong with the folder
    except (OSError, ValueError) as exc:
        raise CliError(f"cannot resume {run}: its config.json is unreadable ({exc})") from exc
    family = saved.get("family") if isinstance(saved, dict) else None
    if not isinstance(family, str):
        raise CliError(f"cannot resume {run}: its config.json names no family")
    return family


@command("train")
def cmd_train(args: argparse.Namespace) -> int:
    """Every family trains through its registered trainer (core.families): the shared loop, or a one-shot."""
    from ..core import families

    if args.family is None:  # a resume names only the run: its family is in its config.json
        args.family = _saved_family(Path(args.out)) if args.resume else "stylegen"
    spec = families.trainer(args.family)
    refuse_existing(args, args.export)  # before training, not after an hour of it
    if spec.standalone:
        if not args.data or not args.export:
            raise CliError(f"--family {args.family} needs --data DIR and --export FOLDER")
        named = {"model_id": args.id} if args.id else {}
        card = families.resolve(spec.standalone)(Path(args.data), Path(args.export), seed=args.seed,
                                                 command="gan-studio " + " ".join(sys.argv[1:]), **named)
        print(json.dumps(card.metrics))
        return 0
    return _run_training(args, spec.train_fn(), spec.export_fn())


def trainer_families() -> list[str]:
    """The families `train --family` accepts."""
    from ..core import families

    return [f.name for f in families.trainable()]


def _config(args: argparse.Namespace) -> Any:
    """The flags as a TrainConfig; with --base (a new run), the base model's architecture, size and channels."""
    from ..core.training.config import TrainConfig
    from ..core.training.runner import config_from_base

    try:
        arch = json.loads(args.arch)
    except json.JSONDecodeError as exc:
        raise CliError(f"--arch is not valid JSON: {exc}") from exc
    if not isinstance(arch, dict):
        raise CliError('--arch must be a JSON object, e.g. {"channel_base":1024}')
    cfg = TrainConfig(family=args.family, data=str(args.data or ""), out=args.out,
                      resolution=args.resolution or 64, channels=args.channels or 4, batch=args.batch,
                      kimg=args.kimg, minutes=args.minutes, seed=args.seed, augment=args.augment,
                      augment_p=args.augment_p, r1_gamma=args.r1_gamma, base=args.base,
                      threads=args.threads, checkpoint_every_s=args.checkpoint_every,
                      preview_every_s=args.preview_every, arch=arch, lr_g=args.lr, lr_d=args.lr,
                      freeze_d=args.freeze_d, precision=args.precision)
    own_fields, options = family_settings(args)
    cfg = replace(cfg, **own_fields, options=options)
    if not args.base or args.resume or args.continue_model:
        return cfg
    from ..core.library.registry import Library

    card = Library().card(args.base)
    based = config_from_base(cfg, card)
    for flag, given, took in (("--resolution", args.resolution, based.resolution),
                              ("--channels", args.channels, based.channels)):
        if given is not None and given != took:
            raise CliError(f"{flag} {given} does not fit the base model {card.id} ({flag} {took}); drop {flag}")
    print(f"from base {card.id}: {based.resolution} px, {based.channels} channels, architecture "
          f"{json.dumps(based.arch, sort_keys=True)}", file=sys.stderr)
    return based


def _run_training(args: argparse.Namespace, train_fn: Callable[..., Any], export_fn: Callable[..., Any]) -> int:
    """The flags as a TrainRequest for core.training.runner, which every family shares."""
    from ..core import families
    from ..core.training.runner import TrainRequest, run_training

    graft_keys = families.trainer(args.family).graft_keys if getattr(args, "refiner_from", None) else ()
    if getattr(args, "refiner_from", None) and (not graft_keys or not (args.resume or args.continue_model)):
        raise CliError("--refiner-from needs --resume and a family with a Stage II (text)")
    req = TrainRequest(config=_config(args), resume=args.resume, continue_model=args.continue_model,
                       refiner_from=args.refiner_from, graft_keys=graft_keys, nproc=args.nproc,
                       progress=args.progress, device=args.device, export=args.export, model_id=args.id,
                       name=args.name, description=args.description, license=args.license,
                       export_train_state=args.export_train_state, argv=tuple(sys.argv))
    return run_training(req, train_fn, export_fn)
