"""Paths a user gave: only regular files are opened. Opening a FIFO for reading blocks until something writes
to it (a FIFO named .png dropped on the window froze it, and then it could not close); a device never ends."""

from __future__ import annotations

import os
import stat
from pathlib import Path


def is_regular_file(path: str | os.PathLike[str]) -> bool:
    """A regular file (after links), checked with stat, which never blocks."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except (OSError, ValueError):
        return False


def not_regular(path: str | os.PathLike[str]) -> str:
    """Why ``path`` is not read, for a message."""
    p = Path(path)
    if not p.exists():
        return f"{p.name}: no such file"
    return f"{p.name}: not a regular file (a pipe, device or folder); nothing was read"
