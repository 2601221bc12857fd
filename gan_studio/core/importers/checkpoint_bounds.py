"""Limits every checkpoint read stays under, and the checks that enforce them while the file is read.

A forged file can declare tensors larger than its bytes, views far outside their storage, or records of
gigabytes; these bounds refuse each before anything is allocated (checkpoint-formats.md §3).
"""

from __future__ import annotations

import os
import stat
import warnings
from pathlib import Path
from typing import Any

from ..device import available_ram
from ..library.cards import LibraryError

# What a network can need: a 1024-px StyleGAN2's largest tensor is ~9 MB and its whole snapshot (G, D, G_ema)
# ~360 MB. The limits leave a wide margin above that and stay far below a desktop's memory.
MAX_TENSOR_BYTES = 256 << 20
MAX_TOTAL_BYTES = 2 << 30  # all declared tensors of one file; also bounded by available RAM, see memory_budget()
MAX_FILE_BYTES = 2 << 30
MAX_PICKLE_BYTES = 64 << 20  # a torch zip's data.pkl holds only the structure, never the tensor bytes
MAX_ZIP_RATIO = 50  # torch writes stored (uncompressed) entries; a deflated entry unpacking 50× is a zip bomb
MAX_ZIP_ENTRIES = 100_000
MAX_DEPTH = 200  # nesting of modules in a network snapshot
LEGACY_TORCH_MAGIC = 0x1950A86A20F9469CFC6C
ZIP_MAGIC = b"PK\x03\x04"


class CheckpointError(LibraryError):
    """A file that cannot be imported; the message says why, for the user."""


class UnsafeCheckpointError(CheckpointError):
    """A file that asks to run code or to do something no checkpoint needs: refused, nothing was run."""


def check_view(storage: Any, offset: Any, size: Any, stride: Any) -> None:
    """A tensor's view must lie inside its storage and stay under the size limit."""
    try:
        size = tuple(int(s) for s in size)
        stride = tuple(int(s) for s in stride)
        offset = int(offset)
        with warnings.catch_warnings():  # TypedStorage's deprecation notice: we only read its length
            warnings.simplefilter("ignore")
            have = int(storage.size())
            elsize = int(storage.element_size())
    except (TypeError, ValueError) as exc:
        raise UnsafeCheckpointError(f"malformed tensor record ({exc})") from exc
    if any(s < 0 for s in size) or any(s < 0 for s in stride) or offset < 0 or len(size) != len(stride):
        raise UnsafeCheckpointError("malformed tensor record (negative size or stride)")
    numel = 1
    for s in size:
        numel *= s
    if numel * elsize > MAX_TENSOR_BYTES:
        raise UnsafeCheckpointError(f"the file declares a tensor of {numel * elsize:,} bytes, over the "
                                    f"{MAX_TENSOR_BYTES:,}-byte limit")
    if any(st == 0 and s > 1 for s, st in zip(size, stride, strict=True)) or numel > have:
        # An expanded (stride-0 or overlapping) view: a few stored numbers that become a huge tensor as soon
        # as anything copies it. Saved weights are never like that.
        raise UnsafeCheckpointError(f"the file declares a tensor of {numel:,} elements as a view of only "
                                    f"{have:,} stored ones (zero or overlapping strides); refused")
    extent = offset + (sum((s - 1) * st for s, st in zip(size, stride, strict=True)) + 1 if numel else 0)
    if extent > have:
        raise UnsafeCheckpointError(f"the file declares a tensor of {numel:,} elements, but its data holds "
                                    f"only {have:,}: truncated or forged")



def memory_budget() -> int:
    """What one file's tensors may take: the fixed limit, or half the available RAM if that is less (the
    tensors are copied once more when they are converted)."""
    ram = available_ram()
    return min(MAX_TOTAL_BYTES, ram // 2) if ram else MAX_TOTAL_BYTES


def check_total(declared: int, what: str) -> None:
    budget = memory_budget()
    if declared > budget:
        raise UnsafeCheckpointError(f"{what} declares {declared:,} bytes of tensors, more than the "
                                    f"{budget:,} bytes this computer can spare (or any GAN needs); refused")


def open_regular(path: Path) -> Any:
    """Open for reading only a regular file: a FIFO, device or socket named ``.pkl`` would block or never end.
    The check is on the opened descriptor too, so a swap between stat and open cannot slip past."""
    try:
        st = path.stat()
    except OSError as exc:
        raise CheckpointError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if not stat.S_ISREG(st.st_mode):
        raise CheckpointError(f"{path.name}: not a regular file (a pipe, device or folder); nothing was read")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise CheckpointError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise CheckpointError(f"{path.name}: not a regular file (a pipe, device or folder); nothing was read")
    return os.fdopen(fd, "rb")


class BoundedReader:
    """A file wrapper for the unpickler: no single read may ask for more than a tensor can be, so a forged
    length field cannot make the reader allocate gigabytes (the file is streamed, never read whole)."""

    def __init__(self, fh: Any, limit: int = MAX_TENSOR_BYTES + (1 << 20)) -> None:
        self._fh, self._limit = fh, limit

    def read(self, n: int = -1) -> bytes:
        if n is None or n < 0 or n > self._limit:
            raise UnsafeCheckpointError(f"a record of {n:,} bytes, larger than any tensor; refused")
        return self._fh.read(n)

    def readline(self, n: int = -1) -> bytes:
        return self._fh.readline(self._limit if n is None or n < 0 else min(n, self._limit))

    def tell(self) -> int:
        return self._fh.tell()

    def seek(self, pos: int, whence: int = 0) -> int:
        return self._fh.seek(pos, whence)

