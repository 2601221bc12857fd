"""Malformed but harmless files: each ends in a CheckpointError with a clear message, never a traceback, and a
model that would import but draw only black or NaN is refused. The files are built here."""

from __future__ import annotations

import pickle

import pytest
import torch

from gan_studio.cli import main
from gan_studio.core.importers import CheckpointError, load_converted
from tests.import_fixtures import _module_node, fake_nvidia_modules, nvidia_state_dict
from tests.lucid_fixtures import training_file


def _tree(sd: dict) -> dict:
    tree: dict = {}
    for k, v in sd.items():
        node = tree
        parts = k.split(".")
        for p in parts[:-1]:
            node = node.setdefault(p, {})
        node[parts[-1]] = v
    return tree


def _snapshot(tmp_path, mutate, sd=None, conv_clamp=256, name="snap.pkl"):
    """An NVIDIA snapshot of a tiny StyleGAN2 whose metadata ``mutate(G_ema.meta)`` has spoiled."""
    sd = sd or nvidia_state_dict(res=8)
    with fake_nvidia_modules() as (fn, easydict):
        kwargs = {"z_dim": 16, "c_dim": 0, "w_dim": 16, "img_resolution": 8, "img_channels": 3,
                  "mapping_kwargs": easydict(num_layers=2),
                  "synthesis_kwargs": easydict(channel_base=128, channel_max=16, conv_clamp=conv_clamp)}
        G = _module_node(_tree(sd), "Generator", fn, easydict, kwargs, extra={"c_dim": 0})
        mutate(G.meta)
        data = pickle.dumps({"G": G, "G_ema": G}, protocol=4)
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _cyclic(meta):
    mods = meta["state"]["_modules"]
    mods["mapping"].meta["state"]["_modules"] = mods  # mapping contains the network's own module table


def _int_names(meta):
    mapping = meta["state"]["_modules"]["mapping"].meta["state"]["_modules"]["fc0"].meta["state"]
    mapping["_parameters"] = {0: mapping["_parameters"]["weight"], "bias": mapping["_parameters"]["bias"]}


def _modules_list(meta):
    meta["state"]["_modules"] = list(meta["state"]["_modules"].values())


def _c_dim_list(meta):
    meta["state"]["c_dim"] = [1]


@pytest.mark.parametrize("mutate, match", [
    (_cyclic, "cycle"), (_int_names, "named 0"), (_modules_list, "is a list"), (_c_dim_list, "c_dim")])
def test_malformed_persistence_state_is_a_clear_error(tmp_path, mutate, match, capsys):
    path = _snapshot(tmp_path, mutate)
    with pytest.raises(CheckpointError, match=match):
        load_converted(path)
    assert main(["models", "import", str(path)]) == 2
    assert "Traceback" not in capsys.readouterr().err


def test_flat_state_dict_with_a_1d_fc0(tmp_path):
    sd = nvidia_state_dict(res=8)
    sd["mapping.fc0.weight"] = torch.zeros(16)
    torch.save(sd, tmp_path / "flat.pt")
    with pytest.raises(CheckpointError, match="mapping.fc0.weight should be a 2-D tensor"):
        load_converted(tmp_path / "flat.pt")


def test_deeply_nested_lucidrains_config_is_not_a_traceback(tmp_path):
    folder = tmp_path / "models" / "default"
    folder.mkdir(parents=True)
    torch.save(training_file(res=16), folder / "model_3.pt")
    (folder / ".config.json").write_text("[" * 30_000 + "]" * 30_000)
    conv = load_converted(folder / "model_3.pt")  # an unusable sidecar: the default, said in the card
    assert "default" in conv.facts["lr_mlp_from"]


def test_nan_w_avg_is_refused(tmp_path):
    sd = nvidia_state_dict(res=8)
    sd["mapping.w_avg"] = torch.full((16,), float("nan"))
    path = _snapshot(tmp_path, lambda meta: None, sd=sd)
    with pytest.raises(CheckpointError, match="w_avg"):
        load_converted(path)


def test_black_output_is_refused(tmp_path):
    path = _snapshot(tmp_path, lambda meta: None, conv_clamp=-1)
    with pytest.raises(CheckpointError, match="conv_clamp"):
        load_converted(path)
    # The settings check aside, the draws themselves catch a generator that paints one colour.
    from gan_studio.core.importers import convert, verify
    from gan_studio.core.importers.safeload import read_checkpoint

    conv = convert(read_checkpoint(_snapshot(tmp_path, lambda meta: None, name="ok.pkl")))
    for m in conv.modules["generator"].modules():
        if getattr(m, "conv_clamp", None) is not None:
            m.conv_clamp = -1.0
    with pytest.raises(CheckpointError, match="single-colour|same image"):
        verify(conv)


def test_good_snapshot_still_imports(tmp_path):
    conv = load_converted(_snapshot(tmp_path, lambda meta: None))
    assert conv.family == "stylegen"

