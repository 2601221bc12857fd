"""GeneratorSession: the latent explorer's and mixing canvas's renderer, as pure functions of requests.

Requests are frozen dataclasses; a session returns HWC uint8 arrays (RGB or RGBA) and never touches the
GUI. It caches w per source so that dragging ψ or the interpolation slider only re-runs synthesis.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from typing import Any

import numpy as np
import torch

from ..device import autocast, describe, pick_device, tune_allocator
from ..io.images import grid, to_uint8
from ..library.registry import Library
from ..nets.stylegen import Generator, truncate, z_from_seed
from .requests import (  # noqa: F401  (re-exported: the session's request types)
    MixRequest,
    RenderRequest,
    Source,
    WalkRequest,
    layer_groups,
    layer_preset,
    make_recipe,
    request_from_recipe,
)


def mix_ws(row_ws: torch.Tensor, col_ws: torch.Tensor, layers: tuple[int, ...]) -> torch.Tensor:
    """The mixing definition: layers in ``layers`` from the column source, the rest from the row."""
    out = row_ws.clone()
    if layers:
        idx = torch.tensor(layers, dtype=torch.long)
        out[:, idx] = col_ws[:, idx]
    return out


class GeneratorSession:
    """Renders StyleGen images for one model; every method is a pure function of its request."""

    def __init__(self, model_id: str, G: Generator, sha256: str, device: torch.device | None = None) -> None:
        tune_allocator()
        self.model_id = model_id
        self.sha256 = sha256
        self.device = device or torch.device("cpu")
        self.G = G.to(self.device).eval().requires_grad_(False)
        self.memory_format = torch.channels_last if self.device.type == "cpu" else torch.contiguous_format
        self._w_cache: OrderedDict[Source, torch.Tensor] = OrderedDict()
        self._precision: dict[str, Any] | None = None

    @property
    def precision(self) -> dict[str, Any]:
        """bf16 or fp32 for this model on this machine, measured on first use (sessions/precision.py)."""
        if self._precision is None:
            from .precision import session_precision

            ws = self.G.mapping.w_avg.view(1, 1, -1).repeat(2, self.num_ws, 1)
            self._precision = session_precision(
                self.sha256, lambda: self.G.synthesize(ws, "const", 1.0, memory_format=self.memory_format),
                self.device)
        return self._precision

    @classmethod
    def open(cls, model_id: str, library: Library | None = None, device: str | torch.device | None = None
             ) -> GeneratorSession:
        lib = library or Library()
        card = lib.card(model_id)
        G = lib.load(model_id)
        dev = device if isinstance(device, torch.device) else pick_device(device)
        return cls(model_id, G, card.sha256_of("generator"), dev)

    @property
    def num_ws(self) -> int:
        return self.G.num_ws

    @property
    def resolution(self) -> int:
        return self.G.cfg.resolution

    @property
    def layer_groups(self) -> dict[str, tuple[int, ...]]:
        """The mixer's presets: the generator's own when it declares them (few-shot: content / style), else
        StyleGAN's coarse / middle / fine split."""
        own = getattr(self.G, "layer_groups", None)
        if own:
            return dict(own)
        if self.num_ws == int(math.log2(self.resolution)) - 1:  # one w per block: group by the size it styles
            res = self.layer_resolutions
            return {"coarse": tuple(i for i, r in enumerate(res) if r <= 8),
                    "middle": tuple(i for i, r in enumerate(res) if 16 <= r <= 32),
                    "fine": tuple(i for i, r in enumerate(res) if r >= 64)}
        return layer_groups(self.num_ws)

    @property
    def layer_resolutions(self) -> tuple[int, ...]:
        """The pixel size each style input drives: one w per block (4, 8, 16 px, ...) when a net has
        log2(res) − 1 of them (lucidrains), else StyleGen's two per resolution after the first (4, 8, 8, ...);
        a generator that declares its own (few-shot) is asked."""
        own = getattr(self.G, "layer_resolutions", None)
        if own:
            return tuple(own)
        if self.num_ws == int(math.log2(self.resolution)) - 1:
            return tuple(4 * 2 ** i for i in range(self.num_ws))
        return tuple(min(4 * 2 ** ((i + 1) // 2), self.resolution) for i in range(self.num_ws))

    def preset_effects(self, pairs: int = 6) -> dict[str, float]:
        """How much each mixing preset changes an image: the mean absolute change (grey levels, 0–255) when a
        row seed takes the preset's layers from a column seed, over a few fixed pairs. Lets the mixer say that
        a preset does little on this model (a 64 px StyleGen's "fine" layers move an image by ~6 levels, its
        "coarse" ones by ~35) instead of seeming broken."""
        rows = tuple(Source(seed=i) for i in range(pairs))
        cols = tuple(Source(seed=1000 + i) for i in range(pairs))
        base = np.stack(self.render_many([RenderRequest(self.model_id, source=r, psi=0.7) for r in rows]))
        out = {}
        for name, layers in self.layer_groups.items():
            if not layers:
                continue
            ws = torch.cat([mix_ws(self.w_of(r), self.w_of(c), layers) for r, c in zip(rows, cols, strict=True)])
            cells = self.synth(self._truncate(ws, 0.7), "const", 1.0)
            out[name] = round(float(np.abs(cells.astype(np.float32) - base.astype(np.float32))[..., :3].mean()), 1)
        return out

    def facts(self) -> dict[str, Any]:
        """What the window lays its controls out with, from the loaded model itself (the UI never reads a
        family's formula off the card, nor imports torch): asked for through the worker."""
        return {"model_id": self.model_id, "num_ws": self.num_ws, "resolution": self.resolution,
                "layer_resolutions": self.layer_resolutions, "layer_groups": self.layer_groups,
                "device": describe(self.device), "precision": self.precision["precision"],
                "noise": bool(getattr(self.G, "has_noise", True))}  # DCGAN, CoGAN: no noise inputs to set

    # -- latents ------------------------------------------------------------------------------------
    @torch.inference_mode()
    def w_of(self, src: Source) -> torch.Tensor:
        """Untruncated ws [1, num_ws, w_dim] of a source (cached, LRU of 512)."""
        if src in self._w_cache:
            self._w_cache.move_to_end(src)
            return self._w_cache[src]
        if src.seed is not None:
            ws = self.G.map(z_from_seed(src.seed, self.G.cfg.z_dim).to(self.device))
        else:
            w = torch.tensor(src.w, dtype=torch.float32, device=self.device)
            w_dim = self.G.cfg.w_dim
            if w.numel() == w_dim:
                ws = w.view(1, 1, w_dim).repeat(1, self.num_ws, 1)
            elif w.numel() == w_dim * self.num_ws:
                ws = w.view(1, self.num_ws, w_dim)
            else:
                raise ValueError(f"latent has {w.numel()} values; this model needs {w_dim} or "
                                 f"{w_dim * self.num_ws}")
        self._w_cache[src] = ws
        if len(self._w_cache) > 512:
            self._w_cache.popitem(last=False)
        return ws

    def _truncate(self, ws: torch.Tensor, psi: float) -> torch.Tensor:
        return ws if psi == 1.0 else truncate(ws, self.G.mapping.w_avg, psi)

    def path_ws(self, path: tuple[Source, ...], t: float) -> torch.Tensor:
        """Linear interpolation in W along a polyline of sources, t ∈ [0, len(path) − 1]."""
        if len(path) == 1:
            return self.w_of(path[0])
        t = min(max(t, 0.0), len(path) - 1.0)
        i = min(int(math.floor(t)), len(path) - 2)
        frac = t - i
        return torch.lerp(self.w_of(path[i]), self.w_of(path[i + 1]), frac)

    # -- rendering ------------------------------------------------------------------------------------
    @torch.inference_mode()
    def synth(self, ws: torch.Tensor, noise_mode: str, noise_strength: float) -> np.ndarray:
        with autocast(self.precision["precision"], self.device):
            img = self.G.synthesize(ws, noise_mode, noise_strength, memory_format=self.memory_format)
        return to_uint8(img.float())

    def request_ws(self, req: RenderRequest) -> torch.Tensor:
        """The ws a render request draws: its point on the path, truncated, then its semantic edits."""
        if req.class_name is not None and not getattr(self, "classes", ()):
            raise ValueError(f"{self.model_id} is not class-conditional: it draws no class {req.class_name!r}")
        ws = self._truncate(self.path_ws(req.sources(), req.t), req.psi)
        if req.edits:
            from .directions import COMPONENTS, apply_edits, directions_for

            k = max(COMPONENTS, max(e.direction for e in req.edits) + 1)
            ws = apply_edits(ws, directions_for(self, k), req.edits)
        return ws

    def directions(self, k: int = 16) -> list[dict[str, Any]]:
        """The model's top semantic directions (GANSpace PCA, cached per model): index and variance share."""
        from .directions import directions_for

        dirs = directions_for(self, k)
        return [{"index": i, "explained": float(dirs.explained[i]), "stddev": float(dirs.stddev[i])}
                for i in range(min(k, len(dirs)))]

    def render(self, req: RenderRequest) -> np.ndarray:
        return self.synth(self.request_ws(req), req.noise_mode, req.noise_strength)[0]

    def render_many(self, reqs: list[RenderRequest]) -> list[np.ndarray]:
        """Batch several requests with the same ψ/noise into one forward (the explorer grid)."""
        if not reqs:
            return []
        ws = torch.cat([self.request_ws(r) for r in reqs])
        out = self.synth(ws, reqs[0].noise_mode, reqs[0].noise_strength)
        return list(out)

    def mix_cells(self, req: MixRequest) -> np.ndarray:
        """[rows, cols, H, W, C] mixed images."""
        bad = [i for i in req.layers if not 0 <= i < self.num_ws]
        if bad:
            raise ValueError(f"layers {bad} out of range 0-{self.num_ws - 1}")
        cells = []
        for r in req.rows:
            for c in req.cols:
                cells.append(mix_ws(self.w_of(r), self.w_of(c), req.layers))
        ws = self._truncate(torch.cat(cells), req.psi)
        imgs = self.synth(ws, req.noise_mode, req.noise_strength)
        return imgs.reshape(len(req.rows), len(req.cols), *imgs.shape[1:])

    def mix_grid(self, req: MixRequest) -> np.ndarray:
        """The StyleGAN paper's figure: column sources on top, row sources at left, mixes inside."""
        cells = self.mix_cells(req)
        heads = self.render_many([RenderRequest(self.model_id, source=s, psi=req.psi,
                                                noise_mode=req.noise_mode, noise_strength=req.noise_strength)
                                  for s in (*req.cols, *req.rows)])
        col_heads, row_heads = heads[: len(req.cols)], heads[len(req.cols):]
        blank = np.zeros_like(heads[0])
        tiles = [blank, *col_heads]
        for i, rh in enumerate(row_heads):
            tiles += [rh, *cells[i]]
        return grid(tiles, cols=len(req.cols) + 1)

    def walk_frames(self, req: WalkRequest) -> list[np.ndarray]:
        keys = req.keys + ((req.keys[0],) if req.loop else ())
        n = max(1, req.frames_per_key) * (len(keys) - 1)
        frames = []
        ts = np.linspace(0, len(keys) - 1, n, endpoint=not req.loop)
        for start in range(0, len(ts), 16):
            batch = [RenderRequest(self.model_id, path=keys, t=float(t), psi=req.psi, noise_mode=req.noise_mode,
                                   noise_strength=req.noise_strength, class_name=req.class_name)
                     for t in ts[start:start + 16]]
            frames.extend(self.render_many(batch))
        return frames

    # -- "use my image" --------------------------------------------------------------------------------
    def project(self, image: np.ndarray, steps: int = 200, w_plus: bool = True,
                progress_fn: Any = None, abort_fn: Any = None) -> tuple[Source, Any]:
        """Fit a latent to an image (HWC uint8, any size); the returned source works like a seed."""
        from .projection import default_feature_net, project, target_tensor

        target = target_tensor(image, self.resolution, self.G.cfg.img_channels).to(self.device)
        start = self.G.mapping.w_avg.view(1, 1, -1).repeat(1, self.num_ws, 1).clone()
        with torch.inference_mode(False), torch.enable_grad():
            result = project(lambda ws: self.G.synthesize(ws, "const", memory_format=self.memory_format),
                             start, target, steps=steps, w_plus=w_plus, progress_fn=progress_fn,
                             abort_fn=abort_fn, feature_net=default_feature_net())
        return Source.from_w(result.ws, label="my image"), result

    # -- recipes --------------------------------------------------------------------------------------
    def recipe(self, req: RenderRequest | MixRequest | WalkRequest) -> dict[str, Any]:
        """Everything needed to regenerate an image exactly, for PNG metadata."""
        return make_recipe(req, self.sha256)

    def export(self, req: RenderRequest, path: Any, size: int | None = None, upscaler: Any = None) -> list[Any]:
        """Render ``req`` into the PNG ``path`` with its recipe, ``size`` px on its longest side (enlarged by
        ``upscaler``, see sized_export.at_size); returns the files written (a pair model writes each domain's
        image beside it too)."""
        from .sized_export import export_at_size

        return [export_at_size(self.render(req), path, self.recipe(req), size, upscaler)]
