"""Inference precision per model and machine: bf16 only where it is measured faster here and its images stay
within 40 dB PSNR of fp32's.

The machine test (core.device.choose_precision) says whether bf16 can pay off on this CPU at all; this one renders
a model's own images both ways (a few frames, once per model and machine, cached) because the gain depends on the
net: small 64 px nets are dominated by overheads bf16 does not remove. ``GAN_STUDIO_PRECISION`` = fp32 | bf16
forces a choice (auto: measure).
"""

from __future__ import annotations

import json
import math
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

from ..device import autocast, choose_precision, cpu_name

MIN_PSNR_DB = 40.0
MIN_SPEEDUP = 1.1


def _cache() -> Path:
    from ..library.registry import home_dir

    return home_dir() / "cache" / "precision.json"


def measure_model(render: Callable[[], torch.Tensor], device: torch.device, repeats: int = 5) -> dict[str, float]:
    """Median time of ``render`` (returns an image in [−1, 1]) in fp32 and bf16, and bf16's PSNR against fp32."""
    def timed(precision: str) -> tuple[float, torch.Tensor]:
        times, out = [], None
        for _ in range(repeats + 1):
            t0 = time.perf_counter()
            with autocast(precision, device), torch.inference_mode():
                out = render().float()
            times.append(time.perf_counter() - t0)
        times = sorted(times[1:])  # the first run warms caches
        assert out is not None
        return times[len(times) // 2], out

    t32, a = timed("fp32")
    t16, b = timed("bf16")
    mse = float((a - b).square().mean())
    psnr = 10 * math.log10(4.0 / mse) if mse > 0 else 200.0  # images span [−1, 1]: peak-to-peak 2
    return {"fp32_ms": round(t32 * 1e3, 2), "bf16_ms": round(t16 * 1e3, 2), "speedup": round(t32 / t16, 3),
            "psnr_db": round(min(psnr, 200.0), 1)}


def session_precision(model_sha: str, render: Callable[[], torch.Tensor], device: torch.device) -> dict[str, Any]:
    """The precision a session renders in, with the figures it was chosen by (cached per model and machine)."""
    forced = os.environ.get("GAN_STUDIO_PRECISION", "auto")
    if forced in ("fp32", "bf16"):
        return {"precision": forced, "reason": "GAN_STUDIO_PRECISION"}
    cache = _cache()
    if choose_precision(device, cache) != "bf16":
        return {"precision": "fp32", "reason": "bf16 is not faster on this machine"}
    if device.type == "cuda":
        return {"precision": "bf16", "reason": "CUDA with bf16"}
    key = f"model|{model_sha[:32]}|{cpu_name()}|{torch.__version__}|{torch.get_num_threads()}"
    try:
        saved = json.loads(cache.read_text(encoding="utf-8")) if cache.is_file() else {}
    except (OSError, ValueError):
        saved = {}
    if not isinstance(saved, dict):
        saved = {}
    m = saved.get(key)
    if not isinstance(m, dict) or "speedup" not in m:
        m = measure_model(render, device)
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps({**saved, key: m}, indent=1), encoding="utf-8")
            os.replace(tmp, cache)
        except OSError:
            pass
    good = m["speedup"] >= MIN_SPEEDUP and m["psnr_db"] >= MIN_PSNR_DB
    return {"precision": "bf16" if good else "fp32", **m}
