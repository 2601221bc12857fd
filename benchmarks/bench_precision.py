"""Inference precision on this machine: each explore model's frame in fp32 and bf16 (autocast), the PSNR between
them, and what the app chose (sessions/precision.py), at 1 thread and at all threads.

    .venv/bin/python benchmarks/bench_precision.py [--models stylegen-faces-64,...] [--random-256]
Also the training-step ratio of the few-shot family (bf16 vs fp32, one step of batch 8 at 128 px).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).parent))
from _machine import machine  # noqa: E402


def frame_ms(sess, precision: str, repeats: int = 15) -> tuple[float, float, torch.Tensor]:
    from gan_studio.core.device import autocast
    from gan_studio.core.sessions.requests import RenderRequest

    ws = sess.request_ws(RenderRequest(sess.model_id, seed=1, psi=0.7))
    times, out = [], None
    for _ in range(repeats + 2):
        t0 = time.perf_counter()
        with autocast(precision, sess.device), torch.inference_mode():
            out = sess.G.synthesize(ws, "const", 1.0, memory_format=sess.memory_format).float()
        times.append(time.perf_counter() - t0)
    times = sorted(times[2:])
    return times[len(times) // 2] * 1e3, times[int(0.95 * (len(times) - 1))] * 1e3, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", default="")
    ap.add_argument("--random-256", action="store_true", help="also a random-weight 256 px StyleGAN2")
    ap.add_argument("--training", action="store_true", help="also the few-shot training step")
    args = ap.parse_args()
    os.environ["GAN_STUDIO_HOME"] = tempfile.mkdtemp()  # measure afresh: no cached choice
    from gan_studio.core.library.registry import Library
    from gan_studio.core.sessions.generator import GeneratorSession

    lib = Library()
    ids = [m for m in args.models.split(",") if m] or [c.id for c in lib.cards() if "explore" in c.tasks]
    if args.random_256:
        from bench_explorer import make_random_256

        folder = Path(tempfile.mkdtemp())
        make_random_256(folder)
        lib = Library([*lib.roots, (folder, "user")])
        ids.append("random-256")
    print(f"machine: {machine()}")
    print(f"\n{'model':28s} {'threads':>7s} {'fp32 p50':>9s} {'bf16 p50':>9s} {'fp32 p95':>9s} {'bf16 p95':>9s} "
          f"{'ratio':>6s} {'PSNR dB':>8s} {'app picks':>9s}")
    for threads in sorted({1, os.cpu_count() or 1}):
        torch.set_num_threads(threads)
        for mid in ids:
            sess = GeneratorSession.open(mid, library=lib, device="cpu")
            a50, a95, a = frame_ms(sess, "fp32")
            b50, b95, b = frame_ms(sess, "bf16")
            mse = float((a - b).square().mean())
            psnr = 10 * math.log10(4 / mse) if mse else math.inf
            pick = sess.precision["precision"]
            print(f"{mid:28s} {threads:7d} {a50:8.1f}ms {b50:8.1f}ms {a95:8.1f}ms {b95:8.1f}ms {a50 / b50:5.2f}× "
                  f"{psnr:8.1f} {pick:>9s}")
    if args.training:
        training_ratio()


def training_ratio() -> None:
    import torch.nn.functional as F

    from gan_studio.core.device import autocast
    from gan_studio.core.nets.fewshot import FewShotConfig, FewShotDiscriminator, FewShotGenerator

    cfg = FewShotConfig(resolution=128)
    G, D = FewShotGenerator(cfg), FewShotDiscriminator(cfg)
    real = torch.rand(8, 4, 128, 128) * 2 - 1

    def step(precision: str) -> None:
        with autocast(precision, torch.device("cpu")):
            fake = G(torch.randn(8, cfg.z_dim))
            lr, recs = D(real, 0)
            lf, _ = D(fake.detach())
            loss = F.relu(1 - lr).mean() + F.relu(1 + lf).mean() + recs[0].float().abs().mean() - D(fake)[0].mean()
        loss.backward()

    print("\nfew-shot training step (G + D forward/backward, batch 8, 128 px):")
    for threads in sorted({1, os.cpu_count() or 1}):
        torch.set_num_threads(threads)
        res = {}
        for precision in ("fp32", "bf16"):
            step(precision)
            t0 = time.perf_counter()
            for _ in range(3):
                step(precision)
            res[precision] = (time.perf_counter() - t0) / 3
        print(f"  {threads} thread(s): fp32 {8 / res['fp32']:.1f} img/s, bf16 {8 / res['bf16']:.1f} img/s, "
              f"ratio {res['fp32'] / res['bf16']:.2f}×")


if __name__ == "__main__":
    main()
