"""Translation nets keep the community layout (§3); tiled inference matches whole-image inference."""

import numpy as np
import pytest
import torch

from gan_studio.core.io.tiling import tile_starts, tiled_apply
from gan_studio.core.nets.cyclegan import ResnetConfig, ResnetGenerator
from gan_studio.core.nets.norms import shared_norm_stats
from gan_studio.core.nets.patchgan import PatchDiscriminator, init_weights
from gan_studio.core.nets.pix2pix import UnetConfig, UnetGenerator
from gan_studio.core.nets.srnet import SRConfig, SRNet


def _count(net):
    return len(net.state_dict()), sum(p.numel() for p in net.parameters())


@pytest.mark.parametrize(("blocks", "keys", "params"), [(9, 48, 11_378_179), (6, 36, 7_837_699)])
def test_resnet_generator_matches_community_layout(blocks, keys, params):
    G = ResnetGenerator(ResnetConfig(n_blocks=blocks))
    assert _count(G) == (keys, params)
    names = set(G.state_dict())
    assert {"model.1.weight", "model.10.conv_block.1.weight", "model.10.conv_block.5.weight",
            f"model.{17 + blocks}.weight", f"model.{17 + blocks}.bias"} <= names
    assert G.state_dict()[f"model.{10 + blocks}.weight"].shape == (256, 128, 3, 3)  # transposed: [in, out]


@pytest.mark.parametrize(("downs", "keys", "params"), [(8, 82, 54_413_955), (7, 70, 41_828_995)])
def test_unet_generator_matches_community_layout(downs, keys, params):
    G = UnetGenerator(UnetConfig(in_channels=3, out_channels=3, num_downs=downs))
    assert _count(G) == (keys, params)
    assert "model.model.1.model.3.model.3.model.1.weight" in G.state_dict()
    assert G(torch.zeros(1, 3, 2**downs, 2**downs)).shape == (1, 3, 2**downs, 2**downs)


def test_patch_discriminator_scores_patches():
    D = PatchDiscriminator(6)
    assert D(torch.zeros(2, 6, 64, 64)).shape == (2, 1, 6, 6)
    assert "model.0.weight" in D.state_dict() and "model.2.weight" in D.state_dict()


def test_tile_starts_cover_everything():
    for length, tile, ov in [(300, 128, 64), (128, 128, 64), (50, 128, 64), (1000, 256, 32)]:
        starts = tile_starts(length, tile, ov)
        covered = np.zeros(length, bool)
        for s in starts:
            covered[s:s + tile] = True
        assert covered.all() and starts[-1] + min(tile, length) == length


def _smooth_image(h, w, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.nn.functional.interpolate(torch.rand(1, 4, h // 8, w // 8, generator=g) * 2 - 1, size=(h, w),
                                           mode="bicubic", align_corners=False).clamp(-1, 1)


@torch.no_grad()
def test_tiled_matches_whole_image_with_shared_instance_stats():
    torch.manual_seed(0)
    G = init_weights(ResnetGenerator(ResnetConfig(4, 4, ngf=8, n_blocks=2)), 0.2).eval()
    x = _smooth_image(304, 264)
    whole = G(x)
    with shared_norm_stats(G, x):
        tiled = tiled_apply(G, x, tile=128, overlap=64)
    naive = tiled_apply(G, x, tile=128, overlap=64)  # each tile normalised on its own
    err = (tiled - whole).abs() * 127.5  # in 8-bit levels
    assert err.mean() < 0.5 and torch.quantile(err.flatten(), 0.999) < 8, (err.mean(), err.max())
    # Seams included: the worst column/row band at tile borders is no worse than a few levels on average.
    for edge in tile_starts(264, 128, 64)[1:]:
        assert err[..., edge - 2:edge + 2].mean() < 2
    assert ((naive - whole).abs() * 127.5).mean() > 2 * err.mean()


@torch.no_grad()
def test_sr_tiled_matches_whole():
    torch.manual_seed(0)
    net = SRNet(SRConfig(channels=4, width=8, n_blocks=2)).eval()
    x = _smooth_image(96, 80)
    whole = net(x)
    tiled = tiled_apply(net, x, tile=48, overlap=16, scale=4)
    assert whole.shape == tiled.shape == (1, 4, 384, 320)
    assert ((tiled - whole).abs() * 127.5).max() < 3
