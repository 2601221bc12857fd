"""Paired (pix2pix) and unpaired (CycleGAN) datasets as uint8 tensors, with reasons for every skip."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .images import FolderScan, load_image, scan_folder
from .sketch import extract_sketch


@dataclass
class PairedData:
    a: np.ndarray  # N×H×W×Ca uint8
    b: np.ndarray  # N×H×W×Cb uint8
    skipped: list[tuple[Path, str]] = field(default_factory=list)


def _load_all(scan: FolderScan, size: int, channels: int) -> tuple[list[Path], np.ndarray, list]:
    """Every usable image at ``size``; one channel (a sketch side) is the grey of the image on white."""
    ok, arrs, skipped = [], [], list(scan.skipped)
    for path in scan.usable:
        try:
            arr = load_image(path, size, 3 if channels == 1 else channels)
            arrs.append(arr.mean(-1, keepdims=True).astype(np.uint8) if channels == 1 else arr)
            ok.append(path)
        except (OSError, ValueError) as exc:
            skipped.append((path, f"unreadable: {exc}"))
    if not arrs:
        why = f"; e.g. {skipped[0][0].name}: {skipped[0][1]}" if skipped else ""
        raise ValueError(f"no usable images ({len(skipped)} skipped{why})")
    return ok, np.stack(arrs), skipped


def load_paired(root: Path, size: int, channels_a: int, channels_b: int) -> PairedData:
    """``root/A`` and ``root/B`` with matching file stems."""
    root = Path(root)
    if (root / "A").is_dir() and (root / "B").is_dir():
        pa, xa, sa = _load_all(scan_folder(root / "A"), size, channels_a)
        pb, xb, sb = _load_all(scan_folder(root / "B"), size, channels_b)
        ib = {p.stem: i for i, p in enumerate(pb)}
        keep = [(i, ib[p.stem]) for i, p in enumerate(pa) if p.stem in ib]
        skipped = sa + sb + [(p, "no partner with the same name in B/") for p in pa if p.stem not in ib]
        skipped += [(p, "no partner with the same name in A/") for p in pb if p.stem not in {q.stem for q in pa}]
        if not keep:
            raise ValueError(f"{root}: no file names match between A/ and B/")
        return PairedData(xa[[i for i, _ in keep]], xb[[j for _, j in keep]], skipped)
    raise ValueError(f"{root}: paired data needs A/ and B/ folders with matching names")


def load_side_by_side(root: Path, size: int, channels_a: int, channels_b: int) -> PairedData:
    from PIL import Image

    scan = scan_folder(Path(root))
    a, b, skipped = [], [], list(scan.skipped)
    for path in scan.usable:
        try:
            with Image.open(path) as im:
                w, h = im.size
                if abs(w - 2 * h) > 2:
                    skipped.append((path, f"not a side-by-side pair ({w}×{h}; width must be 2 × height)"))
                    continue
                im = im.convert("RGBA")
                left, right = im.crop((0, 0, w // 2, h)), im.crop((w // 2, 0, w, h))
            a.append(_pil_to(left, size, channels_a))
            b.append(_pil_to(right, size, channels_b))
        except (OSError, ValueError) as exc:
            skipped.append((path, f"unreadable: {exc}"))
    if not a:
        raise ValueError(f"{root}: no usable side-by-side pairs")
    return PairedData(np.stack(a), np.stack(b), skipped)


def _pil_to(im, size: int, channels: int) -> np.ndarray:
    from PIL import Image

    im = im.resize((size, size), Image.Resampling.LANCZOS)
    arr = np.asarray(im)
    if channels == 4:
        return arr
    rgb = arr[..., :3].astype(np.float32)
    a = arr[..., 3:4].astype(np.float32) / 255
    out = (rgb * a + 255 * (1 - a)).round().astype(np.uint8)
    return out if channels == 3 else out.mean(-1, keepdims=True).astype(np.uint8)


def load_pairs(root: Path, size: int, channels_a: int, channels_b: int) -> PairedData:
    """A/ and B/ folders with matching names, else side-by-side AB images."""
    root = Path(root)
    if (root / "A").is_dir() and (root / "B").is_dir():
        return load_paired(root, size, channels_a, channels_b)
    return load_side_by_side(root, size, channels_a, channels_b)


def load_sketch_pairs(root: Path, size: int, channels_b: int) -> PairedData:
    """Artwork only: A is each image's extracted line drawing (thin lines; the trainer augments them)."""
    _, b, skipped = _load_all(scan_folder(Path(root)), size, channels_b)
    a = np.stack([extract_sketch(img)[..., None] for img in b])
    return PairedData(a, b, skipped)


@dataclass
class UnpairedData:
    a: np.ndarray  # N×H×W×C uint8
    b: np.ndarray  # M×H×W×C uint8
    names_a: list[str] = field(default_factory=list)  # file name of each A image (same order)
    names_b: list[str] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)

    def same_name_pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """Index arrays (ia, ib) of the A and B images whose files share a name (stem), in A's order: the
        known pairs a weakly paired loss may use; both empty where the folders share no names."""
        where_b = {Path(n).stem: i for i, n in enumerate(self.names_b)}
        ia = [i for i, n in enumerate(self.names_a) if Path(n).stem in where_b]
        ib = [where_b[Path(self.names_a[i]).stem] for i in ia]
        return np.asarray(ia, dtype=np.int64), np.asarray(ib, dtype=np.int64)


def load_domains(root: Path, size: int, channels: int) -> UnpairedData:
    """``root/trainA`` and ``root/trainB`` (CycleGAN's layout), or ``root/A`` and ``root/B``, with file names."""
    root = Path(root)
    for na, nb in (("trainA", "trainB"), ("A", "B")):
        if (root / na).is_dir() and (root / nb).is_dir():
            pa, xa, sa = _load_all(scan_folder(root / na), size, channels)
            pb, xb, sb = _load_all(scan_folder(root / nb), size, channels)
            return UnpairedData(xa, xb, [p.name for p in pa], [p.name for p in pb], sa + sb)
    raise ValueError(f"{root}: unpaired data needs two folders, trainA/ and trainB/ (or A/ and B/)")


def load_unpaired(root: Path, size: int, channels: int) -> tuple[np.ndarray, np.ndarray, list]:
    """``root/trainA`` and ``root/trainB`` (CycleGAN's layout), or ``root/A`` and ``root/B``."""
    d = load_domains(root, size, channels)
    return d.a, d.b, d.skipped
