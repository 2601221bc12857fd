"""Atomic file writes: write a temp file beside the target, fsync, rename.

A crash, a kill or a full disk leaves either the old file or the new one, never a torn one; a full disk is a
``DiskFullError`` (an ``OSError``) that says so plainly. Writers whose library cannot report a failed write
(OpenCV's video writer, torch's C++ file writer) either serialise to memory first or pass ``verify``, which
checks the temp file before it replaces anything.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

DISK_FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


class DiskFullError(OSError):
    """No space (or quota) left while writing; the old file, if any, is untouched."""


def disk_full(exc: OSError, target: Path) -> DiskFullError:
    old = "the old file is unchanged" if target.exists() else "nothing was written"
    return DiskFullError(exc.errno, f"disk full: could not write {target.name} in {target.parent} "
                                    f"({exc.strerror or exc}); {old}. Free some space and try again")


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temp path in the target's folder; on success it replaces the target atomically."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise disk_full(exc, target) if exc.errno in DISK_FULL_ERRNOS else exc from exc
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, 0o666 & ~_umask())  # mkstemp makes 0600; saved files get normal permissions
        with open(tmp_path, "rb+") as fh:
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp_path, target)
        _fsync_dir(target.parent)
    except DiskFullError:
        raise
    except OSError as exc:
        if exc.errno in DISK_FULL_ERRNOS:
            raise disk_full(exc, target) from exc
        raise
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write_bytes(target: str | os.PathLike[str], data: bytes) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def atomic_write_text(target: str | os.PathLike[str], text: str) -> None:
    atomic_write_bytes(target, text.encode("utf-8"))


def atomic_save(target: str | os.PathLike[str], writer: Callable[[Path], None],
                verify: Callable[[Path], None] | None = None) -> None:
    """Run ``writer(tmp_path)``, then ``verify(tmp_path)`` (raise if the file is not what was meant), and only
    then move the result into place atomically."""
    with atomic_path(target) as tmp:
        writer(tmp)
        if verify is not None:
            verify(tmp)


def low_on_space(folder: str | os.PathLike[str], need: int = 64 << 20) -> bool:
    """Whether ``folder``'s file system has less than ``need`` bytes free (a failed write's likely cause)."""
    import shutil

    try:
        return shutil.disk_usage(folder).free < need
    except OSError:
        return False
