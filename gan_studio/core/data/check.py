"""Dataset check: decode every candidate file once, say why each unusable one is skipped, and turn the
usable ones into square training images (centre crop, pad or resize; alpha kept or composited).

A user's folder is hostile by accident: truncated downloads, zero-byte files, text saved as ``.jpg``,
decompression bombs, CMYK or 16-bit files, EXIF-rotated photos, symlink loops, names that are not UTF-8.
Nothing here may raise on such a file: it becomes a ``skipped`` entry with a reason, so training never
crashes on data. Pure Pillow + NumPy (no torch), so the dialog and the CLI can call it cheaply.
"""

from __future__ import annotations

import hashlib
import os
import stat
import struct
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError, features


def _has_codec(name: str) -> bool:
    try:
        return bool(features.check(name))
    except (ValueError, ImportError, OSError):
        return False


IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif", ".tif", ".tiff"}
IMAGE_SUFFIXES |= {".avif"} if _has_codec("avif") else set()  # Pillow ≥ 11.2 built with libavif reads it
_NO_DECODER = "this installation has no decoder for it; convert it to PNG or JPEG to use it"
# Image files a user has that we cannot decode: listed as skipped, with the reason, instead of ignored.
UNREADABLE_SUFFIXES = {
    ".svg": "a vector drawing (SVG), not pixels; export it as PNG to use it",
    ".svgz": "a vector drawing (SVG), not pixels; export it as PNG to use it",
    ".heic": f"a HEIC/HEIF photo: {_NO_DECODER}",
    ".heif": f"a HEIC/HEIF photo: {_NO_DECODER}",
    ".avif": f"an AVIF image: {_NO_DECODER}",
    ".jxl": f"a JPEG XL image: {_NO_DECODER}",
}
ROTATING_ORIENTATIONS = range(2, 9)  # EXIF 1 is upright; 0, 9, 65535 … are invalid and change nothing
MAX_PIXELS = 64_000_000  # beyond this a file is treated as a decompression bomb
MIN_SIDE = 8  # smaller images carry no usable detail even at 16 px
WIDE_ASPECT = 4.0  # beyond this a centre crop throws most of the picture away: say so
FIT_MODES = ("crop", "pad", "resize")
ALPHA_MODES = ("keep", "composite")
Colour = tuple[int, int, int]


class SkipFile(ValueError):
    """A file that cannot be used; the message is the reason shown to the user."""


@dataclass(frozen=True)
class Prep:
    """How a usable file becomes a training image."""

    resolution: int = 64
    channels: int = 4
    fit: str = "crop"  # crop: centre square | pad: whole image on a transparent square | resize: stretch
    alpha: str = "keep"  # keep: RGB on background + alpha | composite: opaque on background
    background: Colour = (255, 255, 255)

    def __post_init__(self) -> None:
        if self.fit not in FIT_MODES:
            raise ValueError(f"fit must be one of {', '.join(FIT_MODES)}, not {self.fit!r}")
        if self.alpha not in ALPHA_MODES:
            raise ValueError(f"alpha must be one of {', '.join(ALPHA_MODES)}, not {self.alpha!r}")
        if self.channels not in (3, 4):
            raise ValueError("channels must be 3 or 4")


def display_path(path: Path) -> str:
    """A printable name even when the file name is not valid UTF-8 (undecodable bytes become �)."""
    return os.fsencode(path).decode("utf-8", "replace")


def iter_candidates(root: Path) -> Iterator[Path]:
    """Files under ``root`` with an image suffix, sorted; follows folder links once (loops are cut)."""
    seen: set[tuple[int, int]] = set()
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        try:
            st = os.stat(dirpath)
        except OSError:
            dirnames[:] = []
            continue
        if (st.st_dev, st.st_ino) in seen:
            dirnames[:] = []  # a link back to a folder already walked: a loop
            continue
        seen.add((st.st_dev, st.st_ino))
        dirnames.sort()
        for name in sorted(filenames):
            suffix = Path(name).suffix.lower()
            if suffix in IMAGE_SUFFIXES or suffix in UNREADABLE_SUFFIXES:
                yield Path(dirpath) / name


def _stat_reason(path: Path) -> str | None:
    try:
        st = path.stat()
    except OSError as exc:
        if exc.errno == 40:  # ELOOP
            return "symlink loop"
        if path.is_symlink():
            return "broken link"
        return f"unreadable: {exc.strerror or exc}"
    if not stat.S_ISREG(st.st_mode):
        return "not a regular file"
    if st.st_size == 0:
        return "empty file"
    if not os.access(path, os.R_OK):
        return "unreadable: permission denied"
    return None


def _to_rgba(im: Image.Image, notes: list[str]) -> Image.Image:
    """Any Pillow mode → RGBA, scaling 16/32-bit grey instead of clipping it to white."""
    mode = im.mode
    if mode.startswith("I") or mode == "F":
        arr = np.asarray(im).astype(np.float64)
        lo, hi = (float(arr.min()), float(arr.max())) if arr.size else (0.0, 0.0)
        if mode.startswith("I;16"):
            lo, peak, note = 0.0, 65535.0, "16-bit reduced to 8-bit"
        elif mode == "F" and lo >= 0 and hi <= 1:
            lo, peak, note = 0.0, 1.0, "floating-point image converted"
        elif lo >= 0 and hi <= 255:
            lo, peak, note = 0.0, 255.0, f"{mode} mode converted"
        elif lo >= 0 and hi <= 65535 and mode == "I":
            lo, peak, note = 0.0, 65535.0, "32-bit integer image with 16-bit values reduced to 8-bit"
        else:  # a wider range (negative or beyond 16 bits): stretch what is there instead of clipping
            kind = "32-bit integer" if mode.startswith("I") else "floating-point"
            peak, note = hi, f"{kind} image scaled from its range {lo:g}…{hi:g} to 8-bit"
        arr = np.clip((arr - lo) / max(peak - lo, 1e-12) * 255.0 + 0.5, 0, 255).astype(np.uint8)
        notes.append(note)
        return Image.fromarray(arr, "L").convert("RGBA")
    if mode == "CMYK":
        notes.append("CMYK converted to RGB")
    elif mode == "P" and "transparency" in im.info:
        notes.append("palette with transparency")
    elif mode in ("L", "LA", "1"):
        notes.append("grayscale")
    return im.convert("RGBA")


def open_image(path: Path, max_side_hint: int | None = None) -> tuple[Image.Image, list[str]]:
    """Decode ``path`` fully into an upright RGBA image; raise ``SkipFile`` with the reason otherwise."""
    reason = _stat_reason(path)
    if reason:
        raise SkipFile(reason)
    notes: list[str] = []
    ImageFile.LOAD_TRUNCATED_IMAGES = False  # a truncated file must be refused, not padded with grey
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as im:
                w, h = im.size
                if w * h > MAX_PIXELS:
                    raise SkipFile(f"decompression bomb: {w}×{h} pixels is over the {MAX_PIXELS // 10**6} M limit")
                if min(w, h) < MIN_SIDE:
                    raise SkipFile(f"too small ({w}×{h}); images need at least {MIN_SIDE} px a side")
                if max(w, h) / min(w, h) > WIDE_ASPECT:
                    notes.append(f"very {'wide' if w > h else 'tall'} ({w}×{h})")
                frames = getattr(im, "n_frames", 1)
                if frames > 1:
                    notes.append(f"first frame of {frames}")
                if im.format == "JPEG" and max_side_hint:
                    im.draft(im.mode, (max_side_hint, max_side_hint))  # decode big photos at 1/2…1/8 scale
                im.load()
                orientation = im.getexif().get(0x0112, 1)
                upright = ImageOps.exif_transpose(im)
                if orientation in ROTATING_ORIENTATIONS:
                    notes.append("rotated as its EXIF orientation says")
                rgba = _to_rgba(upright, notes)
    except SkipFile:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise SkipFile(f"decompression bomb: {exc}") from exc
    except UnidentifiedImageError as exc:
        known = UNREADABLE_SUFFIXES.get(path.suffix.lower())
        raise SkipFile(known or "not a valid image: cannot identify the format") from exc
    except MemoryError as exc:
        raise SkipFile("too large to decode in memory") from exc
    except OSError as exc:
        text = str(exc)
        if "truncated" in text or "broken data stream" in text or "premature end" in text.lower():
            raise SkipFile(f"truncated or corrupt: {text}") from exc
        raise SkipFile(f"unreadable: {text}") from exc
    except (ValueError, SyntaxError, struct.error, EOFError, IndexError, TypeError) as exc:
        raise SkipFile(f"not a valid image: {exc}") from exc
    return rgba, notes


def fit_square(rgba: Image.Image, fit: str) -> Image.Image:
    """Make an RGBA image square: centre crop, pad with transparency, or stretch."""
    w, h = rgba.size
    if w == h:
        return rgba
    if fit == "crop":
        side = min(w, h)
        left, top = (w - side) // 2, (h - side) // 2
        return rgba.crop((left, top, left + side, top + side))
    if fit == "pad":
        side = max(w, h)
        canvas = Image.new("RGBA", (side, side), (0, 0, 0, 0))
        canvas.paste(rgba, ((side - w) // 2, (side - h) // 2))
        return canvas
    side = max(w, h)
    return rgba.resize((side, side), Image.Resampling.LANCZOS)


def prepare(rgba: Image.Image, prep: Prep) -> np.ndarray:
    """RGBA image → uint8 HWC training image at ``prep.resolution``.

    RGB is always composited on the background (straight RGB on white keeps previews right even where
    alpha is imperfect); the 4th channel is the original alpha (``keep``) or opaque (``composite``).
    """
    sq = fit_square(rgba, prep.fit)
    if sq.width != prep.resolution:
        if sq.width >= 4 * prep.resolution:
            sq = sq.reduce(sq.width // (2 * prep.resolution))  # fast box pre-shrink of huge images
        sq = sq.resize((prep.resolution, prep.resolution), Image.Resampling.LANCZOS)
    flat = Image.new("RGBA", sq.size, (*prep.background, 255))
    flat.alpha_composite(sq)
    rgb = np.asarray(flat.convert("RGB"))
    if prep.channels == 3:
        return rgb
    alpha = np.asarray(sq.getchannel("A")) if prep.alpha == "keep" else np.full(rgb.shape[:2], 255, np.uint8)
    return np.concatenate([rgb, alpha[..., None]], axis=2)


def load_prepared(path: Path, prep: Prep) -> tuple[np.ndarray, list[str]]:
    """Open, check and prepare one file; raises ``SkipFile``."""
    rgba, notes = open_image(path, max_side_hint=2 * prep.resolution)
    try:
        return prepare(rgba, prep), notes
    except (OSError, ValueError, MemoryError) as exc:
        raise SkipFile(f"failed to process: {exc}") from exc


def check_file(path: Path) -> str | None:
    """The reason ``path`` cannot be used, or None."""
    try:
        open_image(path, max_side_hint=256)
    except SkipFile as exc:
        return str(exc)
    return None


@dataclass
class DatasetCheck:
    """What a folder holds for training: usable and skipped files, notes, size, a content hash."""

    root: Path
    prep: Prep
    usable: list[Path] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    notes: dict[Path, list[str]] = field(default_factory=dict)
    total_bytes: int = 0
    sha256: str = ""
    images: np.ndarray | None = None  # NHWC uint8 of the usable files (when loaded)

    def samples(self, n: int = 16) -> np.ndarray | None:
        """Up to ``n`` processed images spread over the folder, for a preview grid."""
        if self.images is None or not len(self.images):
            return None
        idx = np.linspace(0, len(self.images) - 1, min(n, len(self.images))).round().astype(int)
        return self.images[idx]

    def preview_grid(self, n: int = 16, cols: int = 8, pad: int = 2) -> np.ndarray | None:
        """The samples tiled into one HWC image (transparent gaps), for the dialog's preview."""
        tiles = self.samples(n)
        if tiles is None:
            return None
        cols = min(cols, len(tiles))
        rows = -(-len(tiles) // cols)
        h, w, c = tiles.shape[1:]
        out = np.zeros((rows * h + (rows - 1) * pad, cols * w + (cols - 1) * pad, c), np.uint8)
        for i, t in enumerate(tiles):
            r, q = divmod(i, cols)
            out[r * (h + pad): r * (h + pad) + h, q * (w + pad): q * (w + pad) + w] = t
        return out

    def to_json(self) -> dict[str, Any]:
        return {"folder": display_path(self.root), "usable": len(self.usable), "skipped_count": len(self.skipped),
                "skipped": [{"file": display_path(p), "reason": r} for p, r in self.skipped],
                "notes": {display_path(p): n for p, n in self.notes.items()},
                "bytes": self.total_bytes, "sha256": self.sha256, "fit": self.prep.fit, "alpha": self.prep.alpha,
                "resolution": self.prep.resolution}

    def summary(self) -> str:
        mb = self.total_bytes / 2**20
        return f"{len(self.usable)} usable ({mb:.1f} MB), {len(self.skipped)} skipped"


def _hash_update(h: Any, root: Path, path: Path) -> int:
    """Add one file (relative name + content) to the folder hash; return its size."""
    h.update(os.fsencode(path.relative_to(root)) + b"\0")
    size = 0
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
            size += len(chunk)
    h.update(b"\0")
    return size


def check_folder(root: Path, prep: Prep | None = None, load: bool = True) -> DatasetCheck:
    """Check every candidate under ``root``; with ``load`` keep the processed images (one decode each).

    The sha256 covers the names and bytes of the usable files only, so it identifies the training data.
    """
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"not a folder: {display_path(root)}")
    prep = prep or Prep()
    result = DatasetCheck(root=root, prep=prep)
    h = hashlib.sha256()
    arrays = []
    for path in iter_candidates(root):
        try:
            if load:
                arr, notes = load_prepared(path, prep)
            else:
                _, notes = open_image(path, max_side_hint=256)
            size = _hash_update(h, root, path)
        except SkipFile as exc:
            result.skipped.append((path, str(exc)))
            continue
        except OSError as exc:  # vanished or became unreadable between decode and hashing
            result.skipped.append((path, f"unreadable: {exc.strerror or exc}"))
            continue
        result.usable.append(path)
        result.total_bytes += size
        if notes:
            result.notes[path] = notes
        if load:
            arrays.append(arr)
    result.sha256 = h.hexdigest()
    if load and arrays:
        result.images = np.stack(arrays)
    return result


def write_prepared(check: DatasetCheck, out: Path) -> int:
    """Write the processed images of a loaded check as PNGs (a run's own, already-square copy)."""
    from ..io.atomic import atomic_save

    if check.images is None:
        raise ValueError("the check holds no processed images: run it with load=True")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    mode = "RGBA" if check.images.shape[3] == 4 else "RGB"
    for i, arr in enumerate(check.images):
        atomic_save(out / f"{i:06d}.png", lambda tmp, a=arr: Image.fromarray(a, mode).save(tmp, format="PNG"))
    return len(check.images)
