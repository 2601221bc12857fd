"""Read community checkpoint files without ever running code they contain.

Two containers exist (checkpoint-formats.md §1–§3):

- NVIDIA network pickles: a plain pickle whose networks are ``torch_utils.persistence`` objects carrying
  their module's source code. :class:`NvidiaUnpickler` resolves only an allow-list of globals (§1.2) and
  maps the persistence hook to :class:`PersistentStub`, which keeps the metadata and never looks at
  ``module_src``. Everything else is refused before it can be called.
- ``torch.save`` files (zip or the legacy pre-1.6 stream): checked first (zip entry names, declared
  tensor sizes against the bytes actually present, all globals against an allow-list, without
  building anything), then read with ``torch.load(weights_only=True)``.

The format is recognised from the content (zip or pickle magic, then the objects inside), never from the
file name.

The pieces live in modules named for what they do: ``checkpoint_bounds`` (limits, errors, bounded reads),
``nvidia_pickle`` (the restricted unpickler) and ``torch_scan`` (torch.save files); this module recognises the
container and keeps the names other code imports from here.
"""

from __future__ import annotations

import io
import os
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .checkpoint_bounds import (
    LEGACY_TORCH_MAGIC,
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_PICKLE_BYTES,
    MAX_TENSOR_BYTES,
    MAX_TOTAL_BYTES,
    MAX_ZIP_ENTRIES,
    MAX_ZIP_RATIO,
    ZIP_MAGIC,
    BoundedReader,
    CheckpointError,
    UnsafeCheckpointError,
    check_total,
    memory_budget,
    open_regular,
)
from .nvidia_pickle import EasyDict, NvidiaUnpickler, PersistentStub
from .torch_scan import torch_load_checked

__all__ = [
    "LEGACY_TORCH_MAGIC", "MAX_DEPTH", "MAX_FILE_BYTES", "MAX_PICKLE_BYTES", "MAX_TENSOR_BYTES", "MAX_TOTAL_BYTES",
    "MAX_ZIP_ENTRIES", "MAX_ZIP_RATIO", "BoundedReader", "CheckpointError", "EasyDict", "NvidiaUnpickler",
    "PersistentStub", "RawCheckpoint", "UnsafeCheckpointError", "check_total", "memory_budget", "open_regular",
    "read_checkpoint", "torch_load_checked",
]


@dataclass
class RawCheckpoint:
    container: str  # "nvidia-pickle" | "torch-zip" | "torch-legacy"
    obj: Any


def read_checkpoint(path: Path) -> RawCheckpoint:
    """Recognise the container from its first bytes and read it safely."""
    path = Path(path)
    what = path.name
    with open_regular(path) as fh:
        size = os.fstat(fh.fileno()).st_size
        head = fh.read(64)
    if size > MAX_FILE_BYTES:
        raise CheckpointError(f"{what}: {size:,} bytes is larger than any GAN checkpoint we read")
    if head.startswith(ZIP_MAGIC):
        return RawCheckpoint("torch-zip", torch_load_checked(path, what))
    if not head[:1] == b"\x80":
        raise CheckpointError(f"{what}: not a checkpoint (neither a PyTorch zip nor a pickle)")
    if _is_legacy_torch(head):
        return RawCheckpoint("torch-legacy", torch_load_checked(path, what))
    try:
        with open_regular(path) as fh:
            obj = NvidiaUnpickler(BoundedReader(fh)).load()
    except CheckpointError as exc:
        raise type(exc)(f"{what}: {exc}") from exc
    except MemoryError as exc:
        raise CheckpointError(f"{what}: not enough memory to read the file") from exc
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, IndexError, KeyError, AttributeError,
            RuntimeError, RecursionError) as exc:
        raise CheckpointError(f"{what}: the file is truncated or damaged ({type(exc).__name__}: {exc})") from exc
    return RawCheckpoint("nvidia-pickle", obj)


def _is_legacy_torch(data: bytes) -> bool:
    class _NoGlobals(pickle.Unpickler):
        def find_class(self, module: str, name: str) -> Any:
            raise pickle.UnpicklingError("not the torch magic number")

    try:
        first = _NoGlobals(io.BytesIO(data)).load()
    except Exception:  # anything at all: then it is not the magic number, and NvidiaUnpickler decides
        return False
    return isinstance(first, int) and first == LEGACY_TORCH_MAGIC
