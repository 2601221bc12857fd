"""AgeSession: the age slider's renderer (Age-cGAN), pure functions of ``AgeRequest``.

A seed keeps its z while the age condition moves, so the face stays the same person (the model was
trained with gender and skin tone held in the condition). A projected image (a W+ latent fitted at
``base_age``) is aged by adding the model's age direction for its gender and tone,
w(age) = w + w̄(age) − w̄(base_age), where w̄(c) is the mean w of condition c.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from ..data.labels import AgeLabel, age_condition
from ..device import pick_device, tune_allocator
from ..io.images import to_uint8
from ..library.registry import Library
from ..nets.conditional import ConditionalGenerator
from ..nets.stylegen import truncate, z_from_seed
from .cond_requests import AgeRequest, cond_recipe
from .projection import ProjectionResult, default_feature_net, project, target_tensor
from .requests import Source


class AgeSession:
    def __init__(self, model_id: str, G: ConditionalGenerator, sha256: str, device: torch.device | None = None,
                 library: Library | None = None) -> None:
        tune_allocator()
        self.model_id = model_id
        self.sha256 = sha256
        self.device = device or torch.device("cpu")
        self.G = G.to(self.device).eval().requires_grad_(False)
        self.memory_format = torch.channels_last if self.device.type == "cpu" else torch.contiguous_format
        self.library = library
        self._mean_cache: OrderedDict[tuple, torch.Tensor] = OrderedDict()

    @classmethod
    def open(cls, model_id: str, library: Library | None = None, device: str | torch.device | None = None
             ) -> AgeSession:
        lib = library or Library()
        card = lib.card(model_id)
        dev = device if isinstance(device, torch.device) else pick_device(device)
        return cls(model_id, lib.load(model_id), card.sha256_of("generator"), dev, lib)

    @property
    def resolution(self) -> int:
        return self.G.cfg.resolution

    @property
    def num_ws(self) -> int:
        return self.G.num_ws

    # -- conditions -----------------------------------------------------------------------------------
    def condition(self, age: float, gender: str, skin_tone: int) -> torch.Tensor:
        """Slider value 0…1 → the raw condition vector [1, c_dim]."""
        label = AgeLabel(level=3.0 * min(max(float(age), 0.0), 1.0), gender=gender, skin_tone=int(skin_tone))
        return torch.tensor([age_condition(label)], dtype=torch.float32, device=self.device)

    @torch.inference_mode()
    def w_mean(self, age: float, gender: str, skin_tone: int) -> torch.Tensor:
        """Mean w of a condition (cached): truncation's centre and the age direction's end points."""
        key = (round(float(age), 4), gender, int(skin_tone))
        if key not in self._mean_cache:
            self._mean_cache[key] = self.G.w_mean(self.condition(age, gender, skin_tone))
            if len(self._mean_cache) > 256:
                self._mean_cache.popitem(last=False)
        return self._mean_cache[key]

    @torch.inference_mode()
    def ws(self, req: AgeRequest) -> torch.Tensor:
        center = self.w_mean(req.age, req.gender, req.skin_tone)
        src = req.source
        if src.seed is not None:
            z = z_from_seed(src.seed, self.G.cfg.z_dim).to(self.device)
            ws = self.G.map_c(z, self.condition(req.age, req.gender, req.skin_tone))
        else:
            ws = self._w_from_source(src)
            ws = ws + (center - self.w_mean(req.base_age, req.gender, req.skin_tone))
        return ws if req.psi == 1.0 else truncate(ws, center, req.psi)

    def _w_from_source(self, src: Source) -> torch.Tensor:
        w = torch.tensor(src.w, dtype=torch.float32, device=self.device)
        w_dim = self.G.cfg.w_dim
        if w.numel() == w_dim:
            return w.view(1, 1, w_dim).repeat(1, self.num_ws, 1)
        if w.numel() == w_dim * self.num_ws:
            return w.view(1, self.num_ws, w_dim)
        raise ValueError(f"latent has {w.numel()} values; this model needs {w_dim} or {w_dim * self.num_ws}")

    # -- rendering -----------------------------------------------------------------------------------
    @torch.inference_mode()
    def render(self, req: AgeRequest) -> np.ndarray:
        img = self.G.synthesize(self.ws(req), req.noise_mode, memory_format=self.memory_format)
        return to_uint8(img)[0]

    @torch.inference_mode()
    def strip(self, req: AgeRequest, ages: list[float]) -> list[np.ndarray]:
        """The same face at several ages, in one batched forward."""
        ws = torch.cat([self.ws(req.at(a)) for a in ages])
        return list(to_uint8(self.G.synthesize(ws, req.noise_mode, memory_format=self.memory_format)))

    def recipe(self, req: AgeRequest) -> dict[str, Any]:
        return cond_recipe(req, self.sha256)

    # -- "use my image" -------------------------------------------------------------------------------
    def project(self, image: np.ndarray, base_age: float = 2 / 3, gender: str = "any", skin_tone: int = 0,
                steps: int = 200, progress_fn: Callable[[int, int, float], None] | None = None,
                abort_fn: Callable[[], bool] | None = None) -> tuple[Source, ProjectionResult]:
        """Fit a W+ latent at the condition the user says the image shows; returns a source to age."""
        target = target_tensor(image, self.resolution, self.G.cfg.img_channels).to(self.device)
        start = self.w_mean(base_age, gender, skin_tone).view(1, 1, -1).repeat(1, self.num_ws, 1).clone()
        with torch.inference_mode(False), torch.enable_grad():
            result = project(lambda ws: self.G.synthesize(ws, "const", memory_format=self.memory_format),
                             start, target, steps=steps, feature_net=default_feature_net(self.library),
                             progress_fn=progress_fn, abort_fn=abort_fn)
        return Source.from_w(result.ws, label="my image"), result
