"""Describe the machine a benchmark ran on (printed with every table)."""

from __future__ import annotations

import os
import platform


def machine() -> str:
    import torch

    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(line.split(":", 1)[1].strip() for line in fh if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return (f"{cpu}; {os.cpu_count()} cores; torch {torch.__version__}, {torch.get_num_threads()} threads; "
            f"Python {platform.python_version()}; {platform.system()} {platform.machine()}")
