"""Device choice and CPU tuning shared by inference and training."""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import math
import os
from pathlib import Path
from typing import Any

import torch

_M_TRIM_THRESHOLD = -1
_M_MMAP_MAX = -4
_tuned = False


def tune_allocator() -> bool:
    """Stop glibc from returning big tensor buffers to the kernel after each use.

    Measured here: with default malloc 25–45% of CPU time went to page faults; keeping freed memory
    (mmap off, high trim threshold) gave 1.3–2× on generator forwards. No-op off glibc.
    """
    global _tuned
    if _tuned:
        return True
    name = ctypes.util.find_library("c")
    if not name or os.name != "posix":
        return False
    try:
        libc = ctypes.CDLL(name)
        ok = libc.mallopt(_M_MMAP_MAX, 0) and libc.mallopt(_M_TRIM_THRESHOLD, 1 << 30)
    except (OSError, AttributeError):
        return False
    _tuned = bool(ok)
    return _tuned


def pick_device(override: str | None = None) -> torch.device:
    """CUDA, then MPS, then CPU; ``override`` or GAN_STUDIO_DEVICE forces one."""
    choice = override or os.environ.get("GAN_STUDIO_DEVICE")
    if choice:
        return torch.device(choice)
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def describe(device: torch.device) -> str:
    if device.type == "cuda":
        return f"CUDA · {torch.cuda.get_device_name(device)}"
    if device.type == "cpu":
        return f"CPU · {torch.get_num_threads()} threads"
    return device.type.upper()


def cpu_name() -> str:
    """The CPU's model name (Linux /proc/cpuinfo; the platform's processor string elsewhere)."""
    import platform

    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def measure_bf16(threads: int | None = None, size: int = 64, channels: int = 64) -> dict[str, Any]:
    """Time a small conv stack (forward + backward, the shape of a generator's middle layers) in fp32 and under
    bf16 autocast, and the PSNR of bf16's output against fp32's. CPUs differ by 10×: AMX or avx512_bf16 units
    make bf16 2–5× faster, AVX2-only ones make it slower."""
    old = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    try:
        with torch.inference_mode(False), torch.enable_grad():  # callers may be rendering under inference mode
            return _measure_bf16(size, channels, threads or old)
    finally:
        torch.set_num_threads(old)


def _measure_bf16(size: int, channels: int, threads: int) -> dict[str, Any]:
    import time

    gen = torch.Generator().manual_seed(0)
    x = torch.randn(8, channels, size, size, generator=gen)
    ws = [torch.randn(channels, channels, 3, 3, generator=gen) * (2 / (9 * channels)) ** 0.5
          for _ in range(3)]
    for w in ws:
        w.requires_grad_(True)

    def run(bf16: bool) -> tuple[float, torch.Tensor]:
        best = math.inf
        out = x
        for _ in range(4):
            t0 = time.perf_counter()
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                h = x
                for w in ws:
                    h = torch.nn.functional.leaky_relu(torch.nn.functional.conv2d(h, w, padding=1), 0.2)
            h.float().square().mean().backward()
            best = min(best, time.perf_counter() - t0)
            out = h.detach().float()
        return best, out

    t32, y32 = run(False)
    t16, y16 = run(True)
    mse = float((y32 - y16).square().mean())
    peak = float(y32.abs().max()) or 1.0
    psnr = 10 * math.log10(peak**2 / mse) if mse > 0 else math.inf
    return {"cpu": cpu_name(), "torch": torch.__version__, "threads": threads, "fp32_ms": round(t32 * 1e3, 2),
            "bf16_ms": round(t16 * 1e3, 2), "speedup": round(t32 / t16, 2), "psnr_db": round(min(psnr, 200.0), 1)}


def choose_precision(device: torch.device, cache: Path | None = None, threads: int | None = None) -> str:
    """"bf16" where it is measured faster on this machine (≥ 1.2×) and close to fp32 (≥ 40 dB), else "fp32".

    CUDA with bf16 support: bf16. The CPU measurement takes about a second and is cached per CPU model, torch
    version and thread count in ``cache`` (a JSON file), so it runs once per machine. ``GAN_STUDIO_PRECISION``
    (fp32 | bf16) forces a choice."""
    forced = os.environ.get("GAN_STUDIO_PRECISION", "auto")
    if forced in ("fp32", "bf16"):
        return forced
    if device.type == "cuda":
        return "bf16" if torch.cuda.is_bf16_supported() else "fp32"
    if device.type != "cpu":
        return "fp32"
    key = f"{cpu_name()}|{torch.__version__}|{threads or torch.get_num_threads()}"
    saved: dict[str, Any] = {}
    if cache is not None and cache.is_file():
        try:
            saved = json.loads(cache.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            saved = {}
    m = saved.get(key) if isinstance(saved, dict) else None
    if not isinstance(m, dict) or "speedup" not in m:
        m = measure_bf16(threads)
        if cache is not None:
            try:
                cache.parent.mkdir(parents=True, exist_ok=True)
                tmp = cache.with_suffix(".tmp")
                tmp.write_text(json.dumps({**(saved if isinstance(saved, dict) else {}), key: m}, indent=1),
                               encoding="utf-8")
                os.replace(tmp, cache)
            except OSError:
                pass
    return "bf16" if m["speedup"] >= 1.2 and m["psnr_db"] >= 40 else "fp32"


def autocast(precision: str, device: torch.device) -> Any:
    """The autocast context for a chosen precision ("fp32" gives a disabled one)."""
    kind = device.type if device.type in ("cuda", "cpu") else "cpu"
    return torch.autocast(kind, dtype=torch.bfloat16, enabled=precision == "bf16" and device.type in ("cuda", "cpu"))


def available_ram() -> int | None:
    """Bytes this process can still get: the system's ``MemAvailable``, lowered by an address-space limit
    (``ulimit -v``) or a cgroup memory limit where one is set, since those refuse an allocation long before
    the machine runs out (None where nothing is known)."""
    known = [v for v in (_system_available(), _address_space_left(), _cgroup_left()) if v is not None]
    return max(0, min(known)) if known else None


def _system_available() -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def _proc_status_bytes(field: str) -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def _address_space_left() -> int | None:
    try:
        import resource
    except ImportError:  # not POSIX
        return None
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY or soft < 0:
        return None
    used = _proc_status_bytes("VmSize")
    return soft - used if used is not None else None


def _cgroup_left() -> int | None:
    """cgroup v2: the limit of this process's group less what the group already uses."""
    try:
        with open("/proc/self/cgroup", encoding="ascii") as fh:
            rel = next((ln.split(":", 2)[2].strip() for ln in fh if ln.startswith("0::")), None)
        if rel is None:
            return None
        group = Path("/sys/fs/cgroup") / rel.lstrip("/")
        limit = (group / "memory.max").read_text().strip()
        if limit == "max":
            return None
        return int(limit) - int((group / "memory.current").read_text().strip())
    except (OSError, ValueError, IndexError):
        return None
