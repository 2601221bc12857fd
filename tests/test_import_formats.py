"""Community checkpoints (synthetic, built to checkpoint-formats.md) import onto our nets and draw the same
images as reference forwards written from the spec; the CLI writes a user model that the panels' sessions open."""

from __future__ import annotations

import json

import pytest
import torch

from gan_studio.cli import main
from gan_studio.core.importers import CheckpointError, load_converted
from tests.import_fixtures import (
    nvidia_pickle,
    nvidia_state_dict,
    nvidia_to_rosinality,
    reference_resnet,
    reference_stylegan2,
    reference_unet,
    resnet_state_dict,
    rosinality_training_file,
    unet_state_dict,
)

TOL = 1e-4


def _render(conv, z, psi):
    G = conv.modules["generator"]
    with torch.no_grad():
        return G.synthesize(G.map(z, psi), "const")


@pytest.fixture(scope="module")
def sd():
    return nvidia_state_dict(res=32)


@pytest.fixture
def z():
    return torch.randn(3, 16, generator=torch.Generator().manual_seed(1))


def test_nvidia_pickle_matches_reference(tmp_path, sd, z):
    path = tmp_path / "network-snapshot-000200.pkl"
    path.write_bytes(nvidia_pickle(sd, conv_clamp=256))
    conv = load_converted(path)
    assert conv.format == "nvidia-stylegan2" and conv.family == "stylegen"
    assert conv.architecture["resolution"] == 32 and conv.architecture["conv_clamp"] == 256
    assert conv.architecture["mapping_layers"] == 2 and conv.channels == 3
    for psi in (1.0, 0.6):
        diff = (_render(conv, z, psi) - reference_stylegan2(sd, z, psi, conv_clamp=256)).abs().max().item()
        assert diff <= TOL, diff


def test_nvidia_and_rosinality_layouts_give_identical_images(tmp_path, sd, z):
    (tmp_path / "a.pkl").write_bytes(nvidia_pickle(sd, conv_clamp=None))
    torch.save({"g_ema": nvidia_to_rosinality(sd), "latent_avg": sd["mapping.w_avg"]}, tmp_path / "b.pt")
    torch.save(rosinality_training_file(sd), tmp_path / "c.pt")
    nv, rosi, full = (load_converted(tmp_path / n) for n in ("a.pkl", "b.pt", "c.pt"))
    assert rosi.format == full.format == "rosinality"
    assert full.facts["kind"] == "training file" and full.facts["args"]["n_mlp"] == 2
    assert torch.equal(_render(nv, z, 0.7), _render(rosi, z, 0.7))
    assert torch.equal(_render(nv, z, 1.0), _render(full, z, 1.0))  # a training file has no latent_avg
    ref = reference_stylegan2(sd, z, 1.0)
    assert (_render(full, z, 1.0) - ref).abs().max().item() <= TOL


def test_nvidia_layout_state_dict(tmp_path, sd, z):
    torch.save(sd, tmp_path / "weights.pt")
    conv = load_converted(tmp_path / "weights.pt")
    assert conv.format == "nvidia-state-dict"
    assert (_render(conv, z, 0.5) - reference_stylegan2(sd, z, 0.5)).abs().max().item() <= TOL


@pytest.mark.parametrize("norm,legacy,blocks", [("instance", True, 2), ("instance", False, 3), ("batch", False, 2)])
def test_junyanz_resnet_matches_reference(tmp_path, norm, legacy, blocks):
    sd = resnet_state_dict(n_blocks=blocks, norm=norm, legacy=legacy)
    torch.save(sd, tmp_path / "latest_net_G.pth")
    conv = load_converted(tmp_path / "latest_net_G.pth")
    arch = conv.architecture
    assert conv.family == "cyclegan" and arch["n_blocks"] == blocks and arch["norm"] == norm and arch["ngf"] == 4
    assert bool(conv.facts.get("dropped_keys")) == legacy
    x = torch.rand(2, 3, 32, 32, generator=torch.Generator().manual_seed(2)) * 2 - 1
    with torch.no_grad():
        diff = (conv.modules["generator_ab"](x) - reference_resnet(sd, x, blocks, norm)).abs().max().item()
    assert diff <= TOL, diff


@pytest.mark.parametrize("norm", ["batch", "instance"])
def test_junyanz_unet_matches_reference(tmp_path, norm):
    sd = unet_state_dict(num_downs=6, norm=norm)
    torch.save(sd, tmp_path / "latest_net_G.pth")
    conv = load_converted(tmp_path / "latest_net_G.pth")
    assert conv.family == "pix2pix" and conv.architecture["num_downs"] == 6 and conv.resolution == 64
    x = torch.rand(2, 3, 64, 64, generator=torch.Generator().manual_seed(3)) * 2 - 1
    with torch.no_grad():
        diff = (conv.modules["generator"](x) - reference_unet(sd, x, 6, norm)).abs().max().item()
    assert diff <= TOL, diff


def test_legacy_torch_stream_2018_file(tmp_path):
    """Pre-1.6 torch.save files (many 2018 CycleGAN downloads) with legacy InstanceNorm keys."""
    from gan_studio.core.importers.safeload import read_checkpoint

    sd = resnet_state_dict(legacy=True)
    path = tmp_path / "latest_net_G_A.pth"
    torch.save(sd, path, _use_new_zipfile_serialization=False)
    assert read_checkpoint(path).container == "torch-legacy"
    conv = load_converted(path)
    x = torch.rand(1, 3, 16, 16) * 2 - 1
    with torch.no_grad():
        assert (conv.modules["generator_ab"](x) - reference_resnet(sd, x, 2, "instance")).abs().max() <= TOL


def test_format_comes_from_content_not_name(tmp_path, sd):
    wrong = tmp_path / "latest_net_G.pth"  # an NVIDIA snapshot under a CycleGAN name
    wrong.write_bytes(nvidia_pickle(sd))
    assert load_converted(wrong).format == "nvidia-stylegan2"


@pytest.mark.parametrize("obj,words", [
    ({"GAN": {"GE.initial_block": torch.zeros(1), "S.net.0.weight": torch.zeros(1)}, "version": "1.9.0"},
     "lucidrains"),
    ({"g": {"module.init.init.1.weight_orig": torch.zeros(1)}, "d": {}}, "FastGAN"),
    ({"synthesis.input.freqs": torch.zeros(4, 2), "mapping.fc0.weight": torch.zeros(4, 4)}, "StyleGAN3"),
    ({"hello": torch.zeros(2)}, "unrecognised"),
])
def test_unsupported_formats_are_refused_with_reason(tmp_path, obj, words):
    torch.save(obj, tmp_path / "model.pt")
    with pytest.raises(CheckpointError, match=words):
        load_converted(tmp_path / "model.pt")


def test_stylegan3_pickle_is_refused(tmp_path):
    import pickle

    from tests.import_fixtures import _module_node, fake_nvidia_modules

    with fake_nvidia_modules() as (fn, easydict):
        tree = {"mapping": {"fc0": {"weight": torch.zeros(4, 4)}},
                "synthesis": {"input": {"freqs": torch.zeros(4, 2)}}}
        data = pickle.dumps({"G_ema": _module_node(tree, "Generator", fn, easydict)})
    (tmp_path / "sg3.pkl").write_bytes(data)
    with pytest.raises(CheckpointError, match="StyleGAN3.*Fourier"):
        load_converted(tmp_path / "sg3.pkl")


def test_cli_import_round_trip_and_sessions(tmp_path, sd, capsys):
    from gan_studio.core.library.cards import sha256_file
    from gan_studio.core.library.registry import Library
    from gan_studio.core.sessions.open import open_session

    pkl = tmp_path / "network-snapshot.pkl"
    pkl.write_bytes(nvidia_pickle(sd))
    assert main(["models", "import", str(pkl), "--name", "My faces", "--json"]) == 0
    card = json.loads(capsys.readouterr().out)
    assert card["id"] == "my-faces" and card["family"] == "stylegen" and card["tasks"] == ["explore", "mix"]
    assert card["training"]["source_sha256"] == sha256_file(pkl)
    assert card["training"]["import_format"] == "nvidia-stylegan2"
    assert card["training"]["verified"]["forward"] == "ok"
    assert card["architecture"]["resolution"] == 32
    assert main(["models", "import", str(pkl), "--name", "My faces"]) == 0  # a second import gets its own id
    assert "my-faces-2" in capsys.readouterr().out

    pth = tmp_path / "latest_net_G.pth"
    torch.save(resnet_state_dict(legacy=True), pth)
    assert main(["models", "import", str(pth), "--name", "horse2zebra"]) == 0
    lib = Library()
    assert {"my-faces", "my-faces-2", "horse2zebra"} <= set(lib.ids())
    gen = open_session("my-faces", library=lib)
    from gan_studio.core.sessions.requests import RenderRequest

    img = gen.render(RenderRequest(model_id="my-faces", seed=3, psi=0.7))
    assert img.shape[:2] == (32, 32)
    tr = open_session("horse2zebra", library=lib)
    assert tr.directions == {"AtoB": "horse → zebra"}
    out = tr.run((torch.rand(40, 36, 3) * 255).byte().numpy())
    assert out.shape[:2] == (40, 36)

    assert main(["models", "import", str(tmp_path / "missing.pkl")]) == 2
    assert "error" in capsys.readouterr().err


def test_window_imports_dropped_files_off_the_gui_thread(qtbot, tiny_library, tmp_path, sd):
    from PySide6.QtCore import QMimeData, QPointF, QSettings, Qt, QUrl
    from PySide6.QtGui import QDropEvent

    from gan_studio.ui.main_window import MainWindow
    from gan_studio.ui.worker import InferenceWorker

    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    win = MainWindow(worker=InferenceWorker(), settings=settings)
    qtbot.addWidget(win)
    win.load_models()
    assert win.import_action.text() == "&Import model…"
    pkl = tmp_path / "snapshot.pkl"
    pkl.write_bytes(nvidia_pickle(sd))

    def drop(path):
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(path))])
        event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                           Qt.KeyboardModifier.NoModifier)
        win.dropEvent(event)
        job = win._import_jobs[-1]
        assert job.isRunning() or job.isFinished()
        qtbot.waitUntil(lambda: getattr(win, "import_box", None) is not None and win.import_box.isVisible(),
                        timeout=30000)
        box, win.import_box = win.import_box, None
        box.close()
        return box

    box = drop(pkl)
    assert box.windowTitle() == "Model imported" and "snapshot" in box.text()
    assert win.model_picker.findData("snapshot") >= 0  # the lists were refreshed

    evil = tmp_path / "evil.pth"
    evil.write_bytes(b"\x80\x04\x95" + b"\x00" * 8 + b"cos\nsystem\n")
    box = drop(evil)
    assert box.windowTitle() == "Import refused" and "Nothing from the file was run" in box.text()
    win.close()
