"""Generator throughput and achieved GFLOP/s beside a matmul/conv ceiling measured in the same run.

    .venv/bin/python benchmarks/bench_generator.py [--model stylegen-faces-64] [--batch 16]

Then, per synthesis block at batch 1, where the time goes: the small early blocks cannot fill two cores,
which is why a single image stays far below the ceiling while a batch gets close.
"""

from __future__ import annotations

import argparse
import time

import torch
import torch.nn.functional as F

from _machine import machine
from gan_studio.core.device import tune_allocator
from gan_studio.core.library.registry import Library
from gan_studio.core.nets.stylegen import Generator, StyleGenConfig, generator_flops


def timeit(fn, min_s: float = 2.0) -> float:
    fn()
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < min_s:
        fn()
        n += 1
    return (time.perf_counter() - t0) / n


CONV_KEY = "conv3x3 fp32 (best shape, channels_last)"
# Channels × size of the probe convs: a generator's blocks span these; the ceiling is the best of them, so no
# generator can report more than 100 % of it (one 64-channel probe was beaten by 512-channel blocks: 140–300 %).
SHAPES = ((64, 32), (128, 32), (256, 16), (512, 8), (512, 16))


def ceilings(min_s: float = 1.0) -> dict[str, float]:
    a, b = torch.randn(1024, 1024), torch.randn(1024, 1024)
    mm = 2 * 1024**3 / timeit(lambda: a @ b, min_s) / 1e9
    best32 = best16 = 0.0
    for c, s in SHAPES:
        x = torch.randn(16, c, s, s).contiguous(memory_format=torch.channels_last)
        w = torch.randn(c, c, 3, 3).contiguous(memory_format=torch.channels_last)
        flops = 2 * 16 * c * c * 9 * s * s
        best32 = max(best32, flops / timeit(lambda x=x, w=w: F.conv2d(x, w, padding=1), min_s) / 1e9)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            best16 = max(best16, flops / timeit(lambda x=x, w=w: F.conv2d(x, w, padding=1), min_s) / 1e9)
    return {"matmul fp32": mm, CONV_KEY: best32, "conv3x3 bf16 (best shape)": best16}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default="stylegen-faces-64")
    ap.add_argument("--batch", type=int, default=16)
    args = ap.parse_args()
    tune_allocator()
    print(f"machine: {machine()}")
    ceil = ceilings()
    for k, v in ceil.items():
        print(f"ceiling  {k:40s} {v:8.1f} GFLOP/s")
    lib = Library()
    nets = {}
    if args.model in lib.ids():
        nets[args.model] = lib.load(args.model)
    nets["stylegan2-256px-random (config-e-like, 16k base)"] = Generator(
        StyleGenConfig(resolution=256, img_channels=3, z_dim=512, w_dim=512, mapping_layers=8,
                       channel_base=16384, channel_max=512)).eval()
    print(f"\n{'generator':52s} {'batch':>5s} {'GFLOP/img':>9s} {'ms/img':>8s} {'img/s':>8s} "
          f"{'GFLOP/s':>8s} {'% conv ceiling':>14s}")
    for name, G in nets.items():
        flops = generator_flops(G.cfg)
        for batch in (1, args.batch):
            z = torch.randn(batch, G.cfg.z_dim)
            with torch.inference_mode():
                dt = timeit(lambda G=G, z=z: G.synthesize(G.map(z), "const", memory_format=torch.channels_last))
            gflops = flops * batch / dt / 1e9
            print(f"{name:52s} {batch:5d} {flops / 1e9:9.3f} {dt / batch * 1000:8.2f} {batch / dt:8.1f} "
                  f"{gflops:8.1f} {100 * gflops / ceil[CONV_KEY]:13.0f}%")
    ceiling = ceil[CONV_KEY]
    threads = torch.get_num_threads()
    for name, G in nets.items():
        print(f"\n{name}: per block at batch 1 (mapping and blocks timed one by one), {threads} threads vs 1")
        print(f"  {'block':10s} {'MFLOP':>8s} {'ms':>7s} {'share':>6s} {'GFLOP/s':>8s} {'% ceiling':>9s} "
              f"{'ms, 1 thread':>12s}")
        rows = block_profile(G)
        torch.set_num_threads(1)
        single = block_profile(G)
        torch.set_num_threads(threads)
        for (block, mflop, ms, share), one in zip(rows, single, strict=True):
            gfs = mflop / ms if ms else 0.0
            print(f"  {block:10s} {mflop:8.1f} {ms:7.2f} {share:5.0f}% {gfs:8.1f} {100 * gfs / ceiling:8.0f}% "
                  f"{one[2]:12.2f}")


def block_mflop(cfg: StyleGenConfig, res: int) -> float:
    c = cfg.channels(res)
    flops = 2 * c * cfg.img_channels * res * res + 2 * 9 * c * c * res * res
    if res > 4:
        flops += 2 * 9 * cfg.channels(res // 2) * c * (res // 2) ** 2
    return flops / 1e6


def block_profile(G: Generator, min_s: float = 1.0) -> list[tuple[str, float, float, float]]:
    """(block, MFLOP, ms, share of the frame) for one image: each block run alone on its real input."""
    from gan_studio.core.nets.stylegen import SynthesisBlock

    cfg = G.cfg
    mf = torch.channels_last
    rows = []
    with torch.inference_mode():
        z = torch.randn(1, cfg.z_dim)
        ms_map = timeit(lambda: G.map(z), min_s) * 1000
        rows.append(("mapping", 2 * (cfg.z_dim * cfg.w_dim + (cfg.mapping_layers - 1) * cfg.w_dim ** 2) / 1e6,
                     ms_map))
        ws = G.map(z)
        x = img = None
        w_idx = 0
        for res in G.synthesis.block_resolutions:
            block: SynthesisBlock = getattr(G.synthesis, f"b{res}")
            n = block.num_conv + 1
            w = ws[:, w_idx:w_idx + n]
            args = (x, img, w, "const", 1.0, torch.float32, mf)
            dt = timeit(lambda b=block, a=args: b(*a), min_s)
            rows.append((f"b{res}", block_mflop(cfg, res), dt * 1000))
            x, img = block(*args)
            w_idx += block.num_conv
    total = sum(r[2] for r in rows)
    return [(name, mflop, ms, 100 * ms / total) for name, mflop, ms in rows]


if __name__ == "__main__":
    main()
