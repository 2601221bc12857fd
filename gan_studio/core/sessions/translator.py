"""TranslatorSession: image-to-image models (pix2pix sketches, CycleGAN domains, ×4 super-resolution).

Takes and returns HWC uint8 arrays of any size. Inputs are converted to the channels the net was trained
on; outputs keep the input's size. Large images run in overlapping tiles with whole-image norm
statistics. A seed switches on pix2pix's dropout with a fixed mask: that is the model's "variation".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..device import pick_device, tune_allocator
from ..io.tiling import pad_to_multiple, tiled_apply
from ..library.cards import ModelCard
from ..library.registry import Library
from ..nets.norms import shared_norm_stats

ProgressFn = Callable[[int, int, Path], None]


@dataclass
class BatchReport:
    written: list[Path] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    cancelled: bool = False


MIN_INK = 0.002  # share of a sketch's pixels that must be ink (at 128 px: 33 pixels, a short stroke) to paint


BYTES_PER_OUTPUT_PIXEL = 14  # per channel and pixel: float32 result, its blend weight share, clamp copy, uint8


def check_output_memory(out_h: int, out_w: int, channels: int) -> None:
    """Refuse, before allocating, a result this machine cannot hold (e.g. ×4 of an 8000×8000 image is
    32000×32000: about 57 GB while it is made), with the largest input that would fit."""
    from ..device import available_ram

    need = out_h * out_w * max(channels, 3) * BYTES_PER_OUTPUT_PIXEL
    ram = available_ram()
    if ram is None or need <= 0.8 * ram:
        return
    fits = (0.8 * ram / (max(channels, 3) * BYTES_PER_OUTPUT_PIXEL)) ** 0.5
    raise MemoryError(f"the result would be {out_w}×{out_h} px ({out_w * out_h / 1e6:.0f} MP, about "
                      f"{need / 2**30:.0f} GiB while it is made) and this machine has {ram / 2**30:.1f} GiB free; "
                      f"the largest result that fits is about {int(fits)}×{int(fits)} px: use a smaller image or "
                      "crop it")


def to_net_input(img: np.ndarray, channels: int) -> torch.Tensor:
    """HWC uint8 with 1, 3 or 4 channels → 1×C×H×W in [−1, 1]; RGB is composited on white (as in training)."""
    if img.ndim == 2:
        img = img[..., None]
    arr = img.astype(np.float32)
    c = arr.shape[2]
    alpha = arr[..., 3:4] / 255.0 if c == 4 else np.ones_like(arr[..., :1])
    rgb = arr[..., :3] if c >= 3 else np.repeat(arr[..., :1], 3, 2)
    rgb = rgb * alpha + 255.0 * (1 - alpha)
    if channels == 1:
        out = (rgb @ np.array([0.299, 0.587, 0.114], np.float32))[..., None]
    elif channels == 3:
        out = rgb
    else:
        out = np.concatenate([rgb, alpha * 255.0], 2)
    return torch.from_numpy(np.ascontiguousarray(out)).permute(2, 0, 1)[None] / 127.5 - 1.0


def to_image(x: torch.Tensor) -> np.ndarray:
    return (x[0].float() * 127.5 + 128).clamp(0, 255).to(torch.uint8).permute(1, 2, 0).cpu().numpy()


def _multiple(net: nn.Module) -> int:
    return int(getattr(net, "multiple", 1))


class TranslatorSession:
    def __init__(self, card: ModelCard, nets: dict[str, nn.Module], device: torch.device | None = None) -> None:
        tune_allocator()
        self.card = card
        self.model_id = card.id
        self.device = device or torch.device("cpu")
        self.nets = {k: n.to(self.device).eval() for k, n in nets.items()}

    @classmethod
    def open(cls, model_id: str, library: Library | None = None, device: str | torch.device | None = None
             ) -> TranslatorSession:
        lib = library or Library()
        dev = device if isinstance(device, torch.device) else pick_device(device)
        return cls(lib.card(model_id), lib.load(model_id), dev)

    # -- what the model offers -------------------------------------------------------------------------
    @property
    def resolution(self) -> int:
        return self.card.resolution

    @property
    def directions(self) -> dict[str, str]:
        """Direction key → label, e.g. {'AtoB': 'symbol → colour', 'BtoA': 'colour → symbol'}."""
        a, b = self.card.architecture.get("domains", ["A", "B"])
        labels = {"AtoB": f"{a} → {b}", "BtoA": f"{b} → {a}", "up": f"×{self.scale}"}
        return {k: labels[k] for k in self.nets}

    @property
    def scale(self) -> int:
        return int(self.card.architecture.get("scale", 1))

    @property
    def has_variation(self) -> bool:
        return any(isinstance(m, nn.Dropout) for n in self.nets.values() for m in n.modules())


    def variation_effect(self, seeds: int = 4) -> float:
        """How much a variation seed changes a painting: the mean absolute change (grey levels, 0–255, opaque
        pixels) from the plain painting, over a few seeds on a fixed test drawing (a face in a circle). Lets
        the sketch pad say when dropout barely moves this model's paintings instead of seeming broken."""
        import cv2

        if not self.has_variation:
            return 0.0
        sheet = np.full((256, 256), 255, np.uint8)
        cv2.circle(sheet, (128, 128), 90, 0, 6)
        for cx in (95, 161):
            cv2.circle(sheet, (cx, 105), 12, 0, -1)
        cv2.ellipse(sheet, (128, 150), (45, 25), 0, 10, 170, 0, 6)
        plain = self.sketch(sheet).astype(np.float32)
        mask = plain[..., 3] >= 128 if plain.shape[2] == 4 else np.ones(plain.shape[:2], bool)
        diffs = [np.abs(self.sketch(sheet, seed=s).astype(np.float32) - plain)[..., :3][mask].mean()
                 for s in range(seeds)]
        return round(float(np.mean(diffs)), 1)
    def resolve_direction(self, text: str | None) -> str:
        """'AtoB', 'BtoA', or domain names such as 'symbol2colour' / 'symbol→colour' → a direction key."""
        if text is None:
            return next(iter(self.nets))
        if text in self.nets:
            return text
        norm = text.replace(" ", "").replace("→", "2").replace("->", "2").lower()
        for key, label in self.directions.items():
            if label.replace(" ", "").replace("→", "2").lower() == norm:
                return key
        choices = ", ".join(f"{k} ({v})" for k, v in self.directions.items())
        raise ValueError(f"{self.model_id} has no direction {text!r}; it has {choices}")

    def _net(self, direction: str | None) -> nn.Module:
        return self.nets[self.resolve_direction(direction)]

    # -- running -------------------------------------------------------------------------------------------
    @torch.no_grad()
    def _forward(self, net: nn.Module, x: torch.Tensor, seed: int | None, tile: int, overlap: int,
                 stats_side: int) -> torch.Tensor:
        scale = self.scale
        mult = _multiple(net)
        x, (h, w) = pad_to_multiple(x.to(self.device), mult)
        dropouts = [m for m in net.modules() if isinstance(m, nn.Dropout)]
        with torch.random.fork_rng(devices=[]):
            if seed is not None:
                torch.manual_seed(seed)
                for m in dropouts:
                    m.train()
            try:
                if max(x.shape[-2:]) <= tile:
                    y = net(x)
                else:
                    tile = max(mult, tile // mult * mult)
                    overlap = min(overlap // mult * mult, tile // 2)
                    small = x
                    if max(x.shape[-2:]) > stats_side:
                        f = stats_side / max(x.shape[-2:])
                        size = [max(mult, round(s * f / mult) * mult) for s in x.shape[-2:]]
                        small = F.interpolate(x, size=size, mode="area")
                    with shared_norm_stats(net, small):
                        y = tiled_apply(net, x, tile, overlap, scale)
            finally:
                for m in dropouts:
                    m.eval()
        return y[..., : h * scale, : w * scale]

    def run(self, img: np.ndarray, direction: str | None = None, seed: int | None = None, fit: str = "native",
            tile: int = 512, overlap: int = 64, stats_side: int = 512) -> np.ndarray:
        """Translate ``img`` (HWC uint8). ``fit="model"`` works at the model's training scale (longest side
        = its resolution) and resizes the result back to the input's size."""
        net = self._net(direction)
        channels = _in_channels(net)
        h, w = img.shape[:2]
        if fit == "model" and max(h, w) != self.resolution:
            work = _resize(img, self.resolution / max(h, w))
            out = to_image(self._forward(net, to_net_input(work, channels), seed, tile, overlap, stats_side))
            return _resize_to(out, (w * self.scale, h * self.scale))
        check_output_memory(h * self.scale, w * self.scale, self.card.channels)
        x = to_net_input(img, channels)
        return to_image(self._forward(net, x, seed, tile, overlap, stats_side))

    def sketch(self, sketch: np.ndarray, seed: int | None = None) -> np.ndarray:
        """A drawing (HW or HWC uint8, dark lines on white) → an image at the model's resolution."""
        if sketch.ndim == 3:
            sketch = sketch[..., 0] if sketch.shape[2] == 1 else (to_net_input(sketch, 1)[0, 0].numpy() * 127.5
                                                                    + 127.5).round().astype(np.uint8)
        if sketch.shape != (self.resolution, self.resolution):
            sketch = _resize_to(sketch[..., None], (self.resolution, self.resolution))[..., 0]
        if int((sketch < 128).sum()) < MIN_INK * sketch.size:
            # Nothing drawn yet (or a stray dot): the model would invent a smear from nothing; an empty drawing
            # paints an empty, transparent picture.
            out = np.zeros((*sketch.shape, self.card.channels), np.uint8)
            if self.card.channels == 3:
                out[:] = 255
            return out
        return self.run(sketch, seed=seed)

    def check_fits(self, width: int, height: int, fit: str = "native") -> None:
        """Refuse (MemoryError) what :meth:`run` would refuse for a ``width``×``height`` input, before it is
        decoded; at the model's scale the result is only resized back, which any decodable image allows."""
        if fit == "model" and max(width, height) != self.resolution:
            return
        check_output_memory(height * self.scale, width * self.scale, self.card.channels)

    def upscale(self, img: np.ndarray, tile: int = 256) -> np.ndarray:
        return self.run(img, "up", tile=tile, overlap=16)

    def translate_folder(self, src: Path, dst: Path, direction: str | None = None, fit: str = "model",
                         progress_fn: ProgressFn | None = None, abort_fn: Callable[[], bool] | None = None,
                         colours: Any = None) -> BatchReport:
        """Translate every image under ``src`` into ``dst`` (same relative names, .png); bad files are
        skipped with their reason and the rest still run. ``abort_fn`` cancels between images; ``colours``
        (a core.colour.ColourStep) recolours every result the same way."""
        from ..colour import apply_colours
        from ..data.images import scan_folder
        from ..io.export import export_png

        src, dst = Path(src), Path(dst)
        scan = scan_folder(src)
        report = BatchReport(skipped=list(scan.skipped))
        for i, path in enumerate(scan.usable):
            if abort_fn is not None and abort_fn():
                report.cancelled = True
                break
            try:
                img = read_image(path)
            except (OSError, ValueError) as exc:
                report.skipped.append((path, f"unreadable: {exc}"))
                continue
            out = apply_colours(self.run(img, direction, fit=fit), colours)
            target = (dst / path.relative_to(src)).with_suffix(".png")
            extra = {"colours": colours.to_json()} if colours is not None and colours.active else {}
            export_png(out, target, self.recipe(direction=direction, source=path.name, fit=fit, **extra))
            report.written.append(target)
            if progress_fn is not None:
                progress_fn(i + 1, len(scan.usable), path)
        return report

    def recipe(self, **params: Any) -> dict[str, Any]:
        """What an exported translation records: the model (by id and sha256) and the settings."""
        from ... import __version__
        from .requests import RECIPE_VERSION

        return {"app": "gan-studio", "app_version": __version__, "recipe_version": RECIPE_VERSION,
                "kind": self.card.tasks[0], "model_id": self.model_id, "family": self.card.family,
                "model_sha256": self.card.files[0].sha256, **params}


def _in_channels(net: nn.Module) -> int:
    first = next(m for m in net.modules() if isinstance(m, nn.Conv2d))
    return first.in_channels


def _resize(img: np.ndarray, f: float) -> np.ndarray:
    h, w = img.shape[:2]
    return _resize_to(img, (max(1, round(w * f)), max(1, round(h * f))))


def _resize_to(img: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize HWC uint8 to (width, height) with Lanczos (area for shrinking is what cv2 does best)."""
    import cv2

    w, h = size
    interp = cv2.INTER_AREA if w < img.shape[1] else cv2.INTER_LANCZOS4
    out = cv2.resize(img, (w, h), interpolation=interp)
    return out[..., None] if out.ndim == 2 else out


def _open_checked(path: Path) -> Any:
    """The opened image (nothing decoded yet), or a ValueError for a decompression bomb or anything over the
    app's pixel limit."""
    import warnings

    from PIL import Image

    from ..data.check import MAX_PIXELS
    from ..io.files import is_regular_file, not_regular

    if Path(path).exists() and not is_regular_file(path):  # a missing file is Pillow's own FileNotFoundError
        raise ValueError(not_regular(path))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            im = Image.open(path)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ValueError(f"{Path(path).name}: a decompression bomb ({exc}); nothing was decoded") from exc
    w, h = im.size
    if w * h > MAX_PIXELS:
        im.close()
        raise ValueError(f"{Path(path).name}: {w}×{h} pixels is over the {MAX_PIXELS // 10**6} M-pixel "
                         "limit (a decompression bomb, or simply too large); nothing was decoded")
    return im


def _orientation(im: Any, decode: bool = True) -> int:
    """The EXIF orientation 1…8 (1 when absent, damaged or out of range: 0, 9 and 65535 mean nothing). Without
    ``decode`` a PNG whose EXIF would follow its pixels is not read to the end for it (1)."""
    if not decode and im.format == "PNG" and "exif" not in im.info:
        return 1
    try:
        value = im.getexif().get(0x0112, 1)
    except (OSError, ValueError, SyntaxError, TypeError, KeyError):
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def image_size(path: Path) -> tuple[int, int]:
    """(width, height) as shown, read from the header (nothing decoded): a size check before any decoding."""
    with _open_checked(path) as im:
        w, h = im.size
        return (h, w) if _orientation(im, decode=False) >= 5 else (w, h)


def read_image(path: Path) -> np.ndarray:
    """Any image file → HWC uint8 RGBA (EXIF-rotated); errors are OSError/ValueError with a reason.

    A decompression bomb (or anything over the app's pixel limit) is a ValueError saying so, before decoding.
    The decoded image is let go before the array is made, so a 64 MP photo peaks near 0.6 GB, not 1.2."""
    from PIL import ImageOps

    try:
        with _open_checked(path) as im:
            img = ImageOps.exif_transpose(im) if _orientation(im) != 1 else im
            if img.mode == "RGBA":
                return np.asarray(img)
            rgba = img.convert("RGBA")
            del img
        return np.asarray(rgba)  # the file's own decoded pixels were freed when it closed
    except MemoryError as exc:
        raise ValueError(f"{Path(path).name}: too large to decode in memory") from exc
