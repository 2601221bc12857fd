"""Few-shot GAN (after FastGAN, Liu et al. 2021): a light generator and a self-supervised discriminator that
learn from 50–500 images in CPU-hours.

What makes it learn fast from little data:
- **Skip-layer excitation (SLE)**: the 4 px and 8 px feature maps gate the channels of the 64 px and 128 px
  ones, so the coarse layout reaches the fine layers in one multiplication (and, fed from a second latent,
  restyles an image: the mixing canvas's "style" row).
- **A discriminator that must also reconstruct** its real input from its 8 px features (the whole image, small)
  and from a random quadrant of its 16 px features: it has to keep a description of the image, not memorise
  a few cues, which is what lets it not overfit a tiny folder.
- Spectral norm on every conv, GLU activations, batch norm, per-layer noise, an EMA of the generator.

For the explorer the generator speaks StyleGen's session interface (``map``, ``synthesize``, ``mapping.w_avg``,
``num_ws``, ``cfg``). Its ws are two latents: row 0 draws the image's content (the trunk), row 1 its style (the
SLE gates); a seed puts the same z in both. ψ truncates toward the prior's mean, z = 0.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm


@dataclass(frozen=True)
class FewShotConfig:
    resolution: int = 128
    img_channels: int = 4
    z_dim: int = 256
    ngf: int = 32  # channels at 128 px; coarser levels have more (see ``g_channels``)
    ndf: int = 32
    spectral: bool = True  # training nets; exported generators have the norm folded into their weights

    def __post_init__(self) -> None:
        if self.resolution not in (64, 128, 256):
            raise ValueError(f"few-shot resolution must be 64, 128 or 256, not {self.resolution}")

    @property
    def w_dim(self) -> int:
        return self.z_dim

    @property
    def sizes(self) -> list[int]:
        """Feature map sizes from 4 px to the image."""
        return [2 ** i for i in range(2, int(math.log2(self.resolution)) + 1)]

    def g_channels(self, size: int) -> int:
        mult = {4: 16, 8: 8, 16: 4, 32: 2, 64: 2, 128: 1, 256: 0.5}[size]
        return max(16, int(self.ngf * mult))

    def d_channels(self, size: int) -> int:
        mult = {256: 0.5, 128: 1, 64: 2, 32: 4, 16: 8, 8: 16}[size]
        return max(16, int(self.ndf * mult))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> FewShotConfig:
        return cls(**{k: v for k, v in d.items() if k in cls.__dataclass_fields__})


def _conv(sn: bool, *args: Any, **kw: Any) -> nn.Module:
    conv = nn.Conv2d(*args, **kw)
    return spectral_norm(conv) if sn else conv


class GLU(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a, b = x.chunk(2, dim=1)
        return a * torch.sigmoid(b)


class Noise(nn.Module):
    """Per-pixel noise scaled by a learnt weight; "const" noise is a fixed buffer so a seed always draws the
    same image."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(1))
        self.register_buffer("const", torch.randn(1, 1, size, size, generator=torch.Generator().manual_seed(size)))

    def forward(self, x: torch.Tensor, mode: str = "random", strength: float = 1.0) -> torch.Tensor:
        if mode == "none" or strength == 0:
            return x
        if mode == "const":
            noise = self.const.to(x.dtype)
        else:
            noise = torch.randn(x.shape[0], 1, x.shape[2], x.shape[3], device=x.device, dtype=x.dtype)
        return x + self.weight.to(x.dtype) * strength * noise


class UpBlock(nn.Module):
    """Nearest ×2, then one (or, ``double``, two) conv → noise → BN → GLU."""

    def __init__(self, cin: int, cout: int, size: int, sn: bool, double: bool) -> None:
        super().__init__()
        self.convs = nn.ModuleList([_conv(sn, cin, cout * 2, 3, 1, 1, bias=False)])
        self.noises = nn.ModuleList([Noise(size)])
        self.norms = nn.ModuleList([nn.BatchNorm2d(cout * 2)])
        if double:
            self.convs.append(_conv(sn, cout, cout * 2, 3, 1, 1, bias=False))
            self.noises.append(Noise(size))
            self.norms.append(nn.BatchNorm2d(cout * 2))
        self.glu = GLU()

    def forward(self, x: torch.Tensor, noise_mode: str, strength: float) -> torch.Tensor:
        x = F.interpolate(x, scale_factor=2.0, mode="nearest")
        for conv, noise, norm in zip(self.convs, self.noises, self.norms, strict=True):
            x = self.glu(norm(noise(conv(x), noise_mode, strength)))
        return x


class SLE(nn.Module):
    """Skip-layer excitation: a small map's pooled features gate a big map's channels."""

    def __init__(self, cin: int, cout: int, sn: bool) -> None:
        super().__init__()
        self.main = nn.Sequential(nn.AdaptiveAvgPool2d(4), _conv(sn, cin, cout, 4, 1, 0, bias=False),
                                  nn.LeakyReLU(0.1), _conv(sn, cout, cout, 1, 1, 0, bias=False), nn.Sigmoid())

    def forward(self, small: torch.Tensor, big: torch.Tensor) -> torch.Tensor:
        return big * self.main(small)


class _Prior(nn.Module):
    """Stands where StyleGen has its mapping: the latent is z, whose average is the prior's mean, 0."""

    def __init__(self, z_dim: int) -> None:
        super().__init__()
        self.register_buffer("w_avg", torch.zeros(z_dim))


class FewShotGenerator(nn.Module):
    def __init__(self, cfg: FewShotConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.num_ws = 2
        self.mapping = _Prior(cfg.z_dim)
        # For the mixer: row 0 (the trunk) sets the shapes at every size; row 1 gates the 64 px and finer maps
        # from its 4–8 px features (colours, textures): "coarse" takes a column's content, "fine" its style.
        self.layer_resolutions = (4, 4 * 16)
        self.layer_groups = {"coarse": (0,), "middle": (), "fine": (1,)}
        sn, sizes = cfg.spectral, cfg.sizes
        c4 = cfg.g_channels(4)
        init = nn.ConvTranspose2d(cfg.z_dim, c4 * 2, 4, 1, 0, bias=False)
        self.init = nn.Sequential(spectral_norm(init) if sn else init, nn.BatchNorm2d(c4 * 2), GLU())
        self.ups = nn.ModuleList(
            UpBlock(cfg.g_channels(s // 2), cfg.g_channels(s), s, sn, double=i % 2 == 0)
            for i, s in enumerate(sizes[1:]))
        # SLE pairs (source size → target size): 4 → 64, 8 → 128, 16 → 256, as far as the resolution goes.
        self.sle_pairs = [(s, s * 16) for s in (4, 8, 16) if s * 16 <= cfg.resolution]
        self.sles = nn.ModuleList(SLE(cfg.g_channels(a), cfg.g_channels(b), sn) for a, b in self.sle_pairs)
        self.to_img = _conv(sn, cfg.g_channels(cfg.resolution), cfg.img_channels, 3, 1, 1, bias=False)

    def _trunk(self, z: torch.Tensor, upto: int, noise_mode: str, strength: float,
               style_z: torch.Tensor | None = None) -> torch.Tensor:
        feats: dict[int, torch.Tensor] = {}
        style: dict[int, torch.Tensor] = {}
        x = self.init(z.view(z.shape[0], -1, 1, 1))
        feats[4] = x
        sources = {a for a, _ in self.sle_pairs}
        if style_z is not None:  # the style latent's own coarse maps feed the gates
            y = self.init(style_z.view(style_z.shape[0], -1, 1, 1))
            style[4] = y
            for s, up in zip(self.cfg.sizes[1:], self.ups, strict=False):
                if s > max(sources):
                    break
                y = up(y, noise_mode, strength)
                style[s] = y
        gates = style if style_z is not None else feats
        for s, up in zip(self.cfg.sizes[1:], self.ups, strict=True):
            x = up(x, noise_mode, strength)
            for (a, b), sle in zip(self.sle_pairs, self.sles, strict=True):
                if b == s:
                    x = sle(gates[a], x)
            feats[s] = x
            if s == upto:
                break
        return x

    def forward(self, z: torch.Tensor, noise_mode: str = "random", noise_strength: float = 1.0,
                style_z: torch.Tensor | None = None) -> torch.Tensor:
        x = self._trunk(z, self.cfg.resolution, noise_mode, noise_strength, style_z)
        return torch.tanh(self.to_img(x))

    def map(self, z: torch.Tensor, psi: float = 1.0) -> torch.Tensor:
        """z [N, z_dim] → ws [N, 2, z_dim] (content, style), truncated toward 0 when ψ < 1."""
        return (z * psi).unsqueeze(1).repeat(1, 2, 1)

    def synthesize(self, ws: torch.Tensor, noise_mode: str = "const", noise_strength: float = 1.0,
                   memory_format: torch.memory_format = torch.contiguous_format) -> torch.Tensor:
        """ws [N, 2, z_dim] → image in [−1, 1] (N×C×H×W); the style row only costs a pass when it differs."""
        if ws.ndim != 3 or ws.shape[1] != 2:
            raise ValueError(f"ws must be [N, 2, {self.cfg.z_dim}], not {list(ws.shape)}")
        content, style = ws[:, 0], ws[:, 1]
        style_z = None if torch.equal(content, style) else style
        return self(content, noise_mode, noise_strength, style_z)


class DownBlock(nn.Module):
    """FastGAN's DownBlockComp: a strided conv path and an average-pool path, averaged."""

    def __init__(self, cin: int, cout: int, sn: bool) -> None:
        super().__init__()
        self.main = nn.Sequential(_conv(sn, cin, cout, 4, 2, 1, bias=False), nn.BatchNorm2d(cout), nn.LeakyReLU(0.2),
                                  _conv(sn, cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout), nn.LeakyReLU(0.2))
        self.direct = nn.Sequential(nn.AvgPool2d(2), _conv(sn, cin, cout, 1, 1, 0, bias=False), nn.BatchNorm2d(cout),
                                    nn.LeakyReLU(0.2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (self.main(x) + self.direct(x)) / 2


class Decoder(nn.Module):
    """8 px features → a small image (the discriminator's self-supervision)."""

    def __init__(self, cin: int, out_size: int, img_channels: int, sn: bool) -> None:
        super().__init__()
        layers: list[nn.Module] = [nn.AdaptiveAvgPool2d(8)]
        c = cin
        for _ in range(int(math.log2(out_size // 8))):
            nxt = max(16, c // 2)
            layers += [nn.Upsample(scale_factor=2, mode="nearest"), _conv(sn, c, nxt * 2, 3, 1, 1, bias=False),
                       nn.BatchNorm2d(nxt * 2), GLU()]
            c = nxt
        layers += [_conv(sn, c, img_channels, 3, 1, 1, bias=False), nn.Tanh()]
        self.main = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.main(x)


class FewShotDiscriminator(nn.Module):
    """Down to 8 px → 5×5 hinge logits; on real images also reconstructions (see the module docstring)."""

    REC_SIZE = 64

    def __init__(self, cfg: FewShotConfig) -> None:
        super().__init__()
        sn, res = cfg.spectral, cfg.resolution
        self.stem = nn.Sequential(_conv(sn, cfg.img_channels, cfg.d_channels(res), 3, 1, 1, bias=False),
                                  nn.LeakyReLU(0.2))
        sizes = [s for s in (256, 128, 64, 32, 16) if s <= res]
        self.downs = nn.ModuleList(DownBlock(cfg.d_channels(s), cfg.d_channels(s // 2), sn) for s in sizes)
        c8, c16 = cfg.d_channels(8), cfg.d_channels(16)
        self.logits = nn.Sequential(_conv(sn, c8, c8, 1, 1, 0, bias=False), nn.BatchNorm2d(c8), nn.LeakyReLU(0.2),
                                    _conv(sn, c8, 1, 4, 1, 0, bias=False))
        self.dec_whole = Decoder(c8, self.REC_SIZE, cfg.img_channels, sn)
        self.dec_part = Decoder(c16, self.REC_SIZE, cfg.img_channels, sn)

    def forward(self, x: torch.Tensor, quadrant: int | None = None
                ) -> tuple[torch.Tensor, tuple[torch.Tensor, torch.Tensor] | None]:
        """Logits [N, 25]; with ``quadrant`` (0–3) also (whole image, that quadrant) reconstructed at 64 px."""
        h = self.stem(x)
        f16 = None
        for down in self.downs:
            h = down(h)
            if h.shape[-1] == 16:
                f16 = h
        logits = self.logits(h).flatten(1)
        if quadrant is None:
            return logits, None
        assert f16 is not None
        qy, qx = divmod(quadrant, 2)
        part = f16[:, :, qy * 8:(qy + 1) * 8, qx * 8:(qx + 1) * 8]
        return logits, (self.dec_whole(h), self.dec_part(part))


def crop_quadrant(img: torch.Tensor, quadrant: int) -> torch.Tensor:
    """The quarter of ``img`` that ``FewShotDiscriminator``'s part decoder reconstructs."""
    h, w = img.shape[-2] // 2, img.shape[-1] // 2
    qy, qx = divmod(quadrant, 2)
    return img[..., qy * h:(qy + 1) * h, qx * w:(qx + 1) * w]


def fold_spectral_norm(G: FewShotGenerator) -> FewShotGenerator:
    """A plain copy of a trained generator: the spectral norm's current weights baked in (inference has no
    power iteration, and its card loads into ``spectral=False``)."""
    from torch.nn.utils import parametrize

    plain = FewShotGenerator(FewShotConfig.from_dict({**G.cfg.to_dict(), "spectral": False}))
    src = {k: v for k, v in G.state_dict().items()}
    G.eval()
    with torch.no_grad():
        folded: dict[str, torch.Tensor] = {}
        for name, module in G.named_modules():
            if parametrize.is_parametrized(module, "weight"):
                folded[f"{name}.weight"] = module.weight.detach().clone()
        state = {}
        for k, v in src.items():
            if ".parametrizations.weight." in k:
                continue
            state[k] = v
        state.update(folded)
    plain.load_state_dict(state)
    return plain.eval()
