"""A contact sheet for the colour judge: symbol | ours (one column per model) | real emoji, on white, one row
per file name, with each row's pooled ΔE and hue verdict printed per model.

    python scripts/colour_sheet.py --data data/starter/symbol2colour --split test --models symbol2colour-128 \
        --names 1f333 1f34a --out sheet.png
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

from gan_studio.core.data.images import load_folder
from gan_studio.core.metrics.colour_fidelity import pair_scores
from gan_studio.core.sessions.translator import TranslatorSession


def on_white(img: np.ndarray) -> Image.Image:
    a = img[..., 3:4].astype(np.float32) / 255
    return Image.fromarray((img[..., :3] * a + 255 * (1 - a)).astype(np.uint8))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--split", default="test", choices=["test", "train"])
    ap.add_argument("--models", nargs="+", required=True)
    ap.add_argument("--names", nargs="+", required=True, help="file stems present in both A and B")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    sessions = [TranslatorSession.open(m) for m in args.models]
    res = sessions[0].resolution
    fa = [args.data / f"{args.split}A" / f"{n}.png" for n in args.names]
    fb = [args.data / f"{args.split}B" / f"{n}.png" for n in args.names]
    a, _ = load_folder(args.data / f"{args.split}A", res, 4, files=fa)
    b, _ = load_folder(args.data / f"{args.split}B", res, 4, files=fb)
    outs = [np.stack([s.run(x, "AtoB") for x in a]) for s in sessions]
    cols = 2 + len(sessions)
    sheet = Image.new("RGB", (cols * res, len(a) * (res + 14)), "white")
    draw = ImageDraw.Draw(sheet)
    for i, name in enumerate(args.names):
        y = i * (res + 14)
        for j, img in enumerate([a[i]] + [o[i] for o in outs] + [b[i]]):
            sheet.paste(on_white(img), (j * res, y))
        draw.text((2, y + res), name, fill="black")
        for j, o in enumerate(outs):
            s = pair_scores(o[i:i + 1], b[i:i + 1])
            verdict = "hue ok" if s["hue_right"][0] else "hue wrong"
            draw.text(((j + 1) * res + 2, y + res), f"dE {s['pooled_de'][0]:.0f} {verdict}", fill="black")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(args.out)
    print(args.out)


if __name__ == "__main__":
    main()
