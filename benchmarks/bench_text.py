"""Text panel latency: prompt → a grid of seeds, as the worker renders it (TextSession), per model.

    .venv/bin/python benchmarks/bench_text.py [--model text-emoji-64] [--compare-root DIR] [--seeds 8]

``--compare-root`` adds a folder of model folders (e.g. an older ``text-emoji-64`` checked out from git) so two
versions are timed in the same run: the ratio is printed. Figures: the first prompt (sentence encoder load +
embedding + render), then p50/p95 over new prompts (embedding + render) and over repeated prompts (render
only: the encoder caches embeddings), and "Best matches first" (4× the seeds, ranked by the matcher).
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from _machine import machine
from gan_studio.core.device import tune_allocator
from gan_studio.core.library.registry import Library, bundled_dir
from gan_studio.core.sessions.cond_requests import TextRequest
from gan_studio.core.sessions.text import TextSession

PROMPTS = ("red heart", "smiling cat", "a tree", "old man with white hair", "kitty", "a blue fish", "a car",
           "pizza", "a flag", "sun with face", "rocket", "baby", "woman with red hair", "green apple", "snowman",
           "a dog")


def pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q * (len(xs) - 1))))]


def bench(session: TextSession, model_id: str, seeds: int) -> dict[str, float]:
    first = time.perf_counter()
    session.render(TextRequest(model_id, "a lighthouse", seeds=tuple(range(seeds))))
    first_ms = (time.perf_counter() - first) * 1e3
    new, again = [], []
    for p in PROMPTS:
        t0 = time.perf_counter()
        session.render(TextRequest(model_id, p, seeds=tuple(range(seeds)), variation=0.5))
        new.append((time.perf_counter() - t0) * 1e3)
    for p in PROMPTS:
        t0 = time.perf_counter()
        session.render(TextRequest(model_id, p, seeds=tuple(range(100, 100 + seeds)), variation=0.5))
        again.append((time.perf_counter() - t0) * 1e3)
    out = {"first_prompt_ms": first_ms, "new_prompt_p50_ms": statistics.median(new),
           "new_prompt_p95_ms": pct(new, 0.95), "cached_prompt_p50_ms": statistics.median(again),
           "cached_prompt_p95_ms": pct(again, 0.95)}
    if session.can_rank:
        ranked = []
        for p in PROMPTS[:6]:
            t0 = time.perf_counter()
            session.render_ranked(TextRequest(model_id, p, seeds=tuple(range(seeds)), variation=0.5), 4)
            ranked.append((time.perf_counter() - t0) * 1e3)
        out["best_of_4_p50_ms"] = statistics.median(ranked)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="text-emoji-64")
    ap.add_argument("--compare-root", type=Path, help="another folder of model folders; its --model is timed too")
    ap.add_argument("--seeds", type=int, default=8)
    args = ap.parse_args()
    tune_allocator()
    print(f"machine: {machine()}")
    runs = [("bundled", Library([(bundled_dir(), "bundled")]))]
    if args.compare_root:
        runs.append((str(args.compare_root), Library([(args.compare_root, "user")])))
    results = {}
    for label, lib in runs:
        session = TextSession.open(args.model, library=lib, device="cpu")
        results[label] = bench(session, args.model, args.seeds)
        print(f"\n{args.model} from {label} ({session.resolution} px, {args.seeds} seeds per prompt)")
        for k, v in results[label].items():
            print(f"  {k:24s} {v:9.1f}")
    if len(results) == 2:
        (a, ra), (b, rb) = results.items()
        print(f"\nratio {a} / {b} (cached prompt p50): {ra['cached_prompt_p50_ms'] / rb['cached_prompt_p50_ms']:.2f}")


if __name__ == "__main__":
    main()
