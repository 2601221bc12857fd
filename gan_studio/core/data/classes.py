"""Class-labelled image folders for conditional training: one subfolder per class, or a labels.csv (file,label)."""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

import numpy as np

from .check import DatasetCheck, iter_candidates
from .images import FolderScan, load_folder

LABELS_CSV = "labels.csv"


def _csv_rows(root: Path) -> list[tuple[Path, str]]:
    with open(root / LABELS_CSV, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or not {"file", "label"} <= set(reader.fieldnames):
            raise ValueError(f"{root / LABELS_CSV} needs the columns file,label")
        return [(root / row["file"], row["label"].strip()) for row in reader if row["file"] and row["label"]]


def _subfolder_rows(root: Path) -> list[tuple[Path, str]]:
    return [(path, sub.name) for sub in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
            for path in iter_candidates(sub)]


def labelled_files(root: Path) -> list[tuple[Path, str]]:
    """(image, class name) pairs: labels.csv when the folder has one, else each subfolder is a class."""
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"not a folder: {root}")
    return _csv_rows(root) if (root / LABELS_CSV).is_file() else _subfolder_rows(root)


def class_names(root: Path) -> list[str]:
    """The classes of a labelled folder, sorted (their order is the labels' numbering, saved with the run)."""
    names = sorted({label for _, label in labelled_files(root)})
    if len(names) < 2:
        raise ValueError(f"{root}: conditional training needs at least two classes (one subfolder per class, or a "
                         f"{LABELS_CSV} with file,label); found {len(names)}")
    return names


def load_classes(root: Path, resolution: int, channels: int, classes: tuple[str, ...] | list[str]
                 ) -> tuple[np.ndarray, np.ndarray, FolderScan]:
    """Images NHWC uint8 and their labels (indices into ``classes``); files of another class are skipped."""
    index = {name: i for i, name in enumerate(classes)}
    rows = labelled_files(root)
    unknown = [(p, f"class {label!r} is not one of the run's classes") for p, label in rows if label not in index]
    rows = [(p, label) for p, label in rows if label in index]
    arr, scan = load_folder(Path(root), resolution, channels, files=[p for p, _ in rows])
    label_of = {p: index[label] for p, label in rows}
    scan.skipped.extend(unknown)
    return arr, np.array([label_of[p] for p in scan.usable], dtype=np.int64), scan


def write_prepared_labels(check: DatasetCheck, out: Path) -> int:
    """A labels.csv for a check's prepared copy (write_prepared names the usable files 000000.png … in order),
    so a conditional job trains on the folder's classes; files without a class are left out of it."""
    from ..io.atomic import atomic_write_text

    label_of = {os.path.normpath(p): label for p, label in labelled_files(check.root)}
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["file", "label"])
    rows = [(f"{i:06d}.png", label_of[os.path.normpath(p)]) for i, p in enumerate(check.usable)
            if os.path.normpath(p) in label_of]
    writer.writerows(rows)
    atomic_write_text(Path(out) / LABELS_CSV, buf.getvalue())
    return len(rows)
