"""``torch.save`` files (zip or the legacy pre-1.6 stream) checked before torch reads them.

The check walks the pickle with inert stand-ins: zip entry names, declared tensor sizes against the bytes actually
present, and every global against an allow-list, without building anything. Only then does
``torch.load(weights_only=True)`` read the file.
"""

from __future__ import annotations

import argparse
import collections
import io
import os
import pickle
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from .checkpoint_bounds import (
    MAX_PICKLE_BYTES,
    MAX_TENSOR_BYTES,
    MAX_ZIP_ENTRIES,
    MAX_ZIP_RATIO,
    ZIP_MAGIC,
    BoundedReader,
    CheckpointError,
    UnsafeCheckpointError,
    check_total,
    check_view,
    memory_budget,
    open_regular,
)


class _Namespace:
    """Inert stand-in for ``argparse.Namespace`` while scanning."""


class _Placeholder:
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.args = args


_DTYPE_BYTES = {"Double": 8, "Float": 4, "Half": 2, "BFloat16": 2, "Long": 8, "Int": 4, "Short": 2,
                "Char": 1, "Byte": 1, "Bool": 1, "ComplexFloat": 8, "ComplexDouble": 16, "Untyped": 1}
_TORCH_DTYPES = {"float64": 8, "float32": 4, "float16": 2, "bfloat16": 2, "int64": 8, "int32": 4, "int16": 2,
                 "int8": 1, "uint8": 1, "bool": 1, "complex64": 8, "complex128": 16}


@dataclass
class _StorageRef:
    key: str
    numel: int
    elsize: int

    def size(self) -> int:
        return self.numel

    def element_size(self) -> int:
        return 1


class _ScanUnpickler(pickle.Unpickler):
    """Walks a torch pickle with inert stand-ins: checks every global and every declared tensor size."""

    _REBUILD = {"_rebuild_tensor_v2", "_rebuild_parameter", "_rebuild_parameter_with_state"}

    def __init__(self, file: Any) -> None:
        super().__init__(file)
        self.storages: dict[str, _StorageRef] = {}
        self.declared = 0

    def find_class(self, module: str, name: str) -> Any:
        if module == "torch._utils" and name in self._REBUILD:
            return self._rebuild_v2 if name == "_rebuild_tensor_v2" else _Placeholder
        if module == "collections" and name == "OrderedDict":
            return collections.OrderedDict
        if module == "argparse" and name == "Namespace":
            return _Namespace
        if module == "torch" and (name.endswith("Storage") and name[:-7] in _DTYPE_BYTES):
            return ("storage", _DTYPE_BYTES[name[:-7]])
        if module == "torch" and name in _TORCH_DTYPES:
            return ("dtype", _TORCH_DTYPES[name])
        if module == "torch" and name == "Size":
            return tuple
        raise UnsafeCheckpointError(f"the file asks for {module}.{name}, which a weights file never needs "
                                    "(it could run code); refused, nothing was run")

    def persistent_load(self, pid: Any) -> Any:
        if not (isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == "storage"):
            raise UnsafeCheckpointError(f"unexpected persistent id {str(pid)[:60]!r}")
        kind, key, numel = pid[1], str(pid[2]), pid[4]
        elsize = 4
        if isinstance(kind, tuple) and len(kind) == 2 and kind[0] in ("storage", "dtype"):
            elsize = kind[1]
        if not isinstance(numel, int) or numel < 0:
            raise UnsafeCheckpointError("malformed storage record")
        if numel * elsize > MAX_TENSOR_BYTES:
            raise UnsafeCheckpointError(f"the file declares a tensor of {numel * elsize:,} bytes, over the "
                                        f"{MAX_TENSOR_BYTES:,}-byte limit")
        if key not in self.storages:
            self.storages[key] = _StorageRef(key, numel, elsize)
            self.declared += numel * elsize
            check_total(self.declared, "the file")
        return self.storages[key]

    @staticmethod
    def _rebuild_v2(storage: Any, offset: Any, size: Any, stride: Any, *rest: Any) -> Any:
        if isinstance(storage, _StorageRef):
            check_view(storage, offset, size, stride)
        return _Placeholder()


def _check_zip(zf: zipfile.ZipFile, what: str, total_limit: int) -> str:
    """Entry names must be plain relative paths under one folder; returns that folder."""
    infos = zf.infolist()
    if not infos or len(infos) > MAX_ZIP_ENTRIES:
        raise CheckpointError(f"{what}: not a torch checkpoint (empty or oversized zip)")
    roots, names, total = set(), set(), 0
    for info in infos:
        name = info.filename
        parts = PurePosixPath(name).parts
        if (name.startswith(("/", "\\")) or "\\" in name or ".." in parts or ":" in name or "\x00" in name
                or not parts):
            raise UnsafeCheckpointError(f"{what}: zip entry {name!r} points outside the archive "
                                        "(path traversal); refused")
        if (info.external_attr >> 16) & 0o170000 == 0o120000:
            raise UnsafeCheckpointError(f"{what}: zip entry {name!r} is a symbolic link; refused")
        if name in names:
            raise UnsafeCheckpointError(f"{what}: zip entry {name!r} appears twice; refused")
        names.add(name)
        total += info.file_size
        if info.file_size > MAX_TENSOR_BYTES or total > total_limit:
            raise UnsafeCheckpointError(f"{what}: zip entries unpack to more than the limit; refused")
        if info.file_size > (1 << 20) and info.file_size > MAX_ZIP_RATIO * max(1, info.compress_size):
            raise UnsafeCheckpointError(f"{what}: zip entry {name!r} unpacks {info.compress_size:,} bytes to "
                                        f"{info.file_size:,} (a zip bomb); refused")
        if not name.startswith(".data/"):
            roots.add(parts[0])
    if len(roots) != 1:
        raise CheckpointError(f"{what}: not a torch checkpoint (zip with {len(roots)} top folders)")
    root = roots.pop()
    if f"{root}/data.pkl" not in names:
        raise CheckpointError(f"{what}: not a torch checkpoint (no data.pkl in the zip)")
    return root


def _scan_zip(data: bytes | Path, what: str) -> None:
    src = io.BytesIO(data) if isinstance(data, bytes) else data
    try:
        with zipfile.ZipFile(src) as zf:
            root = _check_zip(zf, what, memory_budget())
            if zf.getinfo(f"{root}/data.pkl").file_size > MAX_PICKLE_BYTES:
                raise UnsafeCheckpointError(f"{what}: its data.pkl is larger than any checkpoint's structure")
            scanner = _ScanUnpickler(io.BytesIO(_read_entry(zf, f"{root}/data.pkl", what)))
            scanner.load()
            for ref in scanner.storages.values():
                try:
                    have = zf.getinfo(f"{root}/data/{ref.key}").file_size
                except KeyError:
                    raise CheckpointError(f"{what}: tensor data {ref.key!r} is missing: truncated file") from None
                if ref.numel * ref.elsize > have:
                    raise UnsafeCheckpointError(
                        f"{what}: declares a tensor of {ref.numel * ref.elsize:,} bytes but holds only {have:,}")
    except zipfile.BadZipFile as exc:
        raise CheckpointError(f"{what}: the file is truncated or damaged ({exc})") from exc
    except MemoryError as exc:
        raise CheckpointError(f"{what}: not enough memory to read the file") from exc
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, IndexError, AttributeError) as exc:
        raise CheckpointError(f"{what}: the file is truncated or damaged ({type(exc).__name__}: {exc})") from exc


def _read_entry(zf: zipfile.ZipFile, name: str, what: str) -> bytes:
    """Inflate an entry a megabyte at a time up to the size its header declares: one whole read of an entry
    whose header lies (200 bytes declared, a gigabyte of zeros deflated) would inflate all of it at once."""
    info = zf.getinfo(name)
    out = bytearray()
    with zf.open(info) as fh:
        while chunk := fh.read(1 << 20):
            out += chunk
            if len(out) > info.file_size:
                raise UnsafeCheckpointError(f"{what}: zip entry {name!r} unpacks to more than it declares; refused")
    return bytes(out)


def _scan_legacy(data: bytes | Path, what: str) -> None:
    """Pre-1.6 torch.save stream: magic, protocol, sys info, the object, storage keys, raw storages."""
    if isinstance(data, bytes):
        _scan_legacy_stream(io.BytesIO(data), len(data), what)
        return
    with open_regular(Path(data)) as fh:
        _scan_legacy_stream(BoundedReader(fh), os.fstat(fh.fileno()).st_size, what)


def _scan_legacy_stream(f: Any, length: int, what: str) -> None:
    try:
        for _ in range(3):
            _ScanUnpickler(f).load()
        scanner = _ScanUnpickler(f)
        scanner.load()
        _ScanUnpickler(f).load()
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, IndexError, AttributeError) as exc:
        raise CheckpointError(f"{what}: the file is truncated or damaged ({type(exc).__name__}: {exc})") from exc
    declared = sum(r.numel * r.elsize for r in scanner.storages.values())
    if declared > length - f.tell():
        raise UnsafeCheckpointError(f"{what}: declares {declared:,} bytes of tensors but holds only "
                                    f"{length - f.tell():,}: truncated or forged")


def torch_load_checked(data: bytes | Path, what: str) -> Any:
    """Check a torch.save file (zip or legacy stream), then ``torch.load(weights_only=True)`` on CPU."""
    import torch

    if isinstance(data, bytes):
        head = data[:4]
    else:
        with open_regular(Path(data)) as fh:
            head = fh.read(4)
    if head == ZIP_MAGIC:
        _scan_zip(data, what)
    else:
        _scan_legacy(data, what)
    src = io.BytesIO(data) if isinstance(data, bytes) else str(data)
    try:
        with torch.serialization.safe_globals([argparse.Namespace]):
            return torch.load(src, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        raise UnsafeCheckpointError(f"{what}: refused by the weights-only loader ({exc})") from exc
    except MemoryError as exc:
        raise CheckpointError(f"{what}: not enough memory to read the file") from exc
    except (RuntimeError, EOFError, ValueError, zipfile.BadZipFile) as exc:
        raise CheckpointError(f"{what}: cannot read the file ({type(exc).__name__}: {exc})") from exc

