"""Re-implementations of the CycleGAN/pix2pix generators: the same network saved differently (conv bias on or
off, affine or plain instance norm, batch norm with or without statistics, ``module.`` prefixes, nested dicts,
fp16 halves) imports and draws the same pixels as the reference forward; a network that truly differs is
refused with what differs. StyleGAN2 weights saved the same ways (nested, prefixed, halved; NVIDIA or
rosinality layout) draw what the reference forward draws. The reference forwards are the spec's
(tests/import_fixtures.py), with norms read from the keys."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

import tests.import_fixtures as fx
from gan_studio.core.importers import CheckpointError, load_converted

TOL = 1e-4
BLOCKS = 3


def _norm_by_keys(x: torch.Tensor, sd: dict, prefix: str, norm: str) -> torch.Tensor:
    if f"{prefix}.running_mean" in sd:
        return F.batch_norm(x, sd[f"{prefix}.running_mean"], sd[f"{prefix}.running_var"], sd[f"{prefix}.weight"],
                            sd[f"{prefix}.bias"], False, 0.0, 1e-5)
    m, v = x.mean((2, 3), keepdim=True), x.var((2, 3), keepdim=True, unbiased=False)
    y = (x - m) / torch.sqrt(v + 1e-5)
    if f"{prefix}.weight" in sd:
        y = y * sd[f"{prefix}.weight"].view(1, -1, 1, 1) + sd[f"{prefix}.bias"].view(1, -1, 1, 1)
    return y


@pytest.fixture(autouse=True)
def _reference_norms(monkeypatch):
    monkeypatch.setattr(fx, "_norm", _norm_by_keys)


def _norm_prefixes(batch_sd: dict) -> list[str]:
    return [k.rsplit(".", 1)[0] for k in batch_sd if k.endswith(".running_mean")]


def _resnet(bias: bool, norm: str) -> dict:
    """norm: 'plain' (no keys), 'affine' (weight+bias, no stats), 'batch' (with stats)."""
    batch = fx.resnet_state_dict(n_blocks=BLOCKS, norm="batch")
    sd = fx.resnet_state_dict(n_blocks=BLOCKS, norm="batch" if norm == "batch" else "instance")
    g = torch.Generator().manual_seed(7)
    last = f"model.{17 + BLOCKS}"
    for k in [k for k in sd if k.endswith(".weight") and sd[k].ndim == 4 and not k.startswith(last)]:
        b = k[:-7] + ".bias"
        if bias:
            sd.setdefault(b, 0.1 * torch.randn(_out_channels(k, sd[k]), generator=g))
        else:
            sd.pop(b, None)
    if norm == "affine":
        for p in _norm_prefixes(batch):
            c = batch[f"{p}.weight"].shape[0]
            sd[f"{p}.weight"] = 1 + 0.2 * torch.randn(c, generator=g)
            sd[f"{p}.bias"] = 0.2 * torch.randn(c, generator=g)
    return sd


def _out_channels(key: str, w: torch.Tensor) -> int:
    idx = int(key.split(".")[1])
    transposed = idx in (10 + BLOCKS, 13 + BLOCKS) and "conv_block" not in key
    return int(w.shape[1] if transposed else w.shape[0])


def _compare(conv, sd: dict, x: torch.Tensor) -> float:
    with torch.no_grad():
        return (conv.modules["generator_ab"](x) - fx.reference_resnet(sd, x, BLOCKS, "")).abs().max().item()


X = torch.rand(2, 3, 32, 32, generator=torch.Generator().manual_seed(2)) * 2 - 1


@pytest.mark.parametrize("bias, norm", [(True, "affine"), (False, "plain"), (True, "batch"), (False, "affine"),
                                        (True, "plain"), (False, "batch")])
def test_resnet_variants_import_and_match(tmp_path, bias, norm):
    sd = _resnet(bias, norm)
    torch.save(sd, tmp_path / "G.pth")
    conv = load_converted(tmp_path / "G.pth")
    assert conv.family == "cyclegan" and conv.architecture["n_blocks"] == BLOCKS
    assert _compare(conv, sd, X) <= TOL


def test_the_published_layout_nested_prefixed_half(tmp_path):
    """The PyPI generator of the issue: bias kept, affine norms without stats, saved as {'netG': module.…} in fp16."""
    sd = _resnet(True, "affine")
    half = {f"module.{k}": v.half() for k, v in sd.items()}
    for i, wrap in enumerate([lambda d: {"state_dict": d}, lambda d: {"netG": d, "epoch": 200},
                              lambda d: {"model": {"G": d}}, lambda d: {"g_ema": d}]):
        torch.save(wrap(half), tmp_path / f"G{i}.pth")
        conv = load_converted(tmp_path / f"G{i}.pth")
        ref = {k[7:]: v.float() for k, v in half.items()}
        assert _compare(conv, ref, X) <= TOL, i


def test_batch_norm_without_statistics_is_affine_instance_norm(tmp_path):
    # BatchNorm2d(track_running_stats=False) normalises by the batch's statistics: on one image, per channel
    # over H×W, exactly an affine instance norm.
    sd = _resnet(False, "affine")
    torch.save(sd, tmp_path / "G.pth")
    conv = load_converted(tmp_path / "G.pth")
    assert conv.architecture["norm"] == "instance-affine"
    assert _compare(conv, sd, X[:1]) <= TOL


def test_a_different_network_is_refused_saying_what_differs(tmp_path):
    sd = _resnet(True, "affine")
    sd["model.11.conv_block.1.weight"] = torch.zeros(12, 16, 3, 3)  # a block with other channels
    torch.save(sd, tmp_path / "G.pth")
    with pytest.raises(CheckpointError, match=r"other shapes \(e\.g\. model\.11\.conv_block\.1\.weight"):
        load_converted(tmp_path / "G.pth")


@pytest.mark.parametrize("norm", ["batch", "affine"])
def test_unet_variants(tmp_path, norm):
    sd = fx.unet_state_dict(num_downs=6, norm="batch" if norm == "batch" else "instance")
    g = torch.Generator().manual_seed(5)
    if norm == "batch":  # batch norm whose convs keep their bias
        for k in [k for k in sd if k.endswith(".weight") and sd[k].ndim == 4]:
            transposed = k.endswith((".3.weight", ".5.weight"))
            sd.setdefault(k[:-7] + ".bias", 0.1 * torch.randn(sd[k].shape[1 if transposed else 0], generator=g))
    else:
        batch = fx.unet_state_dict(num_downs=6, norm="batch")
        for p in _norm_prefixes(batch):
            c = batch[f"{p}.weight"].shape[0]
            sd[f"{p}.weight"] = 1 + 0.2 * torch.randn(c, generator=g)
            sd[f"{p}.bias"] = 0.2 * torch.randn(c, generator=g)
    torch.save({"state_dict": sd}, tmp_path / "G.pth")
    conv = load_converted(tmp_path / "G.pth")
    x = torch.rand(2, 3, 64, 64, generator=torch.Generator().manual_seed(3)) * 2 - 1
    with torch.no_grad():
        diff = (conv.modules["generator"](x) - fx.reference_unet(sd, x, 6, "")).abs().max().item()
    assert diff <= TOL


def test_affine_instance_norm_replays_its_statistics(tmp_path):
    from gan_studio.core.nets.norms import shared_norm_stats

    sd = _resnet(True, "affine")
    torch.save(sd, tmp_path / "G.pth")
    net = load_converted(tmp_path / "G.pth").modules["generator_ab"]
    with torch.no_grad():
        whole = net(X[:1])
        with shared_norm_stats(net, X[:1]):
            replayed = net(X[:1])
    assert (whole - replayed).abs().max().item() <= TOL


# -- StyleGAN2 weights saved as re-implementations save them -----------------------------------------------------
def _sg_variants() -> dict:
    from tests.import_fixtures import nvidia_state_dict, nvidia_to_rosinality, rosinality_training_file

    sd = nvidia_state_dict(res=16)
    half = {k: v.half() for k, v in sd.items()}
    prefixed = {f"module.{k}": v for k, v in sd.items()}
    rosi = {**rosinality_training_file(sd), "latent_avg": sd["mapping.w_avg"]}  # so ψ < 1 matches too
    return {
        "module-prefix": (prefixed, sd), "state_dict": ({"state_dict": sd, "epoch": 3}, sd),
        "G_ema": ({"G_ema": sd}, sd), "g_ema": ({"g_ema": sd}, sd), "model": ({"model": sd}, sd),
        "G-and-G_ema": ({"G": {k: v + 0.5 for k, v in sd.items()}, "G_ema": sd}, sd),
        "fp16": (half, {k: v.float() for k, v in half.items()}),
        "fp16-prefixed-nested": ({"state_dict": {f"module.{k}": v for k, v in half.items()}},
                                 {k: v.float() for k, v in half.items()}),
        "rosinality-prefixed": ({**rosi, "g_ema": {f"module.{k}": v for k, v in nvidia_to_rosinality(sd).items()}},
                                sd),
        "rosinality-fp16": ({**rosi, "g_ema": {k: v.half() for k, v in rosi["g_ema"].items()},
                             "latent_avg": sd["mapping.w_avg"].half()},
                            {k: v.half().float() for k, v in sd.items()}),
    }


SG_VARIANTS = _sg_variants()


@pytest.mark.parametrize("name", sorted(SG_VARIANTS))
def test_stylegan_variants_import_and_match(tmp_path, name):
    from tests.import_fixtures import reference_stylegan2

    obj, ref_sd = SG_VARIANTS[name]
    torch.save(obj, tmp_path / "w.pt")
    conv = load_converted(tmp_path / "w.pt")
    assert conv.family == "stylegen" and conv.resolution == 16
    z = torch.randn(3, 16, generator=torch.Generator().manual_seed(1))
    G = conv.modules["generator"]
    for psi in (1.0, 0.6):
        with torch.no_grad():
            out = G.synthesize(G.map(z, psi), "const")
        assert (out - reference_stylegan2(ref_sd, z, psi)).abs().max().item() <= TOL, (name, psi)
