"""The DCGAN family's classic recipes side by side: same folder, resolution, seed and wall time on this CPU.

    .venv/bin/python benchmarks/bench_recipes.py [--data data/starter/faces/train]
        [--heldout data/starter/faces/heldout] [--resolution 64] [--minutes 5] [--batch 32] [--threads 1] [--seed 0]
        [--recipes dcgan,wgan,...] [--out runs/bench-recipes] [--sheets docs/recipes] [--json FILE]

Recipes run one after the other in this process (never two at once), each from the same seed for ``--minutes`` of wall
time with the paper's defaults as core/training/dcgan_recipes.py resolves them. Then each is judged: images/s
(generator images over the run's elapsed time, from its progress.jsonl), FD-emoji, SWD and sharpness of as many
samples as there are training images (seeds 0…, eval mode) against the held-out images, beside the real-vs-real
floor (training images vs held-out: the same counts, so FD's sample-size bias is the same on both sides), the
samples' diversity against the training images', and the stability rule below. A 16-sample sheet per recipe
(seeds 0–15) goes to ``--sheets``: look at them.

cgan needs classes: for a folder of the starter set the manifest's ``--label-field`` (default ``category``:
face = smileys, person = people's heads) labels each file by name, classes with fewer than ``MIN_CLASS`` images
are left out, and a copy of the folder with its labels.csv is written into the run folder.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

RECIPES: dict[str, tuple[dict[str, Any], str]] = {
    "dcgan": ({"loss": "nsgan"}, "Radford et al. 2016: non-saturating loss, Adam 2e-4 β 0.5, BN in both nets"),
    "wgan": ({"loss": "wgan"}, "Arjovsky et al. 2017: weight clipping 0.01, RMSprop 5e-5, 5 critic steps"),
    "wgan-gp": ({"loss": "wgan-gp"}, "Gulrajani et al. 2017: gradient penalty 10, Adam 1e-4 β (0, 0.9), 5 critic "
                "steps, layer norm in D"),
    "hinge": ({"loss": "hinge"}, "hinge loss on the DCGAN nets and optimiser"),
    # Attention at 16 px: at 32 px a step costs 4× (1 thread, batch 32: 8.8 img/s against 31.8, 36.0 without).
    "sagan": ({"loss": "hinge", "attention": 16, "spectral_norm": True}, "Zhang et al. 2019: hinge, attention at "
              "16 px, spectral norm in G and D, TTUR (G 1e-4, D 4e-4, β (0, 0.9))"),
    "biggan-tools": ({"loss": "hinge", "spectral_norm": True, "ortho_reg": 1e-4}, "Brock et al. 2019's tools: "
                     "hinge, spectral norm, orthogonal regularisation 1e-4, TTUR"),
    "cgan": ({"conditional": True}, "class-conditional DCGAN: conditional BN in G, projection in D, nsgan"),
}
MIN_CLASS = 16  # a class with fewer images is left out of the conditional run
TAIL = 0.2  # the stability rule looks at the last fifth of the progress records
D_WON = 0.05  # nsgan / hinge: a median loss_d below this means D separates perfectly (G gets no gradient)
RUNAWAY = 100.0  # |D(fake)| median above this: the critic's outputs ran away
COLLAPSED = 0.5  # samples' diversity below this fraction of the real images': collapsed
RULE = (f"stable = every logged loss finite, and over the last {TAIL:.0%} of progress records: D has not won "
        f"(nsgan/hinge median loss_d ≥ {D_WON}), D's outputs did not run away (median |D(fake)| < {RUNAWAY:g}), "
        f"and the samples did not collapse (diversity ≥ {COLLAPSED} × the training images')")


def labelled_copy(train: Path, manifest: Path, field: str, out: Path) -> tuple[Path, dict[str, int]]:
    """A copy of ``train`` with a labels.csv from the manifest's ``field`` (matched by file name)."""
    from gan_studio.core.data.check import iter_candidates

    label_of: dict[str, str] = {}
    for line in manifest.read_text(encoding="utf-8").splitlines():
        row = json.loads(line) if line.strip() else {}
        if row.get(field) is not None and row.get("domain", "colour") == "colour":
            label_of.setdefault(Path(row["file"]).name, str(row[field]))
    files = {p.name: p for p in iter_candidates(train) if p.name in label_of}
    counts = Counter(label_of[n] for n in files)
    keep = {c for c, k in counts.items() if k >= MIN_CLASS}
    if len(keep) < 2:
        raise ValueError(f"{manifest}: {field!r} gives fewer than two classes of ≥ {MIN_CLASS} images: {counts}")
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    rows = ["file,label"]
    for name, path in sorted(files.items()):
        if label_of[name] in keep:
            shutil.copyfile(path, out / name)
            rows.append(f"{name},{label_of[name]}")
    (out / "labels.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return out, {c: counts[c] for c in sorted(keep)}


def train(name: str, data: Path, run: Path, args: argparse.Namespace) -> dict[str, Any]:
    """Train one recipe for the wall-time budget; a divergence is a result, not a crash."""
    from gan_studio.core.training.config import TrainConfig
    from gan_studio.core.training.dcgan_trainer import train_dcgan

    shutil.rmtree(run, ignore_errors=True)
    cfg = TrainConfig(family="dcgan", data=str(data), out=str(run), resolution=args.resolution, channels=4,
                      batch=args.batch, minutes=args.minutes, seed=args.seed, threads=args.threads,
                      preview_every_s=60.0, checkpoint_every_s=1e9, options=dict(RECIPES[name][0]))
    load0, t0 = os.getloadavg()[0], time.monotonic()
    try:
        train_dcgan(cfg)
        error = None
    except FloatingPointError as exc:
        error = str(exc)
    return {"wall_s": round(time.monotonic() - t0, 1), "load_before": round(load0, 2),
            "load_after": round(os.getloadavg()[0], 2), "error": error}


def progress(run: Path) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    events = [json.loads(line) for line in (run / "progress.jsonl").read_text().splitlines() if line.strip()]
    return [e for e in events if e.get("event") == "progress"], next(
        (e for e in reversed(events) if e.get("event") in ("finished", "aborted")), {})


def samples(run: Path, n: int, class_share: list[float] | None, seed_offset: int = 0) -> np.ndarray:
    """``n`` samples (seeds ``seed_offset``…, eval mode as the explorer draws them) from the run's checkpoint;
    a conditional run draws its classes at the training shares (the sheet: classes in turn)."""
    import torch

    from gan_studio.core.io.images import to_uint8
    from gan_studio.core.nets.dcgan import DCGANConfig, DCGANGenerator
    from gan_studio.core.nets.stylegen import z_from_seed
    from gan_studio.core.training.checkpoint import latest_checkpoint, load_checkpoint

    st = load_checkpoint(latest_checkpoint(run))
    G = DCGANGenerator(DCGANConfig.from_dict(json.loads(st["arch"])))
    G.load_state_dict(st["G"])
    G.eval()
    k = G.cfg.num_classes
    out = []
    with torch.no_grad():
        for start in range(0, n, 64):
            seeds = range(seed_offset + start, seed_offset + min(n, start + 64))
            z = torch.cat([z_from_seed(s, G.cfg.z_dim) for s in seeds])
            y = None
            if k and class_share is not None:
                y = torch.from_numpy(np.random.RandomState(start).choice(k, len(z), p=class_share))
            elif k:
                y = torch.arange(len(z)) % k
            out.append(to_uint8(G(z, y)))
    return np.concatenate(out)


def diversity(images: np.ndarray) -> float:
    """Mean per-pixel standard deviation across images (RGB on white, 0–1), as jobs/diversity.py judges a grid."""
    return float((images[..., :3].astype(np.float32) / 255.0).std(axis=0).mean())


def _median(values: list[float]) -> float:
    return float(np.median(values)) if values else math.nan


def stability(events: list[dict[str, Any]], loss: str, error: str | None, div_ratio: float) -> tuple[bool, str]:
    """The rule in ``RULE``; the reason names the figure that broke it."""
    if error:
        return False, f"diverged ({error[:60]})"
    tail = events[-max(1, math.ceil(len(events) * TAIL)):]
    if any(not math.isfinite(v) for e in events for k, v in e.items() if k.startswith(("loss", "d_"))):
        return False, "non-finite loss"
    loss_d, d_fake = _median([e["loss_d"] for e in tail]), _median([abs(e["d_fake"]) for e in tail])
    if loss in ("nsgan", "hinge") and loss_d < D_WON:
        return False, f"D won (loss_d {loss_d:.3f})"
    if d_fake >= RUNAWAY:
        return False, f"D ran away (|D(fake)| {d_fake:.0f})"
    if div_ratio < COLLAPSED:
        return False, f"collapsed (diversity {div_ratio:.2f}× real)"
    return True, "yes"


def judge(name: str, run: Path, res: dict[str, Any], real: np.ndarray, seen: np.ndarray, n: int,
          class_share: list[float] | None, sheets: Path) -> dict[str, Any]:
    from gan_studio.core.io.images import grid, save_png
    from gan_studio.core.metrics.evaluate import compare
    from gan_studio.core.training.config import TrainConfig

    events, done = progress(run)
    steps, kimg = done.get("step", 0), done.get("kimg", 0.0)
    res.update(steps=steps, kimg=round(kimg, 2), elapsed_s=done.get("elapsed_s"),
               img_s=round(kimg * 1000 / done["elapsed_s"], 1) if done.get("elapsed_s") else None)
    tail = events[-max(1, math.ceil(len(events) * TAIL)):]
    res["loss_d_tail"] = round(_median([e["loss_d"] for e in tail]), 3)
    res["loss_g_tail"] = round(_median([e["loss_g"] for e in tail]), 3)
    res["d_real_tail"] = round(_median([e["d_real"] for e in tail]), 3)
    res["d_fake_tail"] = round(_median([e["d_fake"] for e in tail]), 3)
    if not (run / "checkpoints").is_dir():
        res["stable"], res["why"] = stability(events, "", res["error"] or "no checkpoint", 0.0)
        return res
    fake = samples(run, n, class_share)[..., :3]
    res.update({k: v for k, v in compare(real, fake).items() if k in ("swd_avg", "fd_emoji", "sharpness")})
    res["diversity"] = round(diversity(fake) / diversity(seen), 2)
    loss = TrainConfig.load(run).options.get("loss", "nsgan")
    res["stable"], res["why"] = stability(events, loss, res["error"], res["diversity"])
    sheet = samples(run, 16, None)[..., :3]
    save_png(grid(list(sheet), cols=8), sheets / f"{name}.png")
    return res


def table(rows: list[tuple[str, dict[str, Any]]], floor: dict[str, Any]) -> str:
    head = ("| recipe | G steps | img/s | FD-emoji | SWD avg | sharpness | diversity | loss_d / loss_g (last 20 %) "
            "| stable |\n|---|---|---|---|---|---|---|---|---|")
    lines = [head, f"| real-vs-real floor | | | {floor['fd_emoji']:.2f} | {floor['swd_avg']:.2f} | "
                   f"{floor['sharpness']:.3f} | {floor['diversity']:.2f} | | |"]
    for name, r in rows:
        if "fd_emoji" not in r:
            lines.append(f"| {name} | {r.get('steps', 0)} | {r.get('img_s') or '—'} | — | — | — | — | — | "
                         f"no: {r['why']} |")
            continue
        lines.append(f"| {name} | {r['steps']} | {r['img_s']} | {r['fd_emoji']:.2f} | {r['swd_avg']:.2f} | "
                     f"{r['sharpness']:.3f} | {r['diversity']:.2f} | {r['loss_d_tail']:.3f} / {r['loss_g_tail']:.3f} "
                     f"| {r['why']} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="data/starter/faces/train")
    ap.add_argument("--heldout", default="data/starter/faces/heldout")
    ap.add_argument("--manifest", default=None, help="cgan's labels (default: the starter's manifest.jsonl)")
    ap.add_argument("--label-field", default="category")
    ap.add_argument("--resolution", type=int, default=64)
    ap.add_argument("--minutes", type=float, default=5.0, help="wall time per recipe")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--seed", type=int, default=0, help="every recipe trains from this seed")
    ap.add_argument("--recipes", default=",".join(RECIPES))
    ap.add_argument("--out", default="runs/bench-recipes")
    ap.add_argument("--sheets", default="docs/recipes", help="where each recipe's 16-sample sheet goes")
    ap.add_argument("--json", default=None, help="write the results here")
    args = ap.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    from _machine import machine
    from gan_studio.core.data.images import load_folder
    from gan_studio.core.metrics.evaluate import compare

    names = args.recipes.split(",")
    unknown = [n for n in names if n not in RECIPES]
    if unknown:
        ap.error(f"unknown recipe(s) {', '.join(unknown)}; choose from {', '.join(RECIPES)}")
    out, sheets, data = Path(args.out), Path(args.sheets), Path(args.data)
    out.mkdir(parents=True, exist_ok=True)
    sheets.mkdir(parents=True, exist_ok=True)
    real, _ = load_folder(Path(args.heldout), args.resolution, 3)
    seen, _ = load_folder(data, args.resolution, 3)
    n = len(seen)
    floor = {**compare(real, seen), "diversity": 1.0}
    print(f"machine: {machine()}")
    print(f"{args.minutes:g} min each, batch {args.batch}, {args.threads} thread(s), {args.resolution} px, "
          f"seed {args.seed}; {n} samples (seeds 0…) vs {len(real)} held-out images; "
          f"floor = {n} training vs the held-out images")
    print(RULE, flush=True)
    rows: list[tuple[str, dict[str, Any]]] = []
    for name in names:
        folder, share = data, None
        res: dict[str, Any] = {"options": RECIPES[name][0], "paper": RECIPES[name][1]}
        if RECIPES[name][0].get("conditional"):
            manifest = Path(args.manifest) if args.manifest else data.parents[1] / "manifest.jsonl"
            folder, counts = labelled_copy(data, manifest, args.label_field, out / name / "data")
            total = sum(counts.values())
            share = [counts[c] / total for c in sorted(counts)]
            res["classes"] = counts
            print(f"cgan classes from {manifest.name} field {args.label_field!r}: {counts}", flush=True)
        res.update(train(name, folder, out / name / "run", args))
        res = judge(name, out / name / "run", res, real, seen, n, share, sheets)
        rows.append((name, res))
        print(f"{name}: {json.dumps({k: v for k, v in res.items() if k not in ('options', 'paper')})}", flush=True)
    print(f"\nmachine: {machine()}\n{RULE}\n")
    print(table(rows, floor))
    if args.json:
        Path(args.json).write_text(json.dumps({"machine": machine(), "args": vars(args), "rule": RULE,
                                               "floor": floor, "recipes": dict(rows)}, indent=2) + "\n")


if __name__ == "__main__":
    main()
