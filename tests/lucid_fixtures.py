"""Synthetic lucidrains/stylegan2-pytorch checkpoints (checkpoint-formats.md §4, §5) and a reference forward
written from their v1.x code's math, independently of gan_studio's net: grouped convolutions on per-sample
weights as their Conv2DMod does, ``Linear(1, C)`` on the [N, H, W, 1] noise image then ``permute(0, 3, 2, 1)``,
and the [1,2,1] blur applied separably (rows, then columns) with reflect padding."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

EPS = 1e-8


def filters(res: int, capacity: int, fmap_max: int) -> list[int]:
    n = int(math.log2(res)) - 1
    f = [min(capacity * 2 ** (i + 1), fmap_max) for i in range(n)][::-1]
    return [f[0], *f]


def generator_keys(res: int = 32, latent: int = 16, depth: int = 3, capacity: int = 4, fmap_max: int = 512,
                   rgba: bool = False, no_const: bool = False, seed: int = 0) -> dict[str, torch.Tensor]:
    """One StyleVectorizer (``net.{2i}``) and Generator (no prefix yet), with their key names and shapes."""
    g = torch.Generator().manual_seed(seed)

    def rnd(*shape: int, scale: float = 1.0) -> torch.Tensor:
        return torch.randn(shape, generator=g) * scale

    sd: dict[str, torch.Tensor] = {}
    for i in range(depth):
        sd[f"S:net.{2 * i}.weight"] = rnd(latent, latent)  # EqualLinear: randn init, scaled by lr_mul at run
        sd[f"S:net.{2 * i}.bias"] = rnd(latent, scale=0.5)
    f = filters(res, capacity, fmap_max)
    if no_const:
        sd["G:to_initial_block.weight"] = rnd(latent, f[0], 4, 4, scale=2.0)
    else:
        sd["G:initial_block"] = rnd(1, f[0], 4, 4)
    sd["G:initial_conv.weight"] = rnd(f[0], f[0], 3, 3, scale=1 / math.sqrt(9 * f[0]))
    sd["G:initial_conv.bias"] = rnd(f[0], scale=0.1)
    out_rgb = 4 if rgba else 3
    n = len(f) - 1
    for i, (cin, cout) in enumerate(zip(f[:-1], f[1:], strict=True)):
        p = f"G:blocks.{i}"
        sd[f"{p}.to_style1.weight"] = rnd(cin, latent, scale=1 / math.sqrt(latent))
        sd[f"{p}.to_style1.bias"] = rnd(cin, scale=0.1)
        sd[f"{p}.to_noise1.weight"] = rnd(cout, 1, scale=0.3)
        sd[f"{p}.to_noise1.bias"] = rnd(cout, scale=0.1)
        sd[f"{p}.conv1.weight"] = rnd(cout, cin, 3, 3, scale=math.sqrt(2 / (9 * cin)))
        sd[f"{p}.to_style2.weight"] = rnd(cout, latent, scale=1 / math.sqrt(latent))
        sd[f"{p}.to_style2.bias"] = rnd(cout, scale=0.1)
        sd[f"{p}.to_noise2.weight"] = rnd(cout, 1, scale=0.3)
        sd[f"{p}.to_noise2.bias"] = rnd(cout, scale=0.1)
        sd[f"{p}.conv2.weight"] = rnd(cout, cout, 3, 3, scale=math.sqrt(2 / (9 * cout)))
        sd[f"{p}.to_rgb.to_style.weight"] = rnd(cout, latent, scale=1 / math.sqrt(latent))
        sd[f"{p}.to_rgb.to_style.bias"] = rnd(cout, scale=0.1)
        sd[f"{p}.to_rgb.conv.weight"] = rnd(out_rgb, cout, 1, 1, scale=math.sqrt(2 / cout))
        if i != n - 1:
            sd[f"{p}.to_rgb.upsample.1.f"] = torch.tensor([1.0, 2.0, 1.0])
    return sd


def gan_state_dict(**kw) -> dict[str, torch.Tensor]:
    """``StyleGAN2.state_dict()``: S, G, D, then D_aug.D (the same D through AugWrapper), SE, GE.

    The EMA copies (SE, GE) differ from S, G, so a test can tell which ones were imported."""
    base = generator_keys(**kw)
    g = torch.Generator().manual_seed(99)
    sd: dict[str, torch.Tensor] = {}
    for k, v in base.items():
        net, name = k.split(":", 1)
        sd[f"{net}.{name}"] = v + (0.05 * torch.randn(v.shape, generator=g) if v.is_floating_point() and
                                   not name.endswith(".f") else 0)
    disc = {"D.blocks.0.conv_res.weight": torch.randn(8, 3, 1, 1), "D.blocks.0.conv_res.bias": torch.zeros(8),
            "D.final_conv.weight": torch.randn(8, 8, 3, 3), "D.to_logit.weight": torch.randn(1, 32),
            "D.to_logit.bias": torch.zeros(1)}
    sd.update(disc)
    sd.update({f"D_aug.{k}": v for k, v in disc.items()})
    for k, v in base.items():
        net, name = k.split(":", 1)
        sd[f"{net}E.{name}"] = v
    return sd


def training_file(version: str = "1.9.0", **kw) -> dict:
    """What their ``Trainer.save`` writes to ``models/<name>/model_<N>.pt``."""
    return {"GAN": gan_state_dict(**kw), "version": version}


# -- reference forward (their v1.x math) ------------------------------------------------------------------
def ref_style_vectorizer(sd: dict, z: torch.Tensor, lr_mul: float, prefix: str = "SE.") -> torch.Tensor:
    x = F.normalize(z, dim=1)
    i = 0
    while f"{prefix}net.{2 * i}.weight" in sd:
        w, b = sd[f"{prefix}net.{2 * i}.weight"], sd[f"{prefix}net.{2 * i}.bias"]
        x = F.leaky_relu(F.linear(x, w * lr_mul, b * lr_mul), 0.2)
        i += 1
    return x


def _conv2dmod(x: torch.Tensor, weight: torch.Tensor, y: torch.Tensor, demod: bool) -> torch.Tensor:
    b, c, h, w = x.shape
    filters_, kernel = weight.shape[0], weight.shape[-1]
    weights = weight[None] * (y[:, None, :, None, None] + 1)
    if demod:
        weights = weights * torch.rsqrt((weights ** 2).sum(dim=(2, 3, 4), keepdim=True) + EPS)
    weights = weights.reshape(b * filters_, *weights.shape[2:])
    out = F.conv2d(x.reshape(1, -1, h, w), weights, padding=(kernel - 1) // 2, groups=b)
    return out.reshape(-1, filters_, h, w)


def _blur_separable(x: torch.Tensor) -> torch.Tensor:
    c = x.shape[1]
    k = torch.tensor([1.0, 2.0, 1.0]) / 4
    x = F.pad(x, (1, 1, 1, 1), mode="reflect")
    x = F.conv2d(x, k.view(1, 1, 1, 3).repeat(c, 1, 1, 1), groups=c)
    return F.conv2d(x, k.view(1, 1, 3, 1).repeat(c, 1, 1, 1), groups=c)


def ref_generator(sd: dict, styles: torch.Tensor, noise: torch.Tensor, prefix: str = "GE.") -> torch.Tensor:
    """Their ``Generator.forward(styles [N, L, latent], input_noise [N, S, S, 1])`` → RGB(A) in ≈[0, 1]."""
    n = styles.shape[0]
    if f"{prefix}to_initial_block.weight" in sd:
        x = F.conv_transpose2d(styles.mean(dim=1)[:, :, None, None], sd[f"{prefix}to_initial_block.weight"])
    else:
        x = sd[f"{prefix}initial_block"].expand(n, -1, -1, -1)
    x = F.conv2d(x, sd[f"{prefix}initial_conv.weight"], sd[f"{prefix}initial_conv.bias"], padding=1)
    rgb = None
    num = styles.shape[1]
    for i in range(num):
        p = f"{prefix}blocks.{i}."
        style = styles[:, i]
        if i != 0:
            x = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
        inoise = noise[:, : x.shape[2], : x.shape[3], :]
        noise1 = F.linear(inoise, sd[p + "to_noise1.weight"], sd[p + "to_noise1.bias"]).permute((0, 3, 2, 1))
        noise2 = F.linear(inoise, sd[p + "to_noise2.weight"], sd[p + "to_noise2.bias"]).permute((0, 3, 2, 1))
        x = _conv2dmod(x, sd[p + "conv1.weight"], F.linear(style, sd[p + "to_style1.weight"],
                                                           sd[p + "to_style1.bias"]), True)
        x = F.leaky_relu(x + noise1, 0.2)
        x = _conv2dmod(x, sd[p + "conv2.weight"], F.linear(style, sd[p + "to_style2.weight"],
                                                           sd[p + "to_style2.bias"]), True)
        x = F.leaky_relu(x + noise2, 0.2)
        s = F.linear(style, sd[p + "to_rgb.to_style.weight"], sd[p + "to_rgb.to_style.bias"])
        y = _conv2dmod(x, sd[p + "to_rgb.conv.weight"], s, False)
        rgb = y if rgb is None else y + rgb
        if i != num - 1:
            rgb = _blur_separable(F.interpolate(rgb, scale_factor=2, mode="bilinear", align_corners=False))
    return rgb


def reference_lucid(sd: dict, z: torch.Tensor, noise: torch.Tensor, lr_mul: float = 0.1, psi: float = 1.0,
                    av: torch.Tensor | None = None) -> torch.Tensor:
    """z → their SE → truncation ψ·(w − av) + av (their ``truncate_style``) → GE, as [−1, 1] (x·2 − 1)."""
    w = ref_style_vectorizer(sd, z, lr_mul)
    if psi != 1.0:
        w = psi * (w - av) + av
    num = int(math.log2(noise.shape[1])) - 1
    return ref_generator(sd, w[:, None].expand(-1, num, -1), noise) * 2 - 1
