"""lucidrains/stylegan2-pytorch checkpoints (synthetic, built to checkpoint-formats.md §4 and their v1.x code)
import onto our Lucid net, draw the same images as a reference forward written from their math, open in the
explorer's and mixing canvas's session, and hostile variants are refused without running anything."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
import torch

from gan_studio.cli import main
from gan_studio.core.importers import CheckpointError, UnsafeCheckpointError, import_checkpoint, load_converted
from tests.lucid_fixtures import gan_state_dict, ref_style_vectorizer, reference_lucid, training_file

TOL = 1e-4
LATENT = 16


def _z(n: int = 3, seed: int = 1) -> torch.Tensor:
    return torch.randn(n, LATENT, generator=torch.Generator().manual_seed(seed))


def _max_diff(conv, obj, z, psi, mode, scale, lr_mul=0.1) -> float:
    G = conv.modules["generator"]
    with torch.no_grad():
        ours = G.synthesize(G.map(z, psi), mode, scale)
        u = G.noise_image(z.shape[0], mode, scale, torch.device("cpu"))[..., None]  # their [N, S, S, 1]
        ref = reference_lucid(obj["GAN"], z, u, lr_mul, psi, G.mapping.w_avg)
    return (ours - ref).abs().max().item()


ARCHS = {
    "rgb-32": dict(res=32),
    "rgba-16-no-const-fmap8": dict(res=16, rgba=True, no_const=True, capacity=8, fmap_max=8),
    "rgb-64-depth1": dict(res=64, depth=1, capacity=2),
}


@pytest.mark.parametrize("arch", sorted(ARCHS))
def test_training_file_matches_reference(tmp_path, arch):
    kw = ARCHS[arch]
    obj = training_file(latent=LATENT, **kw)
    path = tmp_path / "model_150.pt"
    torch.save(obj, path)
    conv = load_converted(path)
    a = conv.architecture
    assert conv.format == "lucidrains" and conv.family == "lucidrains" and conv.tasks == ["explore", "mix"]
    assert conv.resolution == a["resolution"] == kw["res"] and conv.channels == (4 if kw.get("rgba") else 3)
    assert a["latent_dim"] == LATENT and a["style_depth"] == kw.get("depth", 3)
    assert a["no_const"] == kw.get("no_const", False) and a["lr_mul"] == 0.1
    assert conv.facts["networks"].startswith("SE/GE") and conv.facts["version"] == "1.9.0"
    G = conv.modules["generator"]
    assert G.num_ws == int(np.log2(kw["res"])) - 1 and G.cfg.z_dim == G.cfg.w_dim == LATENT
    z = _z()
    for psi, mode, scale in [(1.0, "const", 1.0), (0.6, "const", 1.0), (1.0, "none", 1.0), (0.7, "const", 0.5)]:
        diff = _max_diff(conv, obj, z, psi, mode, scale)
        assert diff <= TOL, (psi, mode, scale, diff)


def test_random_noise_is_their_uniform_image_and_ema_nets_are_used(tmp_path):
    obj = training_file(latent=LATENT, res=16)
    torch.save(obj, tmp_path / "model_1.pt")
    G = load_converted(tmp_path / "model_1.pt").modules["generator"]
    z = _z(2)
    torch.manual_seed(5)
    with torch.no_grad():
        ours = G.synthesize(G.map(z), "random")
    torch.manual_seed(5)
    u = torch.rand(2, 16, 16)[..., None]  # the same draw: u ~ U[0, 1), one channel, as their image_noise()
    ref = reference_lucid(obj["GAN"], z, u)
    assert (ours - ref).abs().max().item() <= TOL
    # The non-EMA nets (S., G.) differ from SE./GE.: the import must have taken the EMA ones.
    non_ema = {k.replace("G.", "GE.", 1).replace("S.", "SE.", 1): v for k, v in obj["GAN"].items()
               if k.startswith(("G.", "S."))}
    assert (ours - reference_lucid(non_ema, z, u)).abs().max().item() > 1e-3
    # w_avg is the mean w of 4096 seeded z (their truncate_style averages 2000 samples of S).
    torch.manual_seed(0)
    want = ref_style_vectorizer(obj["GAN"], torch.randn(4096, LATENT), 0.1).mean(0)
    assert torch.allclose(G.mapping.w_avg, want, atol=1e-6)


def test_lr_mlp_comes_from_their_config_json_beside_the_file(tmp_path):
    obj = training_file(latent=LATENT, res=16)
    folder = tmp_path / "models" / "default"
    folder.mkdir(parents=True)
    torch.save(obj, folder / "model_7.pt")
    (folder / ".config.json").write_text(json.dumps({"image_size": 16, "network_capacity": 4, "lr_mlp": 1.0,
                                                     "transparent": False, "attn_layers": [], "no_const": False}))
    conv = load_converted(folder / "model_7.pt")
    assert conv.architecture["lr_mul"] == 1.0 and conv.facts["lr_mlp_from"] == ".config.json"
    assert _max_diff(conv, obj, _z(), 1.0, "const", 1.0, lr_mul=1.0) <= TOL
    # A config for another model (different size) is not trusted; nor one that is not JSON, or huge.
    for text in (json.dumps({"image_size": 128, "lr_mlp": 1.0}), "{not json", " " * (70 << 10)):
        (folder / ".config.json").write_text(text)
        conv = load_converted(folder / "model_7.pt")
        assert conv.architecture["lr_mul"] == 0.1 and "default" in conv.facts["lr_mlp_from"]
    (folder / ".config.json").write_text(json.dumps({"image_size": 16, "lr_mlp": "__import__('os')"}))
    assert load_converted(folder / "model_7.pt").architecture["lr_mul"] == 0.1


def test_bare_gan_state_dict_and_legacy_stream(tmp_path):
    obj = training_file(latent=LATENT, res=16)
    torch.save(obj["GAN"], tmp_path / "gan.pt")
    torch.save(obj, tmp_path / "old.pt", _use_new_zipfile_serialization=False)
    for name in ("gan.pt", "old.pt"):
        conv = load_converted(tmp_path / name)
        assert conv.format == "lucidrains"
        assert _max_diff(conv, obj, _z(), 0.8, "const", 1.0) <= TOL


def test_cli_and_library_import_then_explorer_and_mixer_sessions(tmp_path, capsys):
    from gan_studio.core.io.images import to_uint8
    from gan_studio.core.library.cards import sha256_file
    from gan_studio.core.library.registry import Library
    from gan_studio.core.nets.stylegen import z_from_seed
    from gan_studio.core.sessions.generator import GeneratorSession, mix_ws
    from gan_studio.core.sessions.open import open_session
    from gan_studio.core.sessions.requests import MixRequest, RenderRequest, Source

    path = tmp_path / "model_42.pt"
    obj = training_file(latent=LATENT, res=32)
    torch.save(obj, path)
    assert main(["models", "import", str(path), "--name", "Lucid flowers", "--json"]) == 0
    card = json.loads(capsys.readouterr().out)
    assert card["id"] == "lucid-flowers" and card["family"] == "lucidrains" and card["tasks"] == ["explore", "mix"]
    assert card["training"]["source_sha256"] == sha256_file(path)
    assert card["training"]["import_format"] == "lucidrains"
    assert card["training"]["verified"]["forward"] == "ok"
    assert card["training"]["verified"]["output_shape"] == [1, 3, 32, 32]
    assert card["architecture"]["resolution"] == 32 and card["architecture"]["style_depth"] == 3
    lib = Library()
    second = import_checkpoint(path, name="Lucid flowers", library=lib)  # the library path: its own id
    assert second.id == "lucid-flowers-2"

    sess = open_session("lucid-flowers", library=lib)
    assert isinstance(sess, GeneratorSession) and sess.num_ws == 4 and sess.resolution == 32
    # The loaded model (safetensors round trip) draws exactly what the converted one does.
    G = load_converted(path).modules["generator"]
    with torch.no_grad():
        want = to_uint8(G.synthesize(G.map(z_from_seed(3, LATENT), 0.7), "const"))[0]
    img = sess.render(RenderRequest(model_id="lucid-flowers", seed=3, psi=0.7))
    assert img.shape == (32, 32, 3) and np.abs(img.astype(int) - want.astype(int)).max() <= 1
    assert sess.render(RenderRequest(model_id="lucid-flowers", seed=3, noise_mode="random")).shape == (32, 32, 3)
    # Mixing: per-layer ws; all layers from the column source draws the column's image.
    a, b = Source(seed=1), Source(seed=2)
    cells = sess.mix_cells(MixRequest(model_id="lucid-flowers", rows=(a,), cols=(b,), layers=(0, 1)))
    assert cells.shape == (1, 1, 32, 32, 3)
    full = sess.mix_cells(MixRequest(model_id="lucid-flowers", rows=(a,), cols=(b,), layers=(0, 1, 2, 3)))
    assert np.array_equal(full[0, 0], sess.render(RenderRequest(model_id="lucid-flowers", seed=2)))
    assert not np.array_equal(cells[0, 0], full[0, 0])
    ws = mix_ws(sess.w_of(a), sess.w_of(b), (0, 1))
    assert not torch.equal(ws[:, 0], ws[:, 3])
    # An explicit w (a projected image) works like a seed's.
    w = tuple(float(v) for v in sess.w_of(b)[0, 0])
    assert np.array_equal(sess.render(RenderRequest(model_id="lucid-flowers", source=Source(w=w))),
                          sess.render(RenderRequest(model_id="lucid-flowers", seed=2)))
    # And from the command line, through the same session.
    assert main(["generate", "--model", "lucid-flowers", "--seeds", "1-2", "-o", str(tmp_path / "out")]) == 0
    assert main(["mix", "--model", "lucid-flowers", "--rows", "1", "--cols", "2", "--layers", "coarse",
                 "-o", str(tmp_path / "mix.png")]) == 0
    assert (tmp_path / "mix.png").is_file()


# -- hostile and broken variants ---------------------------------------------------------------------------
class Payload:
    def __init__(self, fn, *args):
        self.fn, self.args = fn, args

    def __reduce__(self):
        return (self.fn, self.args)


@pytest.mark.parametrize("legacy", [False, True])
def test_payload_in_a_lucidrains_file_never_runs(tmp_path, legacy):
    import os

    marker = tmp_path / "marker"
    obj = training_file(latent=LATENT, res=16)
    obj["version"] = Payload(os.system, f"touch {marker}")
    path = tmp_path / "model_1.pt"
    torch.save(obj, path, _use_new_zipfile_serialization=not legacy)
    with pytest.raises(UnsafeCheckpointError, match="refused"):
        load_converted(path)
    assert main(["models", "import", str(path)]) == 2
    time.sleep(0.05)
    assert not marker.exists(), "the payload ran"


def test_truncated_lucidrains_file(tmp_path):
    path = tmp_path / "model_1.pt"
    torch.save(training_file(latent=LATENT, res=16), path)
    data = path.read_bytes()
    for n in (len(data) // 2, len(data) - 300):
        path.write_bytes(data[:n])
        with pytest.raises(CheckpointError, match="truncated|damaged|cannot read"):
            load_converted(path)


def _mutated(**changes) -> dict:
    sd = gan_state_dict(latent=LATENT, res=16)
    for k, v in changes.items():
        if v is None:
            sd.pop(k)
        else:
            sd[k] = v
    return {"GAN": sd, "version": "1.9.0"}


@pytest.mark.parametrize("obj,words", [
    (_mutated(**{"GE.blocks.1.conv1.weight": torch.zeros(8, 5, 3, 3)}), "do not form|capacity rule"),
    (_mutated(**{"GE.blocks.0.to_noise2.bias": None}), "do not form"),
    (_mutated(**{"GE.attns.1.0.fn.fn.g": torch.zeros(1)}), "attention"),
    (_mutated(**{"GE.initial_conv.weight": None, "GE.initial_conv.bias": None}), "early"),
    (_mutated(**{"GE.blocks.0.to_rgb.to_style.weight": torch.zeros(32, 3)}), "wrong shapes.*to_style"),
    ({"GAN": {"GE.initial_block": torch.zeros(1), "S.net.0.weight": torch.zeros(1)}}, "incomplete"),
])
def test_broken_lucidrains_files_are_refused_with_reason(tmp_path, obj, words):
    torch.save(obj, tmp_path / "model_3.pt")
    with pytest.raises(CheckpointError, match=words):
        load_converted(tmp_path / "model_3.pt")


def test_refused_import_writes_nothing(tmp_path):
    from gan_studio.core.library.registry import Library, user_models_dir

    torch.save(_mutated(**{"GE.blocks.0.to_noise2.bias": None}), tmp_path / "model_3.pt")
    with pytest.raises(CheckpointError):
        import_checkpoint(tmp_path / "model_3.pt", library=Library())
    assert not user_models_dir().exists() or not any(user_models_dir().iterdir())
