"""Progress of long commands: a bar on a terminal, JSON lines with ``--progress jsonl``, or nothing.

One reporter for every long command (project, age from an image, folder translation, the text matcher), so
they all show steps, the latest loss and an ETA the way the window's status line does."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Any, TextIO

MODES = ("auto", "bar", "jsonl", "none")


def add_progress(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--progress", choices=MODES, default="auto",
                        help="auto: a bar when stderr is a terminal; jsonl: one JSON object per update on stdout "
                             "(default: %(default)s)")


def _clock(seconds: float) -> str:
    m, s = divmod(int(round(seconds)), 60)
    h, m = divmod(m, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class Progress:
    """Call it with (done, total, **stats); updates are throttled to ``every`` seconds except the last."""

    def __init__(self, mode: str, label: str, every: float = 0.2, out: TextIO | None = None,
                 err: TextIO | None = None) -> None:
        self.out, self.err = out or sys.stdout, err or sys.stderr
        if mode == "auto":
            mode = "bar" if self.err.isatty() else "none"
        self.mode, self.label, self.every = mode, label, every
        self.start = time.monotonic()
        self._last = -1e9
        self._drawn = False

    def __call__(self, done: int, total: int, **stats: Any) -> None:
        now = time.monotonic()
        final = done >= total
        if self.mode == "none" or (not final and now - self._last < self.every):
            return
        self._last = now
        elapsed = now - self.start
        eta = elapsed / done * (total - done) if done else None
        if self.mode == "jsonl":
            event = {"event": "progress", "task": self.label, "done": done, "total": total,
                     "elapsed_s": round(elapsed, 2), "eta_s": None if eta is None else round(eta, 1)}
            print(json.dumps({**event, **{k: _plain(v) for k, v in stats.items()}}), file=self.out, flush=True)
            return
        width = 24
        filled = int(width * done / max(total, 1))
        extra = "".join(f"  {k} {_plain(v)}" for k, v in stats.items())
        tail = f"  ETA {_clock(eta)}" if eta is not None and not final else f"  {_clock(elapsed)}"
        print(f"\r{self.label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}{extra}{tail}\033[K",
              end="\n" if final else "", file=self.err, flush=True)
        self._drawn = not final


def _plain(v: Any) -> Any:
    if isinstance(v, float):
        return round(v, 4)
    return v if isinstance(v, int | str | bool) or v is None else str(v)
