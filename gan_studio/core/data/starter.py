"""Starter world: render Debian's emoji fonts into a labelled image folder.

No model hub is reachable, so every bundled model learns from real artwork that Debian ships:
Noto Color Emoji (colour, SIL OFL-1.1) and Symbola (monochrome). The manifest carries the labels the
other families need (caption, category, age level, skin tone, domain) and a fixed held-out split.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, features

from ..io.atomic import atomic_write_text

NOTO_COLOR = "/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf"
SYMBOLA = "/usr/share/fonts/truetype/ancient-scripts/Symbola_hint.ttf"
DEBIAN_PACKAGES = {"colour": "fonts-noto-color-emoji", "symbol": "fonts-symbola"}
SIZE = 128
SKIN_TONES = {0x1F3FB: 1, 0x1F3FC: 2, 0x1F3FD: 3, 0x1F3FE: 4, 0x1F3FF: 5}
# Ordinal age levels of the person emoji (starter-data.md): baby, child, adult, older adult.
AGE_LEVELS = {
    0x1F476: (0, "any"), 0x1F9D2: (1, "any"), 0x1F466: (1, "male"), 0x1F467: (1, "female"),
    0x1F9D1: (2, "any"), 0x1F468: (2, "male"), 0x1F469: (2, "female"),
    0x1F9D3: (3, "any"), 0x1F474: (3, "male"), 0x1F475: (3, "female"),
}
HELD_OUT_FRACTION = 0.1


class StarterDataError(RuntimeError):
    """Raised when the fonts the starter world needs are not installed."""


@dataclass(frozen=True)
class StarterItem:
    file: str
    name: str
    caption: str
    category: str
    domain: str
    split: str
    age_level: int | None = None
    gender: str | None = None
    skin_tone: int | None = None
    sequence: str = ""


def _category(cps: list[int], name: str) -> str:
    """Coarse category from code points: labels for our feature classifier and conditional models."""
    first = cps[0]
    if any(0x1F1E6 <= c <= 0x1F1FF for c in cps) or first == 0x1F3F4 and len(cps) > 2:
        return "flag"
    if any(c in SKIN_TONES for c in cps) or any(c in AGE_LEVELS for c in cps) or 0x200D in cps and any(
        0x1F466 <= c <= 0x1F487 or 0x1F9D1 <= c <= 0x1F9DF for c in cps
    ):
        return "person"
    if 0x1F600 <= first <= 0x1F64F or 0x1F910 <= first <= 0x1F92F or 0x1F970 <= first <= 0x1F97A \
            or 0x1FAE0 <= first <= 0x1FAEF or "face" in name:
        return "face"
    if 0x1F400 <= first <= 0x1F43F or 0x1F980 <= first <= 0x1F9AE or 0x1F330 <= first <= 0x1F344 \
            or 0x1F490 <= first <= 0x1F4AE and "heart" not in name or 0x1FAB0 <= first <= 0x1FABF:
        return "animal-nature"
    if 0x1F345 <= first <= 0x1F37F or 0x1F950 <= first <= 0x1F96F or 0x1FAD0 <= first <= 0x1FADF:
        return "food"
    if "heart" in name or 0x2600 <= first <= 0x27BF or 0x1F500 <= first <= 0x1F5FF and first >= 0x1F550:
        return "symbol"
    if 0x1F680 <= first <= 0x1F6FF or 0x1F3D4 <= first <= 0x1F3F0:
        return "travel-place"
    if 0x1F380 <= first <= 0x1F3D3:
        return "activity"
    return "object"


def _fonts() -> tuple[ImageFont.FreeTypeFont, ImageFont.FreeTypeFont | None]:
    if not os.path.exists(NOTO_COLOR):
        raise StarterDataError(
            f"{NOTO_COLOR} is missing: install the Debian package {DEBIAN_PACKAGES['colour']}"
        )
    engine = ImageFont.Layout.RAQM if features.check("raqm") else ImageFont.Layout.BASIC
    colour = ImageFont.truetype(NOTO_COLOR, size=109, layout_engine=engine)
    symbol = ImageFont.truetype(SYMBOLA, size=96) if os.path.exists(SYMBOLA) else None
    return colour, symbol


def render_colour(font: ImageFont.FreeTypeFont, text: str) -> Image.Image | None:
    """Render one emoji sequence into a centred 128×128 RGBA image; None if the font lacks it."""
    canvas = Image.new("RGBA", (160, 160), (0, 0, 0, 0))
    ImageDraw.Draw(canvas).text((8, 8), text, font=font, embedded_color=True)
    return _centre(canvas)


def render_symbol(font: ImageFont.FreeTypeFont, text: str) -> Image.Image | None:
    """Render a monochrome Symbola glyph as black ink on transparent background."""
    canvas = Image.new("L", (160, 160), 0)
    ImageDraw.Draw(canvas).text((16, 16), text, font=font, fill=255)
    rgba = Image.new("RGBA", canvas.size, (0, 0, 0, 0))
    rgba.putalpha(canvas)
    return _centre(rgba)


def _centre(canvas: Image.Image) -> Image.Image | None:
    box = canvas.getchannel("A").getbbox()
    if box is None or (box[2] - box[0]) < 8 or (box[3] - box[1]) < 8:
        return None
    ink = canvas.crop(box)
    scale = min(1.0, (SIZE - 4) / max(ink.size))
    if scale < 1.0:
        ink = ink.resize((max(1, round(ink.width * scale)), max(1, round(ink.height * scale))),
                         Image.Resampling.LANCZOS)
    out = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    out.paste(ink, ((SIZE - ink.width) // 2, (SIZE - ink.height) // 2))
    return out


def _emoji_sequences() -> Iterator[tuple[str, str]]:
    import emoji

    for seq, data in emoji.EMOJI_DATA.items():
        if data.get("status") != emoji.STATUS["fully_qualified"]:
            continue
        yield seq, data["en"].strip(":").replace("_", " ")


def _split_for(key: str) -> str:
    """Deterministic held-out split by hash, so rebuilding never moves an image across splits."""
    h = int(hashlib.sha1(key.encode("utf-8")).hexdigest()[:8], 16)
    return "heldout" if (h % 1000) < HELD_OUT_FRACTION * 1000 else "train"


def build_starter(out: Path, limit: int | None = None) -> list[StarterItem]:
    """Render the starter world into ``out`` ({colour,symbol}/{train,heldout}/, manifest.jsonl)."""
    colour_font, symbol_font = _fonts()
    out = Path(out)
    for domain in ("colour", "symbol"):
        for split in ("train", "heldout"):
            (out / domain / split).mkdir(parents=True, exist_ok=True)
    items: list[StarterItem] = []
    seen: set[bytes] = set()
    for seq, name in _emoji_sequences():
        if limit is not None and len(items) >= limit:
            break
        cps = [ord(c) for c in seq if ord(c) != 0xFE0F]
        img = render_colour(colour_font, seq)
        if img is None:
            continue
        digest = hashlib.sha1(img.tobytes()).digest()
        if digest in seen:
            continue
        seen.add(digest)
        stem = "-".join(f"{c:x}" for c in cps)
        age = next((AGE_LEVELS[c] for c in cps if c in AGE_LEVELS), None) if len(cps) <= 2 else None
        tone = next((SKIN_TONES[c] for c in cps if c in SKIN_TONES), 0)
        category = _category(cps, name)
        split = _split_for(stem)
        img.save(out / "colour" / split / f"{stem}.png")
        items.append(StarterItem(
            file=f"colour/{split}/{stem}.png", name=name, caption=f"an emoji of {name}", category=category,
            domain="colour", split=split, age_level=age[0] if age else None,
            gender=age[1] if age else None, skin_tone=tone if category == "person" else None,
            sequence=seq,
        ))
        if symbol_font is not None and len(cps) == 1 and symbol_font.getmask(seq).getbbox():
            sym = render_symbol(symbol_font, seq)
            if sym is not None:
                sym.save(out / "symbol" / split / f"{stem}.png")
                items.append(StarterItem(
                    file=f"symbol/{split}/{stem}.png", name=name, caption=f"a symbol of {name}",
                    category=category, domain="symbol", split=split, sequence=seq,
                ))
    manifest = "".join(json.dumps(asdict(i), ensure_ascii=False) + "\n" for i in items)
    atomic_write_text(out / "manifest.jsonl", manifest)
    write_unpaired(out, items)
    write_unpaired(out, items, "smileys", categories=("face",))
    write_faces(out, items)
    return items


def write_unpaired(out: Path, items: list[StarterItem], folder: str = "symbol2colour",
                   categories: tuple[str, ...] | None = None) -> None:
    """CycleGAN's layout for symbol ↔ colour: ``symbol2colour/{train,test}{A,B}`` with the emoji both fonts
    draw (same content distribution in both domains; the trainer never sees which file matches which).
    ``smileys/`` is the same for the face emoji alone: one subject, CoGAN's starter pair."""
    import shutil

    symbols = {Path(i.file).name: i for i in items if i.domain == "symbol"}
    root = out / folder
    for item in items:
        name = Path(item.file).name
        if item.domain != "colour" or name not in symbols or (categories and item.category not in categories):
            continue
        split = "train" if item.split == "train" else "test"
        for domain, src in (("A", symbols[name].file), ("B", item.file)):
            target = root / f"{split}{domain}" / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(out / src, target)


def write_faces(out: Path, items: list[StarterItem]) -> None:
    """``faces/{train,heldout}``: smileys and people's heads, the starter explorer model's set. One kind of
    subject trains to recognisable images in CPU-hours; all 3,800 emoji at once need GPU-days."""
    import shutil

    from .labels import starter_face_label

    for item in items:
        if item.domain != "colour":
            continue
        if item.category != "face" and starter_face_label(item.name, item.skin_tone) is None:
            continue
        target = out / "faces" / item.split / Path(item.file).name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(out / item.file, target)


def read_manifest(root: Path) -> list[StarterItem]:
    """Load a starter manifest written by :func:`build_starter`."""
    lines = (Path(root) / "manifest.jsonl").read_text(encoding="utf-8").splitlines()
    return [StarterItem(**json.loads(line)) for line in lines if line.strip()]
