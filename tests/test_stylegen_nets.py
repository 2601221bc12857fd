"""StyleGen nets: shapes, determinism, truncation, and the modulation math against a grouped-conv reference."""

import math

import pytest
import torch
import torch.nn.functional as F

from gan_studio.core.nets.layers import setup_filter
from gan_studio.core.nets.stylegen import (
    Discriminator,
    Generator,
    StyleGenConfig,
    generator_flops,
    z_from_seed,
)

CFG = StyleGenConfig(resolution=32, img_channels=4, z_dim=32, w_dim=32, mapping_layers=2,
                     channel_base=256, channel_max=32, d_channel_base=256, d_channel_max=32)


@pytest.fixture(scope="module")
def G():
    torch.manual_seed(0)
    g = Generator(CFG).eval()
    with torch.no_grad():
        g.mapping.w_avg.copy_(g.mapping(torch.randn(128, CFG.z_dim)).mean(0))
        for name, p in g.named_parameters():
            if name.endswith("noise_strength"):
                p.fill_(0.3)
    return g


def test_shapes(G):
    z = torch.randn(3, CFG.z_dim)
    ws = G.map(z)
    assert ws.shape == (3, CFG.num_ws, CFG.w_dim) and CFG.num_ws == 2 * 5 - 2
    img = G.synthesize(ws)
    assert img.shape == (3, 4, 32, 32) and img.dtype == torch.float32
    assert Discriminator(CFG)(img).shape == (3, 1)


def test_same_seed_same_image_other_seed_differs(G):
    a = G.synthesize(G.map(z_from_seed(7, CFG.z_dim)), "const")
    b = G.synthesize(G.map(z_from_seed(7, CFG.z_dim)), "const")
    c = G.synthesize(G.map(z_from_seed(8, CFG.z_dim)), "const")
    assert torch.equal(a, b)
    assert (a - c).abs().max() > 1e-3


def test_psi_zero_renders_the_w_average(G):
    ws = G.map(torch.randn(2, CFG.z_dim), psi=0.0)
    assert torch.allclose(ws, G.mapping.w_avg.expand_as(ws))
    img = G.synthesize(ws, "const")
    ref = G.synthesize(G.mapping.w_avg.view(1, 1, -1).repeat(1, CFG.num_ws, 1), "const")
    assert (img - ref).abs().max() < 1e-4


def test_noise_modes(G):
    ws = G.map(z_from_seed(1, CFG.z_dim))
    const = G.synthesize(ws, "const")
    none = G.synthesize(ws, "none")
    assert (const - none).abs().max() > 1e-4
    torch.manual_seed(0)
    r1 = G.synthesize(ws, "random")
    r2 = G.synthesize(ws, "random")
    assert (r1 - r2).abs().max() > 1e-4
    with pytest.raises(ValueError):
        G.synthesize(ws, "loud")


def _reference_layer(layer, x, w, up):
    """StyleGAN2's fused form: a grouped conv with per-sample modulated, demodulated weights (§1.4)."""
    n, cin, h, _ = x.shape
    s = F.linear(w, layer.affine.weight * layer.affine.weight_gain, layer.affine.bias)
    wt = layer.weight[None] * s[:, None, :, None, None]
    wt = wt * (wt.square().sum(dim=(2, 3, 4), keepdim=True) + 1e-8).rsqrt()
    cout = wt.shape[1]
    xg = x.reshape(1, n * cin, h, h)
    if up:
        wt_t = wt.transpose(1, 2).reshape(n * cin, cout, 3, 3)
        y = F.conv_transpose2d(xg, wt_t, stride=2, groups=n)
        y = y.reshape(n * cout, 1, *y.shape[2:])
        f = setup_filter() * 4
        y = F.conv2d(F.pad(y, (1, 1, 1, 1)), f[None, None])
        y = y.reshape(n, cout, 2 * h, 2 * h)
    else:
        y = F.conv2d(xg, wt.reshape(n * cout, cin, 3, 3), padding=1, groups=n).reshape(n, cout, h, h)
    return F.leaky_relu(y + layer.bias.view(1, -1, 1, 1), 0.2) * math.sqrt(2)


@pytest.mark.parametrize("up", [False, True])
def test_activation_modulation_equals_grouped_conv(G, up):
    block = G.synthesis.b16
    layer = block.conv0 if up else block.conv1
    cin = layer.weight.shape[1]
    res = 8 if up else 16
    x = torch.randn(3, cin, res, res)
    w = torch.randn(3, CFG.w_dim)
    ours = layer(x, w, noise_mode="none")
    ref = _reference_layer(layer, x, w, up)
    assert ours.shape == ref.shape
    assert (ours - ref).abs().max() < 1e-4


def test_channels_last_matches(G):
    ws = G.map(torch.randn(2, CFG.z_dim))
    a = G.synthesize(ws, "const")
    b = G.synthesize(ws, "const", memory_format=torch.channels_last)
    assert (a - b).abs().max() < 1e-4


def test_flops_are_counted():
    assert 1e6 < generator_flops(CFG) < 1e8
    big = StyleGenConfig(resolution=64, channel_base=1024, channel_max=128)
    assert generator_flops(big) > generator_flops(StyleGenConfig(resolution=32, channel_base=1024, channel_max=128))


def test_inference_weight_cache_matches_and_follows_weight_updates():
    """Frames drawn without autograd reuse weight-only terms; an in-place weight update must invalidate them."""
    torch.manual_seed(1)
    g = Generator(CFG).eval()
    ws = g.map(torch.randn(2, CFG.z_dim)).detach()
    with torch.inference_mode():
        cached = [g.synthesize(ws, "const", memory_format=mf) for mf in (torch.contiguous_format, torch.channels_last)]
    fresh = g.synthesize(ws, "const")  # grad enabled: computed from the weights every call
    for img in cached:
        assert torch.allclose(img, fresh.detach(), atol=1e-5)
    with torch.no_grad():
        g.synthesis.b8.conv0.weight.add_(torch.randn(g.synthesis.b8.conv0.weight.shape))  # an optimizer step
        after = g.synthesize(ws, "const")
    with torch.inference_mode():
        assert torch.allclose(g.synthesize(ws, "const"), after, atol=1e-5)
    assert not torch.allclose(after, fresh.detach(), atol=1e-3)


def test_inference_fuses_noise_bias_and_gain_like_the_training_path():
    """No-grad frames add √2·(bias + const noise) in one addcmul, cached; it must match and follow updates."""
    torch.manual_seed(2)
    g = Generator(CFG).eval()
    with torch.no_grad():
        for name, p in g.named_parameters():
            if name.endswith(("noise_strength", "bias")) and "synthesis" in name:
                p.normal_(0.0, 0.5)
    ws = g.map(torch.randn(2, CFG.z_dim)).detach()
    for mode, scale in (("const", 1.0), ("const", 0.4), ("none", 1.0)):
        ref = g.synthesize(ws, mode, scale).detach()
        with torch.inference_mode():
            for mf in (torch.contiguous_format, torch.channels_last):
                assert torch.allclose(g.synthesize(ws, mode, scale, memory_format=mf), ref, atol=1e-5)
    conv = g.synthesis.b16.conv1
    with torch.no_grad():
        conv.noise_strength.add_(1.0)
        conv.bias.add_(0.3)
    ref = g.synthesize(ws, "const").detach()
    with torch.inference_mode():
        assert torch.allclose(g.synthesize(ws, "const"), ref, atol=1e-5)
