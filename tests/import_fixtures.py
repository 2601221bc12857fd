"""Synthetic community checkpoints built to checkpoint-formats.md §5, and reference forwards written from
the spec (§1.4, §3) independently of gan_studio's nets (grouped convs, explicit zero insertion)."""

from __future__ import annotations

import argparse
import contextlib
import math
import pickle
import sys
import types
from collections import OrderedDict

import torch
import torch.nn.functional as F

SQRT2 = math.sqrt(2.0)
BUFFERS = {"w_avg", "resample_filter", "noise_const"}


def blur_filter() -> torch.Tensor:
    f = torch.tensor([1.0, 3.0, 3.0, 1.0])
    return torch.outer(f, f) / 64


# -- StyleGAN2 weights in NVIDIA layout (§1.3) ---------------------------------------------------------
def nvidia_state_dict(res: int = 32, z_dim: int = 16, w_dim: int = 16, layers: int = 2, base: int = 128,
                      cmax: int = 16, img_channels: int = 3, seed: int = 0) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)

    def rnd(*shape: int, scale: float = 1.0, shift: float = 0.0) -> torch.Tensor:
        return torch.randn(shape, generator=g) * scale + shift

    def ch(r: int) -> int:
        return min(base // r, cmax)

    sd: dict[str, torch.Tensor] = {}
    for i in range(layers):
        sd[f"mapping.fc{i}.weight"] = rnd(w_dim, z_dim if i == 0 else w_dim, scale=100.0)  # stored ÷ lr_mul
        sd[f"mapping.fc{i}.bias"] = rnd(w_dim, scale=10.0)
    sd["mapping.w_avg"] = rnd(w_dim, scale=0.5)

    def layer(prefix: str, cin: int, cout: int, r: int) -> None:
        sd[f"{prefix}.weight"] = rnd(cout, cin, 3, 3)
        sd[f"{prefix}.bias"] = rnd(cout, scale=0.1)
        sd[f"{prefix}.noise_strength"] = rnd(1, scale=0.3).reshape([])
        sd[f"{prefix}.noise_const"] = rnd(r, r)
        sd[f"{prefix}.resample_filter"] = blur_filter()
        sd[f"{prefix}.affine.weight"] = rnd(cin, w_dim)
        sd[f"{prefix}.affine.bias"] = rnd(cin, scale=0.1, shift=1.0)

    r = 4
    while r <= res:
        c = ch(r)
        p = f"synthesis.b{r}"
        if r == 4:
            sd[f"{p}.const"] = rnd(c, 4, 4)
        sd[f"{p}.resample_filter"] = blur_filter()
        if r > 4:
            layer(f"{p}.conv0", ch(r // 2), c, r)
        layer(f"{p}.conv1", c, c, r)
        sd[f"{p}.torgb.weight"] = rnd(img_channels, c, 1, 1)
        sd[f"{p}.torgb.bias"] = rnd(img_channels, scale=0.1)
        sd[f"{p}.torgb.affine.weight"] = rnd(c, w_dim)
        sd[f"{p}.torgb.affine.bias"] = rnd(c, scale=0.1, shift=1.0)
        r *= 2
    return sd


def reference_stylegan2(sd: dict[str, torch.Tensor], z: torch.Tensor, psi: float = 1.0,
                        conv_clamp: float | None = None, lr_mul: float = 0.01) -> torch.Tensor:
    """§1.4 step by step, with grouped (per-sample) modulated convs and 'const' noise."""
    x = z * (z.square().mean(1, keepdim=True) + 1e-8).rsqrt()
    i = 0
    while f"mapping.fc{i}.weight" in sd:
        W, b = sd[f"mapping.fc{i}.weight"], sd[f"mapping.fc{i}.bias"]
        x = F.leaky_relu(x @ (W * lr_mul / math.sqrt(W.shape[1])).t() + b * lr_mul, 0.2) * SQRT2
        i += 1
    w_avg = sd["mapping.w_avg"]
    w = w_avg + psi * (x - w_avg)
    n = w.shape[0]
    f4 = blur_filter() * 4

    def depthwise(t: torch.Tensor, pad: tuple[int, int, int, int]) -> torch.Tensor:
        c = t.shape[1]
        return F.conv2d(F.pad(t, pad), f4.flip([0, 1])[None, None].repeat(c, 1, 1, 1), groups=c)

    def clamp(t: torch.Tensor) -> torch.Tensor:
        return t.clamp(-conv_clamp, conv_clamp) if conv_clamp is not None else t

    def styles(prefix: str) -> torch.Tensor:
        A, Ab = sd[f"{prefix}.affine.weight"], sd[f"{prefix}.affine.bias"]
        return w @ (A / math.sqrt(A.shape[1])).t() + Ab

    def synth_layer(t: torch.Tensor, prefix: str, up: bool) -> torch.Tensor:
        Wt = sd[f"{prefix}.weight"]
        o, c = Wt.shape[:2]
        Wm = Wt[None] * styles(prefix)[:, None, :, None, None]
        Wm = Wm * (Wm.square().sum([2, 3, 4], keepdim=True) + 1e-8).rsqrt()
        h = t.shape[2]
        if up:
            wt = Wm.transpose(1, 2).reshape(n * c, o, 3, 3)
            y = F.conv_transpose2d(t.reshape(1, n * c, h, h), wt, stride=2, groups=n).reshape(n, o, 2 * h + 1, -1)
            y = depthwise(y, (1, 1, 1, 1))
        else:
            y = F.conv2d(t.reshape(1, n * c, h, h), Wm.reshape(n * o, c, 3, 3), padding=1, groups=n)
            y = y.reshape(n, o, h, h)
        y = y + sd[f"{prefix}.noise_const"] * sd[f"{prefix}.noise_strength"]
        return clamp(F.leaky_relu(y + sd[f"{prefix}.bias"].view(1, -1, 1, 1), 0.2) * SQRT2)

    def torgb(t: torch.Tensor, prefix: str) -> torch.Tensor:
        Wt = sd[f"{prefix}.weight"]
        s = styles(prefix) / math.sqrt(Wt.shape[1])
        y = torch.einsum("nchw,oc,nc->nohw", t, Wt[:, :, 0, 0], s)
        return clamp(y + sd[f"{prefix}.bias"].view(1, -1, 1, 1))

    t = sd["synthesis.b4.const"][None].repeat(n, 1, 1, 1)
    t = synth_layer(t, "synthesis.b4.conv1", False)
    img = torgb(t, "synthesis.b4.torgb")
    r = 8
    while f"synthesis.b{r}.conv1.weight" in sd:
        t = synth_layer(t, f"synthesis.b{r}.conv0", True)
        t = synth_layer(t, f"synthesis.b{r}.conv1", False)
        up = img.new_zeros(n, img.shape[1], img.shape[2] * 2, img.shape[3] * 2)
        up[:, :, ::2, ::2] = img
        img = depthwise(up, (2, 1, 2, 1)) + torgb(t, f"synthesis.b{r}.torgb")
        r *= 2
    return img


# -- NVIDIA network pickles (§1.1, §1.2, §5) -----------------------------------------------------------
@contextlib.contextmanager
def fake_nvidia_modules():
    """Register stand-ins for ``torch_utils.persistence`` and ``dnnlib.util`` only while pickling."""
    names = ["torch_utils", "torch_utils.persistence", "dnnlib", "dnnlib.util"]
    saved = {k: sys.modules.get(k) for k in names}
    mods = {k: types.ModuleType(k) for k in names}

    def _reconstruct_persistent_obj(meta):  # never called by the tests' loader
        raise AssertionError("the fake reconstructor must not run")

    _reconstruct_persistent_obj.__module__ = "torch_utils.persistence"
    _reconstruct_persistent_obj.__qualname__ = "_reconstruct_persistent_obj"

    class EasyDict(dict):
        pass

    EasyDict.__module__ = "dnnlib.util"
    EasyDict.__qualname__ = "EasyDict"
    mods["torch_utils.persistence"]._reconstruct_persistent_obj = _reconstruct_persistent_obj
    mods["dnnlib.util"].EasyDict = EasyDict
    mods["torch_utils"].persistence = mods["torch_utils.persistence"]
    mods["dnnlib"].util = mods["dnnlib.util"]
    sys.modules.update(mods)
    try:
        yield _reconstruct_persistent_obj, EasyDict
    finally:
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v


class Persistent:
    """Pickles like a ``torch_utils.persistence`` object: (_reconstruct_persistent_obj, (meta,))."""

    def __init__(self, meta: dict, fn) -> None:
        self.meta, self.fn = meta, fn

    def __reduce__(self):
        return (self.fn, (self.meta,))


def _module_node(tree: dict, class_name: str, fn, easydict, init_kwargs=None, module_src="# synthetic",
                 extra=None) -> Persistent:
    params, bufs, mods = OrderedDict(), OrderedDict(), OrderedDict()
    for name, v in tree.items():
        if isinstance(v, dict):
            mods[name] = _module_node(v, name, fn, easydict)
        elif name in BUFFERS:
            bufs[name] = v
        else:
            params[name] = torch.nn.Parameter(v.clone(), requires_grad=False)
    state = {"training": False, "_parameters": params, "_buffers": bufs, "_non_persistent_buffers_set": set(),
             "_modules": mods, "_forward_hooks": OrderedDict(), "_forward_pre_hooks": OrderedDict(),
             "_state_dict_hooks": OrderedDict(), "_init_args": (), "_init_kwargs": easydict(init_kwargs or {}),
             **(extra or {})}
    return Persistent({"type": "class", "version": 6, "module_src": module_src,
                       "class_name": f"training.networks.{class_name}", "state": state}, fn)


def nvidia_pickle(sd: dict[str, torch.Tensor], conv_clamp: float | None = 256, module_src: str = "# synthetic"
                  ) -> bytes:
    tree: dict = {}
    for k, v in sd.items():
        node = tree
        parts = k.split(".")
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = v
    res = max(int(k.split(".")[1][1:]) for k in sd if k.startswith("synthesis.b"))
    fc0 = sd["mapping.fc0.weight"]
    layers = sum(1 for k in sd if k.startswith("mapping.fc") and k.endswith(".weight"))
    with fake_nvidia_modules() as (fn, easydict):
        kwargs = {"z_dim": fc0.shape[1], "c_dim": 0, "w_dim": fc0.shape[0], "img_resolution": res,
                  "img_channels": 3, "mapping_kwargs": easydict(num_layers=layers),
                  "synthesis_kwargs": easydict(channel_base=128, channel_max=16, num_fp16_res=4,
                                               conv_clamp=conv_clamp)}
        extra = {"z_dim": fc0.shape[1], "c_dim": 0, "w_dim": fc0.shape[0], "img_resolution": res,
                 "img_channels": 3, "num_ws": 2 * int(math.log2(res)) - 2}
        G_ema = _module_node(tree, "Generator", fn, easydict, kwargs, module_src, extra)
        D = _module_node({"b32": {"fromrgb": {"weight": torch.randn(4, 3, 1, 1)}}}, "Discriminator", fn, easydict)
        data = {"training_set_kwargs": easydict(resolution=res), "G": G_ema, "D": D, "G_ema": G_ema,
                "augment_pipe": None}
        return pickle.dumps(data, protocol=4)


# -- rosinality (§2, §2.4 forward mapping) -----------------------------------------------------------------
def nvidia_to_rosinality(sd: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    g: dict[str, torch.Tensor] = {}
    i = 0
    while f"mapping.fc{i}.weight" in sd:
        g[f"style.{i + 1}.weight"] = sd[f"mapping.fc{i}.weight"]
        g[f"style.{i + 1}.bias"] = sd[f"mapping.fc{i}.bias"]
        i += 1
    g["input.input"] = sd["synthesis.b4.const"][None]

    def conv(dst: str, src: str) -> None:
        g[f"{dst}.conv.weight"] = sd[f"{src}.weight"][None]
        g[f"{dst}.conv.modulation.weight"] = sd[f"{src}.affine.weight"]
        g[f"{dst}.conv.modulation.bias"] = sd[f"{src}.affine.bias"]
        g[f"{dst}.noise.weight"] = sd[f"{src}.noise_strength"].reshape(1)
        g[f"{dst}.activate.bias"] = sd[f"{src}.bias"]

    def rgb(dst: str, src: str) -> None:
        g[f"{dst}.conv.weight"] = sd[f"{src}.weight"][None]
        g[f"{dst}.conv.modulation.weight"] = sd[f"{src}.affine.weight"]
        g[f"{dst}.conv.modulation.bias"] = sd[f"{src}.affine.bias"]
        g[f"{dst}.bias"] = sd[f"{src}.bias"].reshape(1, -1, 1, 1)

    conv("conv1", "synthesis.b4.conv1")
    rgb("to_rgb1", "synthesis.b4.torgb")
    g["noises.noise_0"] = sd["synthesis.b4.conv1.noise_const"][None, None]
    j, r = 0, 8
    while f"synthesis.b{r}.conv1.weight" in sd:
        conv(f"convs.{2 * j}", f"synthesis.b{r}.conv0")
        g[f"convs.{2 * j}.conv.blur.kernel"] = blur_filter() * 4
        conv(f"convs.{2 * j + 1}", f"synthesis.b{r}.conv1")
        rgb(f"to_rgbs.{j}", f"synthesis.b{r}.torgb")
        g[f"to_rgbs.{j}.upsample.kernel"] = blur_filter() * 4
        g[f"noises.noise_{2 * j + 1}"] = sd[f"synthesis.b{r}.conv0.noise_const"][None, None]
        g[f"noises.noise_{2 * j + 2}"] = sd[f"synthesis.b{r}.conv1.noise_const"][None, None]
        j, r = j + 1, r * 2
    return g


def rosinality_training_file(sd: dict[str, torch.Tensor]) -> dict:
    g_ema = nvidia_to_rosinality(sd)
    g = {k: v.clone() + 0.01 for k, v in g_ema.items()}  # the non-EMA weights differ; only g_ema is used
    d = {"convs.0.0.weight": torch.randn(4, 3, 1, 1), "final_linear.1.bias": torch.zeros(1)}
    optim = {"state": {}, "param_groups": [{"lr": 0.002, "betas": (0.0, 0.99), "params": [0, 1]}]}
    res = max(int(k.split(".")[1][1:]) for k in sd if k.startswith("synthesis.b"))
    args = argparse.Namespace(size=res, latent=16, n_mlp=2, channel_multiplier=2, arch="stylegan2", iter=800000)
    return {"g": g, "d": d, "g_ema": g_ema, "g_optim": optim, "d_optim": optim, "args": args, "ada_aug_p": 0.0}


# -- pytorch-CycleGAN-and-pix2pix generators (§3) ------------------------------------------------------------
def _norm_keys(sd: dict, prefix: str, c: int, norm: str, g: torch.Generator, legacy: bool) -> None:
    if norm == "batch":
        sd[f"{prefix}.weight"] = 1 + 0.1 * torch.randn(c, generator=g)
        sd[f"{prefix}.bias"] = 0.1 * torch.randn(c, generator=g)
        sd[f"{prefix}.running_mean"] = 0.1 * torch.randn(c, generator=g)
        sd[f"{prefix}.running_var"] = 1 + 0.2 * torch.rand(c, generator=g)
        sd[f"{prefix}.num_batches_tracked"] = torch.tensor(100)
    elif legacy:  # 2018 InstanceNorm with track_running_stats: stats, no weight
        sd[f"{prefix}.running_mean"] = torch.zeros(c)
        sd[f"{prefix}.running_var"] = torch.ones(c)
        sd[f"{prefix}.num_batches_tracked"] = torch.tensor(0)


def resnet_state_dict(n_blocks: int = 2, ngf: int = 4, norm: str = "instance", legacy: bool = False,
                      in_ch: int = 3, out_ch: int = 3, seed: int = 0) -> dict[str, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    bias = norm != "batch"
    sd: dict[str, torch.Tensor] = {}

    def conv(i: int, cout: int, cin: int, k: int, b: bool, transposed: bool = False) -> None:
        shape = (cin, cout, k, k) if transposed else (cout, cin, k, k)
        sd[f"model.{i}.weight"] = 0.2 * torch.randn(*shape, generator=g)
        if b:
            sd[f"model.{i}.bias"] = 0.1 * torch.randn(cout, generator=g)

    conv(1, ngf, in_ch, 7, bias)
    _norm_keys(sd, "model.2", ngf, norm, g, legacy)
    conv(4, 2 * ngf, ngf, 3, bias)
    _norm_keys(sd, "model.5", 2 * ngf, norm, g, legacy)
    conv(7, 4 * ngf, 2 * ngf, 3, bias)
    _norm_keys(sd, "model.8", 4 * ngf, norm, g, legacy)
    c = 4 * ngf
    for b in range(n_blocks):
        p = f"model.{10 + b}.conv_block"
        for j in (1, 5):
            sd[f"{p}.{j}.weight"] = 0.2 * torch.randn(c, c, 3, 3, generator=g)
            if bias:
                sd[f"{p}.{j}.bias"] = 0.1 * torch.randn(c, generator=g)
            _norm_keys(sd, f"{p}.{j + 1}", c, norm, g, legacy)
    conv(10 + n_blocks, 2 * ngf, 4 * ngf, 3, bias, transposed=True)
    _norm_keys(sd, f"model.{11 + n_blocks}", 2 * ngf, norm, g, legacy)
    conv(13 + n_blocks, ngf, 2 * ngf, 3, bias, transposed=True)
    _norm_keys(sd, f"model.{14 + n_blocks}", ngf, norm, g, legacy)
    conv(17 + n_blocks, out_ch, ngf, 7, True)
    return sd


def _norm(x: torch.Tensor, sd: dict, prefix: str, norm: str) -> torch.Tensor:
    if norm == "batch":
        return F.batch_norm(x, sd[f"{prefix}.running_mean"], sd[f"{prefix}.running_var"], sd[f"{prefix}.weight"],
                            sd[f"{prefix}.bias"], False, 0.0, 1e-5)
    m, v = x.mean((2, 3), keepdim=True), x.var((2, 3), keepdim=True, unbiased=False)
    return (x - m) / torch.sqrt(v + 1e-5)


def reference_resnet(sd: dict, x: torch.Tensor, n_blocks: int, norm: str) -> torch.Tensor:
    def b(i: str) -> torch.Tensor | None:
        return sd.get(f"{i}.bias")

    x = F.conv2d(F.pad(x, (3,) * 4, mode="reflect"), sd["model.1.weight"], b("model.1"))
    x = F.relu(_norm(x, sd, "model.2", norm))
    for i in (4, 7):
        x = F.relu(_norm(F.conv2d(x, sd[f"model.{i}.weight"], b(f"model.{i}"), 2, 1), sd, f"model.{i + 1}", norm))
    for k in range(n_blocks):
        p = f"model.{10 + k}.conv_block"
        y = F.conv2d(F.pad(x, (1,) * 4, mode="reflect"), sd[f"{p}.1.weight"], b(f"{p}.1"))
        y = F.relu(_norm(y, sd, f"{p}.2", norm))
        y = F.conv2d(F.pad(y, (1,) * 4, mode="reflect"), sd[f"{p}.5.weight"], b(f"{p}.5"))
        x = x + _norm(y, sd, f"{p}.6", norm)
    for i in (10 + n_blocks, 13 + n_blocks):
        x = F.conv_transpose2d(x, sd[f"model.{i}.weight"], b(f"model.{i}"), 2, 1, output_padding=1)
        x = F.relu(_norm(x, sd, f"model.{i + 1}", norm))
    last = f"model.{17 + n_blocks}"
    return torch.tanh(F.conv2d(F.pad(x, (3,) * 4, mode="reflect"), sd[f"{last}.weight"], sd[f"{last}.bias"]))


def unet_state_dict(num_downs: int = 6, ngf: int = 4, norm: str = "batch", in_ch: int = 3, out_ch: int = 3,
                    seed: int = 0) -> dict[str, torch.Tensor]:
    """Nested U-Net keys (§3): outermost [down 0, sub 1, up 3]; middle [down 1, norm 2, sub 3, up 5, norm 6];
    innermost [down 1, up 3, norm 4]. Channels ngf·(1, 2, 4, 8, 8, …)."""
    g = torch.Generator().manual_seed(seed)
    bias = norm != "batch"
    sd: dict[str, torch.Tensor] = {}
    mults = [min(2**i, 8) for i in range(num_downs)]  # inner channels of level i
    prefix = "model"
    for level in range(num_downs):
        inner = ngf * mults[level]
        outer = out_ch if level == 0 else ngf * mults[level - 1]
        cin = in_ch if level == 0 else outer
        p = f"{prefix}.model"
        if level == 0:
            sd[f"{p}.0.weight"] = 0.2 * torch.randn(inner, cin, 4, 4, generator=g)
            if bias:
                sd[f"{p}.0.bias"] = 0.1 * torch.randn(inner, generator=g)
            sd[f"{p}.3.weight"] = 0.2 * torch.randn(2 * inner, outer, 4, 4, generator=g)
            sd[f"{p}.3.bias"] = 0.1 * torch.randn(outer, generator=g)
            prefix = f"{p}.1"
        elif level == num_downs - 1:
            sd[f"{p}.1.weight"] = 0.2 * torch.randn(inner, cin, 4, 4, generator=g)
            sd[f"{p}.3.weight"] = 0.2 * torch.randn(inner, outer, 4, 4, generator=g)
            if bias:
                sd[f"{p}.1.bias"] = 0.1 * torch.randn(inner, generator=g)
                sd[f"{p}.3.bias"] = 0.1 * torch.randn(outer, generator=g)
            _norm_keys(sd, f"{p}.4", outer, norm, g, False)
        else:
            sd[f"{p}.1.weight"] = 0.2 * torch.randn(inner, cin, 4, 4, generator=g)
            sd[f"{p}.5.weight"] = 0.2 * torch.randn(2 * inner, outer, 4, 4, generator=g)
            if bias:
                sd[f"{p}.1.bias"] = 0.1 * torch.randn(inner, generator=g)
                sd[f"{p}.5.bias"] = 0.1 * torch.randn(outer, generator=g)
            _norm_keys(sd, f"{p}.2", inner, norm, g, False)
            _norm_keys(sd, f"{p}.6", outer, norm, g, False)
            prefix = f"{p}.3"
    return sd


def reference_unet(sd: dict, x: torch.Tensor, num_downs: int, norm: str) -> torch.Tensor:
    def level(t: torch.Tensor, prefix: str, i: int) -> torch.Tensor:
        p = f"{prefix}.model"
        if i == 0:
            y = F.conv2d(t, sd[f"{p}.0.weight"], sd.get(f"{p}.0.bias"), 2, 1)
            y = level(y, f"{p}.1", 1)
            return torch.tanh(F.conv_transpose2d(F.relu(y), sd[f"{p}.3.weight"], sd[f"{p}.3.bias"], 2, 1))
        if i == num_downs - 1:
            y = F.conv2d(F.leaky_relu(t, 0.2), sd[f"{p}.1.weight"], sd.get(f"{p}.1.bias"), 2, 1)
            y = F.conv_transpose2d(F.relu(y), sd[f"{p}.3.weight"], sd.get(f"{p}.3.bias"), 2, 1)
            return torch.cat([t, _norm(y, sd, f"{p}.4", norm)], 1)
        y = F.conv2d(F.leaky_relu(t, 0.2), sd[f"{p}.1.weight"], sd.get(f"{p}.1.bias"), 2, 1)
        y = level(_norm(y, sd, f"{p}.2", norm), f"{p}.3", i + 1)
        y = F.conv_transpose2d(F.relu(y), sd[f"{p}.5.weight"], sd.get(f"{p}.5.bias"), 2, 1)
        return torch.cat([t, _norm(y, sd, f"{p}.6", norm)], 1)

    return level(x, "model", 0)
