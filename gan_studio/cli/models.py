"""info and models: recipes in PNGs and the model library."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from .common import CliError, add_overwrite, command, emit, refuse_existing


def add_parsers(sub: argparse._SubParsersAction) -> None:
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
    add_overwrite(mx)


@command("info")
def cmd_info(args: argparse.Namespace) -> int:
    from ..core.io.recipe import RecipeError, read_recipe

    try:
        recipe = read_recipe(Path(args.file))
    except RecipeError as exc:
        raise CliError(str(exc)) from exc
    emit(args, recipe, "\n".join(f"{k}: {_shown(k, v)}" for k, v in recipe.items()))
    return 0


def _shown(key: str, value: object) -> str:
    """A value as JSON, but the sketch pad's embedded drawing (base64 PNG) as its size; --json gives it whole."""
    if key == "drawing" and isinstance(value, str):
        return f"<PNG, {len(value) * 3 // 4} bytes>"
    return json.dumps(value)


@command("models")
def cmd_models(args: argparse.Namespace) -> int:
    from ..core.library.registry import Library

    lib = Library()
    if args.models_cmd == "import":
        from ..core.importers import import_checkpoint

        card = import_checkpoint(Path(args.file), name=args.name, library=lib)
        data = card.to_json() | {"source": "user", "folder": str(card.folder)}
        emit(args, data, f"imported {args.file} as {card.id} ({card.family}, {card.resolution}px, "
                         f"{card.training['import_format']}; tasks {','.join(card.tasks)})")
        return 0
    if args.models_cmd == "export":
        from ..core.exporters.model_export import export_model

        refuse_existing(args, args.out)
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
