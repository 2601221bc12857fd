"""Quality figures of the image-to-image families, computed on held-out data and stored in their cards.

- sketch → image (pix2pix): L1 to the real artwork from its extracted sketch (plain and hand-drawn
  style), and FD-emoji of the outputs against the real held-out images.
- domain translation (CycleGAN): share of translated held-out images that a domain classifier (ours,
  trained on real images of both domains) assigns to the target domain; cycle-reconstruction L1; and
  FD-emoji of the translations against real target-domain images, beside the untranslated inputs' FD
  (the judge mostly tells colour from monochrome, so the FD says more about content). Where testA/ and
  testB/ hold files of the same names (the same things in both domains), a colour judge
  (``colour_fidelity``) compares A→B's colours with the real B's: mean-colour and 4×4-pooled CIELAB ΔE and
  the right-dominant-hue share, beside two floors: the untranslated input, and a painter that fills the
  input's drawing with the average B colour of trainB.
- ×4 super-resolution: PSNR over bicubic, on held-out images composited on white.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..data.images import load_folder
from ..data.sketch import augment_sketches, extract_sketch
from ..library.registry import Library
from ..nets.featurenet import FeatureNet, accuracy, embed, train_feature_net
from ..sessions.translator import TranslatorSession
from .frechet import frechet_distance


def _l1(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute difference on a 0…1 scale (all channels, alpha included)."""
    return float(np.abs(a.astype(np.float32) - b.astype(np.float32)).mean() / 255.0)


def evaluate_sketch(model_id: str, heldout: Path, library: Library | None = None, seed: int = 0
                    ) -> dict[str, Any]:
    lib = library or Library()
    sess = TranslatorSession.open(model_id, library=lib)
    real, _ = load_folder(heldout, sess.resolution, 4)
    plain = [extract_sketch(img) for img in real]
    ink = torch.from_numpy(1.0 - np.stack(plain) / 255.0).float()[:, None]
    drawn = ((augment_sketches(ink, torch.Generator().manual_seed(seed)) + 1) * 127.5).round().byte().numpy()
    out_plain = np.stack([sess.sketch(s) for s in plain])
    out_drawn = np.stack([sess.sketch(s[0]) for s in drawn])
    net: FeatureNet = lib.load("featurenet-emoji-64")
    ref = embed(net, _down(real, 64))
    return {"model": model_id, "n_heldout": len(real),
            "l1_heldout_sketch": round(_l1(out_plain, real), 4),
            "l1_heldout_handdrawn_style": round(_l1(out_drawn, real), 4),
            "fd_emoji_heldout": round(frechet_distance(ref, embed(net, _down(out_plain, 64))), 3),
            "fd_emoji_handdrawn_style": round(frechet_distance(ref, embed(net, _down(out_drawn, 64))), 3)}


def _down(images: np.ndarray, size: int) -> np.ndarray:
    if images.shape[1] == size:
        return images
    t = torch.from_numpy(images).permute(0, 3, 1, 2).float()
    t = torch.nn.functional.interpolate(t, size=(size, size), mode="area")
    return t.round().clamp(0, 255).byte().permute(0, 2, 3, 1).numpy()


def domain_classifier(train_a: Path, train_b: Path, res: int = 64, seed: int = 0) -> FeatureNet:
    a, _ = load_folder(train_a, res, 4)
    b, _ = load_folder(train_b, res, 4)
    x = np.concatenate([a, b])
    y = np.array([0] * len(a) + [1] * len(b))
    return train_feature_net(x, y, 2, epochs=3, seed=seed)


def evaluate_cyclegan(model_id: str, data: Path, library: Library | None = None, seed: int = 0) -> dict[str, Any]:
    """``data`` holds trainA/ trainB/ (for the judge) and testA/ testB/ (held out)."""
    lib = library or Library()
    sess = TranslatorSession.open(model_id, library=lib)
    judge = domain_classifier(data / "trainA", data / "trainB", seed=seed)
    res = sess.resolution
    test_a, scan_a = load_folder(data / "testA", res, 4)
    test_b, scan_b = load_folder(data / "testB", res, 4)
    a2b = np.stack([sess.run(x, "AtoB") for x in test_a])
    b2a = np.stack([sess.run(x, "BtoA") for x in test_b])
    a2b2a = np.stack([sess.run(x, "BtoA") for x in a2b])
    b2a2b = np.stack([sess.run(x, "AtoB") for x in b2a])
    name_a, name_b = sess.card.architecture.get("domains", ["A", "B"])
    real_acc = (accuracy(judge, _down(test_a, 64), np.zeros(len(test_a), int)) * len(test_a)
                + accuracy(judge, _down(test_b, 64), np.ones(len(test_b), int)) * len(test_b)
                ) / (len(test_a) + len(test_b))
    feats: FeatureNet = lib.load("featurenet-emoji-64")
    fd = round(frechet_distance(embed(feats, _down(test_b, 64)), embed(feats, _down(a2b, 64))), 3)
    fd_input = round(frechet_distance(embed(feats, _down(test_b, 64)), embed(feats, _down(test_a, 64))), 3)
    return {"model": model_id, "n_heldout_a": len(test_a), "n_heldout_b": len(test_b),
            f"fd_emoji_to_{name_b}": fd, f"fd_emoji_{name_a}_inputs_vs_{name_b}": fd_input,
            "judge_accuracy_real_heldout": round(real_acc, 4),
            f"to_{name_b}_share": round(accuracy(judge, _down(a2b, 64), np.ones(len(a2b), int)), 4),
            f"to_{name_a}_share": round(accuracy(judge, _down(b2a, 64), np.zeros(len(b2a), int)), 4),
            f"cycle_l1_{name_a}": round(_l1(a2b2a, test_a), 4),
            f"cycle_l1_{name_b}": round(_l1(b2a2b, test_b), 4),
            "identity_baseline_share": round(accuracy(judge, _down(test_a, 64), np.ones(len(test_a), int)), 4),
            **colour_figures(a2b, test_a, test_b, [p.name for p in scan_a.usable], [p.name for p in scan_b.usable],
                             data / "trainB", name_b)}


def colour_figures(a2b: np.ndarray, test_a: np.ndarray, test_b: np.ndarray, names_a: list[str],
                   names_b: list[str], train_b: Path, name_b: str) -> dict[str, float]:
    """The colour judge on the held-out pairs (same file names in testA/ and testB/), with its floors; empty
    where the domains share no names (unpaired data)."""
    from .colour_fidelity import colour_fidelity, flat_painter, mean_rgb

    where_b = {Path(n).stem: i for i, n in enumerate(names_b)}
    ia = [i for i, n in enumerate(names_a) if Path(n).stem in where_b]
    if not ia:
        return {}
    ib = [where_b[Path(names_a[i]).stem] for i in ia]
    ours, inputs, real = a2b[ia], test_a[ia], test_b[ib]
    tb, _ = load_folder(train_b, 64, 4)
    average = mean_rgb(tb.reshape(1, -1, tb.shape[2], 4))[0]
    out: dict[str, float] = {f"colour_pairs_to_{name_b}": len(ia)}
    for tag, images in (("", ours), ("_inputs", inputs), ("_average_painter", flat_painter(inputs, average)),
                        ("_own_mean_painter", flat_painter(inputs, mean_rgb(real)))):
        for k, v in colour_fidelity(images, real).items():
            out[f"{k}{tag}"] = v
    return out


def _on_white(img: np.ndarray) -> np.ndarray:
    a = img[..., 3:4].astype(np.float32) / 255.0
    return img[..., :3].astype(np.float32) * a + 255.0 * (1 - a)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(((_on_white(a) - _on_white(b)) ** 2).mean())
    return 10 * np.log10(255.0**2 / max(mse, 1e-10))


def evaluate_sr(model_id: str, heldout: Path, library: Library | None = None) -> dict[str, Any]:
    from PIL import Image

    lib = library or Library()
    sess = TranslatorSession.open(model_id, library=lib)
    s = sess.scale
    hr, _ = load_folder(heldout, sess.resolution, 4)
    ours, bicubic = [], []
    for img in hr:
        lr = _down(img[None], sess.resolution // s)[0]
        up = np.asarray(Image.fromarray(lr, "RGBA").resize((sess.resolution,) * 2, Image.Resampling.BICUBIC))
        ours.append(psnr(sess.upscale(lr), img))
        bicubic.append(psnr(up, img))
    return {"model": model_id, "n_heldout": len(hr), "psnr_db": round(float(np.mean(ours)), 3),
            "psnr_bicubic_db": round(float(np.mean(bicubic)), 3),
            "psnr_gain_db": round(float(np.mean(ours) - np.mean(bicubic)), 3)}


def store_metrics(model_id: str, result: dict[str, Any], how: str, library: Library | None = None) -> None:
    """Write each numeric figure of ``result`` into the card's metrics (replacing same-named entries)."""
    lib = library or Library()
    card = lib.card(model_id)
    figures = {k: v for k, v in result.items() if isinstance(v, int | float) and k != "model"}
    keep = [m for m in card.metrics if m.get("name") not in figures]
    card.metrics = keep + [{"name": k, "value": v, "how": how} for k, v in figures.items()]
    card.write(card.folder)
