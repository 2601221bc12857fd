"""Bring models exported by scripts/train_starters_gpu.sh (fp16 for transport) into models/ as fp32.

    python scripts/import_gpu_exports.py EXPORT_DIR MODEL_ID [--description TEXT] [--command TEXT]

Weights are cast back to fp32 (the fp16 rounding is the only change), the card's sha256s are recomputed
and the previews/progress log stay beside the card in runs/ for the record.
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from safetensors.torch import load_file, save_file

from gan_studio.core.library.cards import sha256_file


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("export_dir", type=Path)
    ap.add_argument("model_id")
    ap.add_argument("--description", default="")
    ap.add_argument("--command", default="")
    ap.add_argument("--models", type=Path, default=Path("models"))
    args = ap.parse_args()
    src = args.export_dir / args.model_id
    dst = args.models / args.model_id
    if dst.exists():
        shutil.rmtree(dst)
    dst.mkdir(parents=True)
    card = json.loads((src / "card.json").read_text(encoding="utf-8"))
    for f in card["files"]:
        state = {k: (v.float() if v.is_floating_point() else v) for k, v in load_file(str(src / f["path"])).items()}
        save_file(state, str(dst / f["path"]))
        f["sha256"] = sha256_file(dst / f["path"])
    if args.description:
        card["description"] = args.description
    if args.command:
        card.setdefault("training", {})["command"] = args.command
    card["training"]["transport"] = "trained on a GPU box, shipped as fp16, cast back to fp32"
    (dst / "card.json").write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{args.model_id}: {sum((dst / f['path']).stat().st_size for f in card['files']) / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
