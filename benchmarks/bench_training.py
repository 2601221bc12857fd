"""Training throughput (and quality at equal wall time): our StyleGen trainer vs lucidrains
`stylegan2-pytorch` 1.9.0 vs a PyTorch-tutorial DCGAN, at 64 px on the same images with the same threads.

    .venv/bin/python benchmarks/bench_training.py --data data/starter/faces/train [--seconds 150]
        [--quality-minutes 5] [--batch 32] [--threads 2]

Each trainer runs in its own process, one after the other (never two at once on this machine). lucidrains
is installed with `pip --target` into runs/bench-env/lucidrains, never into the app's environment, and run
through a launcher that sends its hard-coded CUDA calls to the CPU (as shipped it asserts an NVIDIA GPU and
imports `aim`, which we replace with an empty module). Its periodic sample grids and checkpoints are pushed
out of the measured window. images/s counts from the end of the first (warm-up) step.
With --quality-minutes M each trainer also trains M minutes of wall time and the EMA generator's 500
samples are scored with SWD and FD-emoji against the same folder.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
LUCID_DIR = HERE.parent / "runs" / "bench-env" / "lucidrains"
LUCID_PKGS = [
    "stylegan2-pytorch==1.9.0",
    "einops",
    "contrastive_learner",
    "kornia",
    "kornia_rs",
    "fire",
    "retry",
    "vector-quantize-pytorch==0.1.0",
    "decorator",
    "py",
    "termcolor",
    "tqdm",
]
# Ours at the shipped starter's size (4.5 M parameters in G); lucidrains' default capacity at 64 px.
OUR_ARCH = {"channel_base": 4096, "channel_max": 256, "d_channel_base": 4096, "d_channel_max": 256}
SAMPLES = 500


def params(m) -> float:
    return sum(p.numel() for p in m.parameters()) / 1e6


# -- workers (each in its own process) ---------------------------------------------------------------------
def worker_ours(args: argparse.Namespace) -> dict:
    import torch

    from gan_studio.core.device import tune_allocator
    from gan_studio.core.training.config import TrainConfig
    from gan_studio.core.training.stylegen_trainer import StyleGenTrainer

    tune_allocator()
    torch.set_num_threads(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        cfg = TrainConfig(
            family="stylegen",
            data=args.data,
            out=tmp,
            resolution=64,
            channels=3,
            batch=args.batch,
            arch=OUR_ARCH,
            threads=args.threads,
            seed=1,
        )
        t = StyleGenTrainer(cfg)
        t.load_data()
        losses, timeline = run_for(lambda: t.train_step(), args)
        out = {
            "name": "GAN Studio StyleGen",
            "params_G_M": params(t.G),
            "params_D_M": params(t.D),
            "batch": args.batch,
            **timeline,
            "losses": losses,
        }
        if args.quality_minutes:
            with torch.inference_mode():
                z = torch.randn(SAMPLES, t.net_cfg.z_dim, generator=torch.Generator().manual_seed(0))
                imgs = torch.cat(
                    [t.G_ema.synthesize(t.G_ema.map(z[i : i + 50]), "const") for i in range(0, SAMPLES, 50)]
                )
            np.save(args.samples, to_uint8(imgs))
    return out


def tutorial_dcgan(nz: int = 100, ngf: int = 64, ndf: int = 64):
    """The PyTorch DCGAN tutorial's 64 px networks (BatchNorm, transposed convs, BCE), as a floor."""
    import torch.nn as nn

    G = nn.Sequential(
        nn.ConvTranspose2d(nz, ngf * 8, 4, 1, 0, bias=False),
        nn.BatchNorm2d(ngf * 8),
        nn.ReLU(True),
        nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False),
        nn.BatchNorm2d(ngf * 4),
        nn.ReLU(True),
        nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False),
        nn.BatchNorm2d(ngf * 2),
        nn.ReLU(True),
        nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False),
        nn.BatchNorm2d(ngf),
        nn.ReLU(True),
        nn.ConvTranspose2d(ngf, 3, 4, 2, 1, bias=False),
        nn.Tanh(),
    )
    D = nn.Sequential(
        nn.Conv2d(3, ndf, 4, 2, 1, bias=False),
        nn.LeakyReLU(0.2, True),
        nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False),
        nn.BatchNorm2d(ndf * 2),
        nn.LeakyReLU(0.2, True),
        nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False),
        nn.BatchNorm2d(ndf * 4),
        nn.LeakyReLU(0.2, True),
        nn.Conv2d(ndf * 4, ndf * 8, 4, 2, 1, bias=False),
        nn.BatchNorm2d(ndf * 8),
        nn.LeakyReLU(0.2, True),
        nn.Conv2d(ndf * 8, 1, 4, 1, 0, bias=False),
    )
    return G, D


def worker_dcgan(args: argparse.Namespace) -> dict:
    import torch
    import torch.nn.functional as F

    from gan_studio.core.data.images import load_folder

    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    arr, _ = load_folder(Path(args.data), 64, 3)
    data = torch.from_numpy(arr).permute(0, 3, 1, 2).float() / 127.5 - 1
    G, D = tutorial_dcgan()
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    n = args.batch

    def step() -> dict[str, float]:
        real = data[torch.randint(len(data), (n,))]
        fake = G(torch.randn(n, 100, 1, 1))
        loss_d = F.binary_cross_entropy_with_logits(
            D(real).flatten(), torch.ones(n)
        ) + F.binary_cross_entropy_with_logits(D(fake.detach()).flatten(), torch.zeros(n))
        opt_d.zero_grad()
        loss_d.backward()
        opt_d.step()
        loss_g = F.binary_cross_entropy_with_logits(D(fake).flatten(), torch.ones(n))
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
        return {"loss_d": loss_d.item(), "loss_g": loss_g.item()}

    losses, timeline = run_for(step, args)
    out = {
        "name": "PyTorch-tutorial DCGAN",
        "params_G_M": params(G),
        "params_D_M": params(D),
        "batch": n,
        **timeline,
        "losses": losses,
    }
    if args.quality_minutes:
        G.eval()
        with torch.inference_mode():
            imgs = G(torch.randn(SAMPLES, 100, 1, 1, generator=torch.Generator().manual_seed(0)))
        np.save(args.samples, to_uint8(imgs))
    return out


def cpu_launcher_patches() -> None:
    """Send lucidrains' hard-coded CUDA calls to the CPU (outside its package; it is not changed)."""
    import torch

    torch.cuda.is_available = lambda: True
    torch.Tensor.cuda = lambda self, *a, **k: self
    torch.nn.Module.cuda = lambda self, *a, **k: self
    torch.cuda.empty_cache = lambda: None
    if hasattr(torch, "accelerator"):
        torch.accelerator.is_available = lambda: False
    sys.modules["aim"] = types.ModuleType("aim")  # imported unconditionally, used only with log=True


def worker_lucid(args: argparse.Namespace) -> dict:
    sys.path.insert(0, str(LUCID_DIR))
    cpu_launcher_patches()
    import torch
    import torch.utils.data as tud

    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    orig_loader = tud.DataLoader

    def loader(*a, **k):  # no pinned memory (needs CUDA); data on the same threads as ours (no workers)
        k["pin_memory"], k["num_workers"] = False, 0
        return orig_loader(*a, **k)

    from stylegan2_pytorch import stylegan2_pytorch as sg

    sg.data.DataLoader = loader
    folder = prepare_rgb_folder(Path(args.data))
    with tempfile.TemporaryDirectory() as tmp:
        tr = sg.Trainer(
            name="bench",
            base_dir=tmp,
            image_size=64,
            network_capacity=16,
            batch_size=args.batch,
            gradient_accumulate_every=1,
            save_every=10**9,
            evaluate_every=10**9,
            num_workers=0,
        )
        tr.set_data_src(str(folder))
        tr.init_GAN()
        sg_eval = tr.evaluate
        tr.evaluate = lambda *a, **k: None  # its sample grids every 100 steps: not training work

        def step() -> dict[str, float]:
            tr.train()
            return {"loss_d": float(tr.d_loss), "loss_g": float(tr.g_loss)}

        losses, timeline = run_for(step, args)
        tr.evaluate = sg_eval
        out = {
            "name": "lucidrains stylegan2-pytorch 1.9.0",
            "params_G_M": params(tr.GAN.G),
            "params_D_M": params(tr.GAN.D),
            "batch": args.batch,
            **timeline,
            "losses": losses,
        }
        if args.quality_minutes:
            G, S = tr.GAN.GE, tr.GAN.SE
            G.eval()
            with torch.inference_mode():
                gen = torch.Generator().manual_seed(0)
                chunks = []
                for _ in range(0, SAMPLES, 50):
                    z = torch.randn(50, G.latent_dim, generator=gen)
                    w = S(z)[:, None, :].expand(-1, G.num_layers, -1)
                    noise = torch.rand(50, 64, 64, 1, generator=gen)
                    chunks.append(G(w, noise).clamp(0, 1) * 2 - 1)
            np.save(args.samples, to_uint8(torch.cat(chunks)))
    return out


def prepare_rgb_folder(src: Path) -> Path:
    """lucidrains reads image files itself: give it the same images, composited on white like ours."""
    from PIL import Image

    from gan_studio.core.data.images import load_folder

    arr, _ = load_folder(src, 64, 3)
    dst = Path(tempfile.mkdtemp(prefix="bench-lucid-data-"))
    for i, a in enumerate(arr):
        Image.fromarray(a).save(dst / f"{i:05d}.png")
    return dst


def to_uint8(x) -> np.ndarray:
    return ((x.float().clamp(-1, 1) + 1) * 127.5).round().byte().permute(0, 2, 3, 1).numpy()


def run_for(step, args: argparse.Namespace) -> tuple[dict, dict]:
    """Warm-up step, a step whose FLOPs are counted (forward + backward, G and D; FlopCounterMode cannot
    follow the double backward of R1 / gradient penalties, so it is a step without them: step 1 for both
    StyleGAN2s), then steps for --seconds (or --quality-minutes): images/s over that window."""
    from torch.utils.flop_counter import FlopCounterMode

    first = step()
    with FlopCounterMode(display=False) as fc:
        step()
    t0, n, last = time.perf_counter(), 0, first
    budget = args.quality_minutes * 60 if args.quality_minutes else args.seconds
    while time.perf_counter() - t0 < budget:
        last = step()
        n += 1
    dt = time.perf_counter() - t0
    return (
        {"first": first, "last": last},
        {
            "steps": n,
            "seconds": round(dt, 1),
            "images_per_s": n * args.batch / dt,
            "flops_per_step": fc.get_total_flops(),
        },
    )


WORKERS = {"ours": worker_ours, "lucidrains": worker_lucid, "dcgan": worker_dcgan}


# -- driver ----------------------------------------------------------------------------------------------
def ensure_lucid() -> None:
    if (LUCID_DIR / "stylegan2_pytorch").is_dir():
        return
    print(f"installing lucidrains stylegan2-pytorch into {LUCID_DIR} (benchmark only)", flush=True)
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(LUCID_DIR), *LUCID_PKGS], check=True
    )


def run_worker(name: str, args: argparse.Namespace, samples: Path) -> dict:
    cmd = [
        sys.executable,
        __file__,
        "--worker",
        name,
        "--data",
        args.data,
        "--seconds",
        str(args.seconds),
        "--batch",
        str(args.batch),
        "--threads",
        str(args.threads),
        "--quality-minutes",
        str(args.quality_minutes),
        "--samples",
        str(samples),
    ]
    res = subprocess.run(cmd, capture_output=True, text=True)
    if res.returncode != 0:
        return {"name": name, "error": res.stderr.strip().splitlines()[-1] if res.stderr.strip() else "failed"}
    return json.loads(res.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="data/starter/faces/train")
    ap.add_argument("--seconds", type=float, default=150.0)
    ap.add_argument("--quality-minutes", type=float, default=0.0)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--only", default="ours,lucidrains,dcgan")
    ap.add_argument("--worker", choices=sorted(WORKERS))
    ap.add_argument("--samples", default="")
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(WORKERS[args.worker](args)))
        return
    sys.path.insert(0, str(HERE))
    import torch
    from bench_generator import CONV_KEY, ceilings

    from _machine import machine

    torch.set_num_threads(args.threads)
    names = args.only.split(",")
    if "lucidrains" in names:
        ensure_lucid()
    print(f"machine: {machine()}")
    conv = ceilings()[CONV_KEY]
    print(f"conv ceiling ({CONV_KEY}, same run): {conv:.1f} GFLOP/s")
    tmp = Path(tempfile.mkdtemp(prefix="bench-train-"))
    results = {n: run_worker(n, args, tmp / f"{n}.npy") for n in names}
    window = f"{args.quality_minutes:g} min" if args.quality_minutes else f"{args.seconds:g} s"
    print(f"\n64 px, batch {args.batch}, {args.threads} threads, {window} after one warm-up step, {args.data}")
    print(
        f"{'trainer':38s} {'G M':>5s} {'D M':>5s} {'GFLOP/img':>9s} {'steps':>5s} {'img/s':>7s} {'ratio':>7s} "
        f"{'GFLOP/s':>7s} {'% conv':>6s} {'loss D first→last':>18s} {'loss G first→last':>18s}"
    )
    ours = results.get("ours", {}).get("images_per_s")
    for r in results.values():
        if "error" in r:
            print(f"{r['name']:38s} failed: {r['error']}")
            continue
        ratio = f"{ours / r['images_per_s']:6.1f}×" if ours else "-"
        f, last = r["losses"]["first"], r["losses"]["last"]
        per_img = r["flops_per_step"] / r["batch"] / 1e9
        gflops = per_img * r["images_per_s"]
        print(
            f"{r['name']:38s} {r['params_G_M']:5.2f} {r['params_D_M']:5.2f} {per_img:9.2f} {r['steps']:5d} "
            f"{r['images_per_s']:7.2f} {ratio:>7s} {gflops:7.1f} {100 * gflops / conv:5.0f}% "
            f"{f['loss_d']:8.2f}→{last['loss_d']:<8.2f} "
            f"{f['loss_g']:8.2f}→{last['loss_g']:<8.2f}"
        )
    print(
        "ratio = ours images/s ÷ that trainer's; GFLOP/img = one training step's counted FLOPs (forward and "
        "backward of G and D, without the lazy regularizers) per image; % conv = of the conv ceiling above"
    )
    if args.quality_minutes:
        from gan_studio.core.data.images import load_folder
        from gan_studio.core.metrics.evaluate import compare

        real, _ = load_folder(Path(args.data), 64, 3)
        print(f"\nquality after {args.quality_minutes:g} min of wall time each (500 samples vs {len(real)} real)")
        print(f"{'trainer':38s} {'kimg':>6s} {'SWD avg':>8s} {'FD-emoji':>9s}")
        for n, r in results.items():
            path = tmp / f"{n}.npy"
            if "error" in r or not path.is_file():
                continue
            m = compare(real, np.load(path))
            print(f"{r['name']:38s} {r['steps'] * r['batch'] / 1000:6.2f} {m['swd_avg']:8.2f} {m['fd_emoji']:9.2f}")


if __name__ == "__main__":
    main()
