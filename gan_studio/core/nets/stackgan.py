"""StackGAN's generators: Stage I (sentence → low-resolution image) and Stage II (a refiner to twice that).

Stage I is StackGAN's: conditioning augmentation of the sentence embedding, joined with z, through a
fully connected layer to 4×4 and then upsample-conv-norm blocks; plain convs and no mapping network to
learn first, so it starts drawing in far fewer images than a conditional StyleGen (which we also keep, for
GPUs). The norm is PGGAN's pixel norm, not StackGAN's BatchNorm: with BatchNorm an image depended on the
rest of its batch, and in eval mode (one image at a time, as the panel draws) samples faded to nearly
transparent even with recomputed statistics; pixel norm behaves the same in both. Stage I keeps
StyleGen's interface (``mapping``, ws, ``map_c``, ``w_mean``, ``synthesize``), so the trainer, sessions,
truncation and walks work unchanged: its "w" is z ‖ embedded condition, one vector (``num_ws`` = 1).

Stage II sees Stage I's image and the sentence, encodes to features at the low resolution, joins the
sentence code spatially, refines with residual blocks, upsamples and adds detail to a bilinear ×2 of the
input (so an untrained refiner is a clean upsampler, and training only has to learn the residual).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .conditional import ConditionalSampling, ConditionConfig, ConditionInput
from .layers import EqualConv2d, EqualLinear
from .stylegen import StyleGenConfig, normalize_2nd_moment


@dataclass(frozen=True)
class RefinerConfig:
    img_channels: int = 4
    c_dim: int = 384
    cond_dim: int = 64
    ch: int = 96
    n_res: int = 3
    normalize_c: bool = False  # see ConditionConfig.normalize_c
    # The refiner adds detail only: its residual loses its low-pass (4×4 averages, bilinear), so colours and
    # layout stay Stage I's. Free, its residual had drifted every colour darker (a red heart came out brown).
    # (Zero-mean 2×2 blocks were tried first: any smooth residual then turns into 2-pixel stripes.)
    detail_only: bool = False
    # Border padding of every conv. Zeros read as half-transparent grey (0 in [−1, 1]) beside the transparent
    # white background (alpha −1), so each conv saw a false edge at the image border and the refiner painted it:
    # a faint grey line down pixel columns 1–2 (alpha 65–136 in rows where the image is empty). Replicate
    # padding continues the background; on the bundled model (trained with zeros) it removes the line (alpha
    # 85 → 0.6 there) and changes the interior by 0.007 of the range. Applies to older cards too.
    padding: str = "replicate"

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> RefinerConfig:
        return cls(**{k: v for k, v in d.items() if k in cls.__dataclass_fields__})


class ResBlock(nn.Module):
    def __init__(self, ch: int) -> None:
        super().__init__()
        self.conv0 = nn.Conv2d(ch, ch, 3, padding=1)
        self.conv1 = nn.Conv2d(ch, ch, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + self.conv1(F.leaky_relu(self.conv0(F.leaky_relu(x, 0.2)), 0.2)) * 0.5


class Refiner(nn.Module):
    def __init__(self, cfg: RefinerConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.cond = nn.Linear(cfg.c_dim, cfg.cond_dim)
        self.enc = nn.Conv2d(cfg.img_channels, cfg.ch, 3, padding=1)
        self.joint = nn.Conv2d(cfg.ch + cfg.cond_dim, cfg.ch, 3, padding=1)
        self.res = nn.Sequential(*[ResBlock(cfg.ch) for _ in range(cfg.n_res)])
        self.up = nn.Conv2d(cfg.ch, cfg.ch // 2, 3, padding=1)
        self.out = nn.Conv2d(cfg.ch // 2, cfg.img_channels, 3, padding=1)
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                m.padding_mode = cfg.padding
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, img: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        """img [N, C, h, w] in [−1, 1] and sentence embeddings [N, c_dim] → [N, C, 2h, 2w]."""
        h = F.leaky_relu(self.enc(img), 0.2)
        if self.cfg.normalize_c:
            c = normalize_2nd_moment(c)
        code = F.leaky_relu(self.cond(c), 0.2)[:, :, None, None].expand(-1, -1, *h.shape[2:])
        h = F.leaky_relu(self.joint(torch.cat([h, code], dim=1)), 0.2)
        h = self.res(h)
        h = F.interpolate(h, scale_factor=2, mode="nearest")
        h = F.leaky_relu(self.up(h), 0.2)
        base = F.interpolate(img, scale_factor=2, mode="bilinear", align_corners=False)
        r = self.out(h)
        if self.cfg.detail_only:
            r = r - F.interpolate(F.avg_pool2d(r, 4), scale_factor=4, mode="bilinear", align_corners=False)
        return base + r


class Stage1Mapping(ConditionInput):
    """Sentence → CA → embedding; "w" = z ‖ embedding (StackGAN's generator input, as one vector)."""

    def __init__(self, cfg: StyleGenConfig, cond: ConditionConfig) -> None:
        super().__init__(cond)
        self.register_buffer("w_avg", torch.zeros(cfg.z_dim + cond.embed_dim))
        # ``extra.normalize_inputs``: z and the embedded sentence each scaled to unit mean square before
        # they are joined (as StyleGAN2-ADA's conditional mapping does), so neither can outgrow the other as
        # CA's μ grows. Alone it did not stop seeds from collapsing (that was the plain layers, see
        # ``extra.equalized`` below); it keeps the balance once they train. Older cards keep the raw join.
        self.normalize_inputs = bool(cfg.extra.get("normalize_inputs", False))

    def forward(self, z: torch.Tensor, c_embed: torch.Tensor) -> torch.Tensor:
        if self.normalize_inputs:
            z, c_embed = normalize_2nd_moment(z), normalize_2nd_moment(c_embed)
        return torch.cat([z, c_embed], dim=1)


class PixelNorm(nn.Module):
    """Each pixel's feature vector scaled to unit mean square (PGGAN); independent of the batch."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return normalize_2nd_moment(x)


class Stage1Generator(ConditionalSampling, nn.Module):
    """StackGAN Stage I: (z ‖ CA(sentence)) → FC → 4×4 → [up ×2, conv3×3, lrelu, pixel norm]… → tanh."""

    def __init__(self, cfg: StyleGenConfig, cond: ConditionConfig) -> None:
        super().__init__()
        self.cfg, self.cond = cfg, cond
        self.num_ws = 1
        self.mapping = Stage1Mapping(cfg, cond)
        c4 = cfg.channels(4)
        # ``extra.equalized``: PGGAN's equalized-lr layers, the other half of PGGAN's pixel-norm recipe. With
        # plain layers and no BatchNorm to re-centre, Adam's first steps moved every weight of a filter the
        # same way; against the positive mean of lrelu activations that added an input-independent offset
        # which, after pixel norm, drowned z and the sentence alike (|ΔG| / |Δz| 0.11 → 0.02 in 5 steps).
        # Older cards keep the plain layers they were trained with.
        eq = bool(cfg.extra.get("equalized", False))
        self.equalized = eq
        z_in = cfg.z_dim + cond.embed_dim
        self.fc = EqualLinear(z_in, c4 * 16) if eq else nn.Linear(z_in, c4 * 16)
        convs = int(cfg.extra.get("convs_per_block", 1))  # > 1: StackGAN's deeper upBlocks

        def conv(cin: int, cout: int) -> list[nn.Module]:
            if eq:  # EqualConv2d applies lrelu (×√2) itself
                return [EqualConv2d(cin, cout, 3), PixelNorm()]
            return [nn.Conv2d(cin, cout, 3, padding=1), nn.LeakyReLU(0.2), PixelNorm()]

        blocks: list[nn.Module] = [nn.LeakyReLU(0.2), PixelNorm()]
        res = 4
        while res < cfg.resolution:
            blocks.append(nn.Upsample(scale_factor=2, mode="nearest"))
            for i in range(convs):
                blocks += conv(cfg.channels(res if i == 0 else res * 2), cfg.channels(res * 2))
            res *= 2
        self.blocks = nn.Sequential(*blocks)
        # ``extra.fusion``: DF-GAN's deep fusion. After every pixel norm, a per-channel scale and shift from
        # the input vector (z ‖ sentence), so the prompt and the seed steer every scale, not only the first
        # 4×4 layer. Zero-initialised: a Stage I trained without it starts out drawing exactly as before.
        self.fuse = nn.ModuleDict()
        if cfg.extra.get("fusion", False):
            for i, m in enumerate(blocks):
                if isinstance(m, PixelNorm):
                    ch = cfg.channels(4) if i == 1 else blocks[i - 1 - (0 if eq else 1)].weight.shape[0]
                    lin = EqualLinear(z_in, 2 * ch)
                    nn.init.zeros_(lin.weight)
                    self.fuse[str(i)] = lin
        c_out = cfg.channels(cfg.resolution)
        self.to_img = (EqualConv2d(c_out, cfg.img_channels, 3, activation="linear") if eq
                       else nn.Conv2d(c_out, cfg.img_channels, 3, padding=1))

    def synthesize(self, ws: torch.Tensor, noise_mode: str = "const", noise_scale: float = 1.0,
                   memory_format: torch.memory_format = torch.contiguous_format) -> torch.Tensor:
        """ws [N, 1, w_dim] → images [N, C, R, R] in [−1, 1] (no per-pixel noise: the modes are accepted)."""
        n = ws.shape[0]
        x = self.fc(ws[:, 0]).view(n, -1, 4, 4).contiguous(memory_format=memory_format)
        if not len(self.fuse):
            return torch.tanh(self.to_img(self.blocks(x))).float()
        for i, m in enumerate(self.blocks):
            x = m(x)
            key = str(i)
            if key in self.fuse:
                gamma, beta = self.fuse[key](ws[:, 0])[:, :, None, None].chunk(2, dim=1)
                x = torch.addcmul(beta, x, 1 + gamma)
        return torch.tanh(self.to_img(x)).float()


def text_generator(arch: StyleGenConfig, cond: ConditionConfig, stage1: str) -> nn.Module:
    """Stage I by name: "stackgan" (default) or "stylegen" (a conditional StyleGen, better with a GPU)."""
    if stage1 == "stylegen":
        from .conditional import ConditionalGenerator

        return ConditionalGenerator(arch, cond)
    if stage1 == "stackgan":
        return Stage1Generator(arch, cond)
    raise ValueError(f"unknown Stage I {stage1!r} (stackgan or stylegen)")
