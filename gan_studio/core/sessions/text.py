"""TextSession: prompt → images (StackGAN-style), pure functions of ``TextRequest``.

The prompt is embedded by the offline sentence encoder (cached per prompt); Stage I (StackGAN's, or a
conditional StyleGen) draws the low resolution from (seed, conditioning-augmentation sample), Stage II
refines it to twice that with the sentence again. ``variation`` scales the CA noise: 0 gives the
sentence's mean code, 1 the training spread.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
import torch

from ..device import pick_device, tune_allocator
from ..io.images import to_uint8
from ..library.registry import Library
from ..nets.stylegen import truncate, z_from_seed
from .cond_requests import TextRequest, cond_recipe


class TextSession:
    def __init__(self, model_id: str, nets: dict[str, Any], sha256: str, device: torch.device | None = None,
                 encoder: Any = None) -> None:
        tune_allocator()
        self.model_id = model_id
        self.sha256 = sha256
        self.device = device or torch.device("cpu")
        self.G = nets["generator"].to(self.device).eval().requires_grad_(False)
        self.R = nets.get("refiner")
        if self.R is not None:
            self.R = self.R.to(self.device).eval().requires_grad_(False)
        self.M = nets.get("matcher")
        if self.M is not None:
            self.M = self.M.to(self.device).eval().requires_grad_(False)
        self.memory_format = torch.channels_last if self.device.type == "cpu" else torch.contiguous_format
        self._encoder = encoder

    @classmethod
    def open(cls, model_id: str, library: Library | None = None, device: str | torch.device | None = None,
             encoder: Any = None) -> TextSession:
        lib = library or Library()
        card = lib.card(model_id)
        dev = device if isinstance(device, torch.device) else pick_device(device)
        return cls(model_id, lib.load(model_id), card.sha256_of("generator"), dev, encoder)

    @property
    def encoder(self) -> Any:
        """The sentence encoder, loaded on first use; raises ``EncoderUnavailable`` with the reason."""
        if self._encoder is None:
            from ..text.encoder import shared_encoder

            self._encoder = shared_encoder()
        return self._encoder

    @property
    def resolution(self) -> int:
        return self.G.cfg.resolution * (2 if self.R is not None else 1)

    def embed(self, prompt: str) -> torch.Tensor:
        prompt = " ".join(prompt.split())
        if not prompt:
            raise ValueError("type a prompt first")
        return self.encoder.encode([prompt]).to(self.device)

    @property
    def can_rank(self) -> bool:
        """The model ships a prompt matcher (``gan-studio matcher``), so seeds can be ranked."""
        return self.M is not None

    @torch.inference_mode()
    def render(self, req: TextRequest) -> list[np.ndarray]:
        """One image per seed (HWC uint8)."""
        if not req.seeds:
            return []
        return list(to_uint8(self._images(req, self.embed(req.prompt))))

    @torch.inference_mode()
    def render_ranked(self, req: TextRequest, pool: int = 4, chunk: int = 32) -> tuple[TextRequest, list[np.ndarray]]:
        """Draw ``pool`` × len(seeds) candidates, seeds counting up from the first, and keep the len(seeds) the
        matcher scores highest, best first. Returns the request of the kept seeds (it renders them again
        exactly: ranking only chooses seeds) and their images."""
        if self.M is None:
            raise ValueError(f"{self.model_id} has no prompt matcher to rank with (gan-studio matcher adds one)")
        n = len(req.seeds)
        if n == 0 or pool <= 1:
            return req, self.render(req)
        c = self.embed(req.prompt)
        first = min(req.seeds[0], 2**32 - n * pool)  # seeds stop at 2³² − 1
        cands = tuple(range(first, first + n * pool))
        imgs, scores = [], []
        for i in range(0, len(cands), chunk):
            part = self._images(replace(req, seeds=cands[i:i + chunk]), c)
            imgs.append(part)
            scores.append(self.M.scores(part, c))
        order = torch.cat(scores).argsort(descending=True)[:n].tolist()
        kept = torch.cat(imgs)[order]
        return replace(req, seeds=tuple(cands[j] for j in order)), list(to_uint8(kept))

    def _images(self, req: TextRequest, c: torch.Tensor) -> torch.Tensor:
        """NCHW in [-1, 1] for each seed of ``req``, with ``c`` the prompt's embedding [1, D]."""
        c = c.expand(len(req.seeds), -1)
        z = torch.cat([z_from_seed(s, self.G.cfg.z_dim) for s in req.seeds]).to(self.device)
        ca = self.G.cond.ca_dim
        eps = None
        if ca:
            eps = torch.stack([torch.from_numpy(np.random.RandomState(s + 7919).randn(ca)).float()
                               for s in req.seeds]).to(self.device) * float(req.variation)
        ws = self.G.map_c(z, c, eps=eps)
        if req.psi != 1.0:
            ws = truncate(ws, self.G.w_mean(c[:1]), req.psi)
        img = self.G.synthesize(ws, req.noise_mode, memory_format=self.memory_format)
        if self.R is not None:
            img = self.R(img, c)
        return img

    def recipe(self, req: TextRequest) -> dict[str, Any]:
        return cond_recipe(req, self.sha256)
