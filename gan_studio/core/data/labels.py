"""Labelled folders for the conditional families: ages (Age-cGAN) and captions (text-to-image).

A folder is either the starter world (``manifest.jsonl`` at its root) or the user's own:
- ages: subfolders named for a level (``baby``, ``child``, ``adult``, ``old`` or ``0``–``3``) or for an age in
  years, an ``ages.csv`` (``file,age``), or an age in years leading the file name (``23_anna.jpg``);
- captions: a ``.txt`` beside each image, or a ``captions.csv`` (``file,caption``).
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from pathlib import Path

from .check import iter_candidates

AGE_NAMES = ("baby", "child", "adult", "old")
GENDERS = ("any", "male", "female")
SKIN_TONES = 6  # default yellow + five Fitzpatrick tones
# Face emoji of the starter world and their (age level, gender); hair variants are adult faces.
STARTER_FACES = {
    "baby": (0, "any"), "child": (1, "any"), "boy": (1, "male"), "girl": (1, "female"),
    "person": (2, "any"), "man": (2, "male"), "woman": (2, "female"),
    "older person": (3, "any"), "old man": (3, "male"), "old woman": (3, "female"),
}
HAIR = ("bald", "beard", "blond hair", "curly hair", "red hair")
TONE_WORDS = ("light skin tone", "medium-light skin tone", "medium skin tone", "medium-dark skin tone",
              "dark skin tone")


@dataclass(frozen=True)
class AgeLabel:
    level: float  # 0 baby … 3 old; fractional between levels
    gender: str = "any"
    skin_tone: int = 0


def years_to_level(years: float) -> int:
    """Ages in years onto the four ordinal levels (0–2 baby, 3–12 child, 13–59 adult, 60+ old)."""
    return 0 if years < 3 else 1 if years < 13 else 2 if years < 60 else 3


def _base_name(name: str) -> str:
    for word in sorted(TONE_WORDS, key=len, reverse=True):
        name = name.replace(word, "")
    return " ".join(name.replace(":", " ").replace(",", " ").split())


def starter_face_label(name: str, skin_tone: int | None) -> AgeLabel | None:
    base = _base_name(name)
    if base in STARTER_FACES:
        level, gender = STARTER_FACES[base]
        return AgeLabel(level, gender, skin_tone or 0)
    for who, gender in (("man", "male"), ("woman", "female"), ("person", "any")):
        if any(base == f"{who} {h}" for h in HAIR):
            return AgeLabel(2, gender, skin_tone or 0)
    return None


def manifest_rows(root: Path) -> list[dict]:
    """The rows of a starter folder's manifest.jsonl (plain dicts)."""
    return [json.loads(line) for line in (root / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
            if line.strip()]


def _images(root: Path) -> list[Path]:
    """Images and the files that look like images but cannot be read here (SVG, HEIC…): those reach the loader,
    which lists them as skipped with the reason instead of leaving them out without a word."""
    return sorted(iter_candidates(root))


def _level_from_text(text: str) -> float | None:
    text = text.strip().lower()
    if text in AGE_NAMES:
        return float(AGE_NAMES.index(text))
    try:
        value = float(text)
    except ValueError:
        return None
    return value if text in ("0", "1", "2", "3") else float(years_to_level(value))


def load_age_labels(root: Path, splits: tuple[str, ...] = ("train", "heldout")) -> list[tuple[Path, AgeLabel]]:
    """(image, label) for every age-labelled image in a folder; unlabelled images are left out."""
    root = Path(root)
    if (root / "manifest.jsonl").is_file():
        out = []
        for row in manifest_rows(root):
            if row.get("domain") != "colour" or row.get("split") not in splits:
                continue
            label = starter_face_label(row["name"], row.get("skin_tone"))
            if label is not None:
                out.append((root / row["file"], label))
        return out
    table: dict[str, float] = {}
    if (root / "ages.csv").is_file():
        with open(root / "ages.csv", newline="", encoding="utf-8") as fh:
            for rec in csv.reader(fh):
                if len(rec) >= 2 and (lvl := _level_from_text(rec[1])) is not None:
                    table[rec[0].strip()] = lvl
    out = []
    for path in _images(root):
        rel = path.relative_to(root).as_posix()
        level = table.get(rel, table.get(path.name))
        if level is None and path.parent != root:
            level = _level_from_text(path.parent.name)
        if level is None and (m := re.match(r"(\d{1,3})[_\- ]", path.name)):
            level = float(years_to_level(float(m.group(1))))
        if level is not None:
            out.append((path, AgeLabel(level)))
    return out


def age_condition(label: AgeLabel) -> list[float]:
    """The raw condition vector: age (one-hot, linearly interpolated between levels) ‖ gender ‖ tone."""
    lvl = min(max(float(label.level), 0.0), 3.0)
    age = [0.0] * 4
    lo = min(int(lvl), 2)
    frac = lvl - lo
    age[lo] += 1 - frac
    age[lo + 1] += frac
    gender = [1.0 if g == label.gender else 0.0 for g in GENDERS]
    tone = [1.0 if i == label.skin_tone else 0.0 for i in range(SKIN_TONES)]
    return age + gender + tone


AGE_C_DIM = 4 + len(GENDERS) + SKIN_TONES


# -- captions ------------------------------------------------------------------------------------------
def caption_variants(name: str, category: str | None) -> list[str]:
    """Several phrasings of one starter name so the model learns the words, not one template."""
    base = _base_name(name)
    out = [f"an emoji of {name}", name, f"a {base}", f"a picture of {base}"]
    if category:
        out.append(f"a {category} emoji: {base}")
    if noun := head_noun(name):
        out.append(noun if noun.endswith("s") and not noun.endswith("ss")
                   else f"{'an' if noun[0] in 'aeiou' else 'a'} {noun}")
    return list(dict.fromkeys(out))


_NOT_NOUNS = {"right", "left", "up", "down", "upwards", "downwards", "button", "together"}


def head_noun(name: str) -> str | None:
    """The noun a short prompt would use ("palm tree" → "tree", "grinning cat with big eyes" → "cat",
    "man: white hair" → "man"); None for one-word names, verbs ("person running") and directions."""
    base = _base_name(name.split(":", 1)[0])
    head = re.split(r"\b(?:with|in|on|of|for|and|at)\b", base, maxsplit=1)[0].split()
    if len(_base_name(name).split()) < 2 or not head:  # "with …" alone has no head
        return None
    verb = next((i for i, w in enumerate(head) if i > 0 and w.endswith("ing")), None)
    if verb is not None:  # "man getting massage", "person running": the subject
        head = head[:verb]
    elif any(base.endswith(h) for h in (*HAIR, "white hair")):  # "man blond hair"
        head = head[:1]
    noun = head[-1].lower()
    if not noun.isalpha() or len(noun) < 3 or noun.endswith("ing") or noun in _NOT_NOUNS:
        return None
    return noun


def balance_weights(captions: list[list[str]]) -> list[float]:
    """Sampling weight per image: 1 / images sharing its captions once skin-tone words are stripped, so the
    five tone variants of an emoji count as one design (2066 of the 3787 starter emoji are people)."""
    keys = [frozenset(_base_name(c) for c in caps) for caps in captions]
    counts: dict[frozenset[str], int] = {}
    for k in keys:
        counts[k] = counts.get(k, 0) + 1
    return [1.0 / counts[k] for k in keys]


SHORT_PROMPT_WEIGHT = 2.0


def phrasing_weights(captions: list[list[str]], k: int) -> list[list[float]]:
    """[N, k] draw weight per phrasing slot: people type short prompts ("a tree", "red heart"), so captions
    of at most two words are drawn twice as often; the slots that repeat a phrasing to fill k get 0."""
    out = []
    for caps in captions:
        row = [SHORT_PROMPT_WEIGHT if len(c.split()) <= 2 else 1.0 for c in caps[:k]]
        out.append(row + [0.0] * (k - len(row)))
    return out


def load_captions(root: Path, splits: tuple[str, ...] = ("train",)) -> list[tuple[Path, list[str]]]:
    """(image, captions) pairs; an image without a caption is left out."""
    root = Path(root)
    if (root / "manifest.jsonl").is_file():
        return [(root / r["file"], caption_variants(r["name"], r.get("category"))) for r in manifest_rows(root)
                if r.get("domain") == "colour" and r.get("split") in splits]
    table: dict[str, list[str]] = {}
    if (root / "captions.csv").is_file():
        with open(root / "captions.csv", newline="", encoding="utf-8") as fh:
            for rec in csv.reader(fh):
                if len(rec) >= 2 and rec[1].strip():
                    table.setdefault(rec[0].strip(), []).append(rec[1].strip())
    out = []
    for path in _images(root):
        caps = table.get(path.relative_to(root).as_posix()) or table.get(path.name)
        txt = path.with_suffix(".txt")
        if caps is None and txt.is_file():
            caps = [ln.strip() for ln in txt.read_text(encoding="utf-8", errors="replace").splitlines()
                    if ln.strip()]
        if caps:
            out.append((path, caps))
    return out
