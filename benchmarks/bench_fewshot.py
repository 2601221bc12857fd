"""Few-shot fine-tuning compared at equal wall time on folders none of our models saw.

    .venv/bin/python benchmarks/bench_fewshot.py --data DIR [--data DIR2] [--minutes 30] [--resolution 64]
        [--only stylegen,fewshot,lucidrains] [--threads 1] [--out runs/bench-fewshot]

Each folder is split by file-name hash into training images (85 %) and held-out images (15 %). Each
candidate trains on the training images for ``--minutes`` of wall time, one after the other (never two at
once), then 500 samples (seeds 0…, ψ 1) are judged against the held-out images: SWD, FD-emoji and sharpness,
beside the real-vs-real floor (training images vs held-out). Candidates:
- ``stylegen``: our StyleGen fine-tuned from the explorer's starter (`--base stylegen-faces-64`, ADA);
- ``fewshot``: the few-shot family from scratch (bf16 where measured faster);
- ``lucidrains``: stylegan2-pytorch 1.9.0 from scratch, the outside reference (benchmarks/bench_training.py's
  worker, 64 px only).
A contact sheet of each candidate's first 32 samples is written to OUT/<folder>-<candidate>.png: look at them.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def split(src: Path, out: Path) -> tuple[Path, Path]:
    """Training and held-out copies of an image folder, split by a hash of each name (stable)."""
    from gan_studio.core.data.images import iter_candidates

    train, held = out / "train", out / "heldout"
    for d in (train, held):
        shutil.rmtree(d, ignore_errors=True)
        d.mkdir(parents=True)
    for i, path in enumerate(sorted(iter_candidates(src))):
        h = int(hashlib.sha1(path.name.encode()).hexdigest(), 16) % 100
        shutil.copy(path, (held if h < 15 else train) / f"{i:05d}{path.suffix.lower()}")
    return train, held


def train_cli(family: str, data: Path, run: Path, args: argparse.Namespace) -> dict:
    cmd = [sys.executable, "-m", "gan_studio", "train", "--family", family, "--data", str(data), "--out", str(run),
           "--resolution", str(args.resolution), "--minutes", str(args.minutes), "--threads", str(args.threads),
           "--preview-every", "1e9", "--export", str(run / "model"), "--id", f"bench-{family}", "--overwrite"]
    if family == "stylegen":
        cmd += ["--base", "stylegen-faces-64", "--batch", "16", "--augment-p", "0.2"]
    else:
        cmd += ["--batch", "8", "--augment-p", "0.3"]
    t0 = time.monotonic()
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        return {"error": (res.stderr.strip().splitlines() or ["failed"])[-1]}
    progress = [json.loads(line) for line in (run / "progress.jsonl").read_text().splitlines() if line.strip()]
    last = progress[-1]
    return {"kimg": last.get("kimg"), "wall_s": round(time.monotonic() - t0, 1), "model": run / "model"}


def samples_of(model_dir: Path, n: int = 500) -> np.ndarray:
    from gan_studio.core.library.registry import Library
    from gan_studio.core.metrics.evaluate import generate_images

    lib = Library([(model_dir.parent, "user")])
    card = next(c for c in lib.cards())
    return generate_images(card.id, n, 1.0, lib)


def lucid_samples(train: Path, args: argparse.Namespace, out: Path) -> dict:
    from bench_training import ensure_lucid

    ensure_lucid()
    npy = out / "lucid.npy"
    cmd = [sys.executable, str(HERE / "bench_training.py"), "--worker", "lucidrains", "--data", str(train),
           "--seconds", "0", "--batch", "16", "--threads", str(args.threads), "--quality-minutes", str(args.minutes),
           "--samples", str(npy)]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        return {"error": (res.stderr.strip().splitlines() or ["failed"])[-1]}
    r = json.loads(res.stdout.strip().splitlines()[-1])
    return {"kimg": round(r["steps"] * r["batch"] / 1000, 2), "samples": np.load(npy)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", action="append", required=True)
    ap.add_argument("--minutes", type=float, default=30.0)
    ap.add_argument("--resolution", type=int, default=64)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--only", default="stylegen,fewshot,lucidrains")
    ap.add_argument("--out", default="runs/bench-fewshot")
    args = ap.parse_args()
    from _machine import machine
    from gan_studio.core.data.images import load_folder
    from gan_studio.core.io.images import grid, save_png
    from gan_studio.core.metrics.evaluate import compare

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    print(f"machine: {machine()}")
    print(f"{args.minutes:g} min each, {args.threads} thread(s), {args.resolution} px; judged on held-out images")
    for folder in args.data:
        name = Path(folder).name
        train, held = split(Path(folder), out / name)
        real, _ = load_folder(held, args.resolution, 3)
        seen, _ = load_folder(train, args.resolution, 3)
        floor = compare(real, seen)
        print(f"\n{name}: {len(seen)} training, {len(real)} held-out images")
        print(f"{'candidate':34s} {'kimg':>6s} {'SWD avg':>8s} {'FD-emoji':>9s} {'sharpness':>9s}")
        print(f"{'real-vs-real floor':34s} {'':>6s} {floor['swd_avg']:8.2f} {floor['fd_emoji']:9.2f} "
              f"{floor['sharpness']:9.2f}")
        for cand in args.only.split(","):
            if cand == "lucidrains":
                if args.resolution != 64:
                    continue
                r = lucid_samples(train, args, out / name)
                label = "lucidrains stylegan2-pytorch (scratch)"
            else:
                r = train_cli(cand, train, out / name / cand, args)
                label = {"stylegen": "stylegen (from stylegen-faces-64)", "fewshot": "fewshot (scratch)"}[cand]
                if "error" not in r:
                    r["samples"] = samples_of(r["model"])
            if "error" in r:
                print(f"{label:34s} failed: {r['error']}")
                continue
            fake = r["samples"][..., :3]
            m = compare(real, fake)
            save_png(grid(list(r["samples"][:32]), cols=8), out / f"{name}-{cand}.png")
            print(f"{label:34s} {r['kimg'] or 0:6.2f} {m['swd_avg']:8.2f} {m['fd_emoji']:9.2f} {m['sharpness']:9.2f}",
                  flush=True)


if __name__ == "__main__":
    main()
