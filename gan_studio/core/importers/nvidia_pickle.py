"""NVIDIA network pickles read without running them (checkpoint-formats.md §1.2).

The networks are ``torch_utils.persistence`` objects carrying their module's source code. :class:`NvidiaUnpickler`
resolves only an allow-list of globals and maps the persistence hook to :class:`PersistentStub`, which keeps the
metadata and never looks at ``module_src``. Everything else is refused before it can be called.
"""

from __future__ import annotations

import collections
import pickle
from typing import Any

from .checkpoint_bounds import MAX_DEPTH, CheckpointError, UnsafeCheckpointError, check_view
from .torch_scan import torch_load_checked


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

    check_view(storage, storage_offset, size, stride)
    return torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, *rest)



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

