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
"""

from __future__ import annotations

import argparse
import collections
import io
import os
import pickle
import stat
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
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
_ZIP_MAGIC = b"PK\x03\x04"


class CheckpointError(LibraryError):
    """A file that cannot be imported; the message says why, for the user."""


class UnsafeCheckpointError(CheckpointError):
    """A file that asks to run code or to do something no checkpoint needs: refused, nothing was run."""


# -- NVIDIA pickles ------------------------------------------------------------------------------------
class PersistentStub:
    """Stands in for a ``torch_utils.persistence`` object. ``meta['module_src']`` is kept as inert text."""

    def __init__(self, meta: Any) -> None:
        if not isinstance(meta, dict):
            raise UnsafeCheckpointError("a persistent object's metadata is not a dict")
        self.meta = meta

    @property
    def class_name(self) -> str:
        return str(self.meta.get("class_name", ""))

    @property
    def state(self) -> dict:
        state = self.meta.get("state")
        return state if isinstance(state, dict) else {}

    def child(self, name: str) -> PersistentStub | None:
        mods = self.state.get("_modules") or {}
        node = mods.get(name) if isinstance(mods, dict) else None
        return node if isinstance(node, PersistentStub) else None

    def state_dict(self) -> dict[str, Any]:
        """``nn.Module.state_dict()`` rebuilt from the pickled ``__dict__`` (§1.2), in the same order.

        The tree is data from the file: names must be text, tables dicts, and the modules a tree (no cycles,
        bounded depth); anything else is a ``CheckpointError`` naming what is wrong."""
        import torch

        out: dict[str, Any] = {}
        seen: set[int] = set()

        def table(state: dict, key: str, where: str) -> dict:
            value = state.get(key) or {}
            if not isinstance(value, dict):
                raise CheckpointError(f"malformed network snapshot: {where or 'the network'}'s {key} is a "
                                      f"{type(value).__name__}, not a dict")
            for name in value:
                if not isinstance(name, str) or not name or "." in name:
                    raise CheckpointError(f"malformed network snapshot: {where or 'the network'} has a "
                                          f"{key[1:-1] if key.startswith('_') else key} named {name!r}")
            return value

        def walk(node: Any, prefix: str, depth: int) -> None:
            state = node.state if isinstance(node, PersistentStub) else getattr(node, "__dict__", None)
            if not isinstance(state, dict):
                return
            where = prefix[:-1]
            if id(node) in seen:
                raise CheckpointError(f"malformed network snapshot: module {where!r} contains itself (a cycle)")
            if depth > MAX_DEPTH:
                raise CheckpointError(f"malformed network snapshot: modules nested over {MAX_DEPTH} deep")
            seen.add(id(node))
            skip = state.get("_non_persistent_buffers_set") or set()
            skip = skip if isinstance(skip, set | frozenset) else set()
            for name, value in table(state, "_parameters", where).items():
                if isinstance(value, torch.Tensor):
                    out[prefix + name] = value
            for name, value in table(state, "_buffers", where).items():
                if isinstance(value, torch.Tensor) and name not in skip:
                    out[prefix + name] = value
            for name, child in table(state, "_modules", where).items():
                if child is not None:
                    walk(child, f"{prefix}{name}.", depth + 1)

        walk(self, "", 0)
        return out


class EasyDict(dict):
    """Harmless stand-in for ``dnnlib.util.EasyDict`` (attribute access is not needed to read configs)."""


def _reconstruct_persistent_obj(meta: Any) -> PersistentStub:
    return PersistentStub(meta)


def _checked_rebuild_tensor_v2(storage: Any, storage_offset: int, size: Any, stride: Any, *rest: Any) -> Any:
    import torch._utils

    _check_view(storage, storage_offset, size, stride)
    return torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, *rest)


def _check_view(storage: Any, offset: Any, size: Any, stride: Any) -> None:
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


def _load_storage_from_bytes(b: Any) -> Any:
    """``torch.storage._load_from_bytes`` without its ``weights_only=False``: checked, then weights-only."""
    if not isinstance(b, bytes | bytearray):
        raise UnsafeCheckpointError("an embedded storage is not a byte string")
    return torch_load_checked(bytes(b), "embedded tensor")


def _safe_globals() -> dict[tuple[str, str], Any]:
    import numpy as np
    import torch._utils

    table: dict[tuple[str, str], Any] = {
        ("torch_utils.persistence", "_reconstruct_persistent_obj"): _reconstruct_persistent_obj,
        ("dnnlib.util", "EasyDict"): EasyDict,
        ("dnnlib", "EasyDict"): EasyDict,
        ("collections", "OrderedDict"): collections.OrderedDict,
        ("torch._utils", "_rebuild_tensor_v2"): _checked_rebuild_tensor_v2,
        ("torch._utils", "_rebuild_parameter"): torch._utils._rebuild_parameter,
        ("torch.storage", "_load_from_bytes"): _load_storage_from_bytes,
        ("numpy", "dtype"): np.dtype,
        ("numpy", "ndarray"): np.ndarray,
    }
    if hasattr(torch._utils, "_rebuild_parameter_with_state"):
        table[("torch._utils", "_rebuild_parameter_with_state")] = torch._utils._rebuild_parameter_with_state
    for mod in ("numpy.core.multiarray", "numpy._core.multiarray"):
        table[(mod, "scalar")] = _np_scalar
        table[(mod, "_reconstruct")] = _np_reconstruct
    return table


def _np_scalar(dtype: Any, data: Any = None) -> Any:
    import numpy as np

    if not isinstance(dtype, np.dtype) or dtype.hasobject or not isinstance(data, bytes | type(None)):
        raise UnsafeCheckpointError("refused a numpy scalar of an object dtype")
    return np.frombuffer(data, dtype=dtype)[0] if data is not None else dtype.type()


def _np_reconstruct(cls: Any, shape: Any, dtype: Any) -> Any:
    import numpy as np

    if cls is not np.ndarray:
        raise UnsafeCheckpointError("refused a numpy array subclass")
    return np.ndarray.__new__(np.ndarray, shape, dtype)


class NvidiaUnpickler(pickle.Unpickler):
    """Resolves only the globals a network snapshot needs (§1.2); anything else is refused unseen."""

    def __init__(self, file: Any) -> None:
        super().__init__(file)
        self._table = _safe_globals()

    def find_class(self, module: str, name: str) -> Any:
        fn = self._table.get((module, name))
        if fn is not None:
            return fn
        if module.startswith("dnnlib.tflib"):
            raise CheckpointError("this is a TensorFlow-era StyleGAN pickle (dnnlib.tflib); GAN Studio reads "
                                  "only the PyTorch StyleGAN2-ADA snapshots")
        raise UnsafeCheckpointError(f"the file asks for {module}.{name}, which no network snapshot needs "
                                    "(it could run code); refused, nothing was run")

    def persistent_load(self, pid: Any) -> Any:
        raise UnsafeCheckpointError("unexpected persistent id in a network pickle")


# -- torch.save files ----------------------------------------------------------------------------------
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
            _check_view(storage, offset, size, stride)
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
    if head == _ZIP_MAGIC:
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


# -- bounds ---------------------------------------------------------------------------------------------
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


# -- entry point ---------------------------------------------------------------------------------------
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
    if head.startswith(_ZIP_MAGIC):
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
