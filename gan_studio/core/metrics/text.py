"""Text–image agreement and diversity of a text model, judged by nets we train on real images.

- Retrieval judge: our classifier's features → a linear map into the sentence encoder's space, trained
  contrastively (InfoNCE) on real (image, caption) pairs. R-precision: for a held-out caption's generated
  image, is its own caption ranked first among it and 99 other held-out captions?
- Category judge: the same classifier trained on the starter categories; top-1 agreement of a generated
  image's category with its caption's category (chance ≈ the largest category's share).
- Diversity: mean pairwise feature distance across seeds of one prompt, beside real images' spread: across
  unrelated held-out images (an upper bound) and across the real images that share one training caption ("a
  tree": the palm, the evergreen, …; "an old man": his skin tones), the variety one prompt has in the data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from ..data.images import load_folder
from ..data.labels import caption_variants, manifest_rows
from ..nets.featurenet import accuracy, prep_images, train_feature_net
from .swd import sliced_wasserstein


def _manifest_rows(root: Path, split: str) -> list[dict]:
    return [r for r in manifest_rows(root) if r.get("domain") == "colour" and r.get("split") == split]


def shared_caption_groups(rows: list[dict], n: int = 25, size: tuple[int, int] = (2, 8), per_group: int = 4,
                          seed: int = 0) -> list[list[int]]:
    """Up to ``n`` groups of row indices whose images share one training caption (2–8 images each, so neither
    "a person" nor a one-off), at most ``per_group`` rows from each, drawn reproducibly."""
    by_caption: dict[str, list[int]] = {}
    for i, r in enumerate(rows):
        for cap in caption_variants(r["name"], r.get("category")):
            by_caption.setdefault(cap, []).append(i)
    groups = {tuple(v) for v in by_caption.values() if size[0] <= len(v) <= size[1]}  # phrasings of one group
    ordered = sorted(groups)
    rng = np.random.RandomState(seed)
    pick = rng.choice(len(ordered), size=min(n, len(ordered)), replace=False) if ordered else []
    return [sorted(rng.permutation(list(ordered[g]))[:per_group].tolist()) for g in pick]


def train_retrieval_judge(images: np.ndarray, caption_emb: torch.Tensor, labels: np.ndarray, num_classes: int,
                          epochs: int = 12, seed: int = 0) -> tuple[Any, torch.nn.Linear]:
    """Category classifier, then a linear image→text map trained with InfoNCE on its frozen features."""
    net = train_feature_net(images, labels, num_classes=num_classes, epochs=epochs, seed=seed)
    torch.manual_seed(seed)
    with torch.inference_mode():
        feats = torch.cat([net.features(prep_images(images[i:i + 256], net.cfg.channels))
                           for i in range(0, len(images), 256)])
    feats = feats.clone()
    proj = torch.nn.Linear(feats.shape[1], caption_emb.shape[1])
    opt = torch.optim.Adam(proj.parameters(), lr=3e-3)
    gen = torch.Generator().manual_seed(seed)
    target = F.normalize(caption_emb.float(), dim=1)
    for _ in range(300):
        idx = torch.randperm(len(feats), generator=gen)[:256]
        z = F.normalize(proj(feats[idx]), dim=1)
        logits = z @ target[idx].t() / 0.05
        loss = F.cross_entropy(logits, torch.arange(len(idx)))
        opt.zero_grad()
        loss.backward()
        opt.step()
    return net, proj.eval()


@torch.inference_mode()
def r_precision(net: Any, proj: torch.nn.Linear, images: np.ndarray, caption_emb: torch.Tensor,
                others: int = 99, seed: int = 0) -> float:
    """Share of images whose own caption (row i) beats ``others`` random captions of the pool."""
    z = F.normalize(proj(net.features(prep_images(images, net.cfg.channels))), dim=1)
    t = F.normalize(caption_emb.float(), dim=1)
    rng = np.random.RandomState(seed)
    hits = 0
    for i in range(len(images)):
        pool = rng.choice([j for j in range(len(t)) if j != i], size=min(others, len(t) - 1), replace=False)
        sims = z[i] @ t[np.concatenate([[i], pool])].t()
        hits += int(sims.argmax().item() == 0)
    return hits / max(len(images), 1)


@torch.inference_mode()
def spread(net: Any, images: np.ndarray) -> float:
    f = net.features(prep_images(images, net.cfg.channels))
    d = torch.cdist(f, f)
    n = len(f)
    return float(d.sum() / max(n * (n - 1), 1))


def evaluate_text(model_id: str, real: Path, prompts_per_eval: int = 200, seeds_per_prompt: int = 4,
                  session: Any = None, psi: float = 1.0, rank: int = 1) -> dict[str, float]:
    """`gan-studio metrics --task text`: judges trained on ``real``'s train split, tested on its held-out;
    the generated images are rendered at truncation ``psi``. With ``rank`` > 1 the best of that many seeds
    (by the model's own prompt matcher, a different net from these judges) is judged as well."""
    from ..sessions.cond_requests import TextRequest
    from ..sessions.text import TextSession

    real = Path(real)
    session = session or TextSession.open(model_id, device="cpu")
    res = 64
    train_rows, held_rows = _manifest_rows(real, "train"), _manifest_rows(real, "heldout")
    cats = sorted({r["category"] for r in train_rows})
    enc = session.encoder
    x_tr, _ = load_folder(real, res, 4, files=[real / r["file"] for r in train_rows])
    y_tr = np.array([cats.index(r["category"]) for r in train_rows])
    e_tr = enc.encode([r["caption"] for r in train_rows])
    net, proj = train_retrieval_judge(x_tr, e_tr, y_tr, len(cats))
    held = [r for r in held_rows if r["category"] in cats][:prompts_per_eval]
    x_he, _ = load_folder(real, res, 4, files=[real / r["file"] for r in held])
    y_he = np.array([cats.index(r["category"]) for r in held])
    e_he = enc.encode([r["caption"] for r in held])
    gen = []
    for r in held:
        img = session.render(TextRequest(model_id, r["caption"], seeds=(0,), psi=psi))[0]
        gen.append(np.asarray(_resize(img, res)))
    gen_arr = np.stack(gen)
    shares = np.bincount(y_tr, minlength=len(cats)) / len(y_tr)
    out: dict[str, float] = {
        "psi": psi,
        "text_heldout_captions": len(held),
        "r_precision_generated": round(r_precision(net, proj, gen_arr, e_he), 4),
        "r_precision_real_heldout": round(r_precision(net, proj, x_he, e_he), 4),
        "r_precision_chance": round(1 / 100, 4),
        "category_accuracy_generated": round(accuracy(net, gen_arr, y_he), 4),
        "category_accuracy_real_heldout": round(accuracy(net, x_he, y_he), 4),
        "category_chance": round(float(shares.max()), 4),
    }
    div = []
    for r in held[:25]:
        imgs = np.stack([_resize(im, res) for im in
                         session.render(TextRequest(model_id, r["caption"], seeds=tuple(range(seeds_per_prompt)),
                                                    variation=1.0, psi=psi))])
        div.append(spread(net, imgs))
    if rank > 1:
        best = np.stack([_resize(session.render_ranked(TextRequest(model_id, r["caption"], seeds=(0,), psi=psi),
                                                       rank)[1][0], res) for r in held])
        out[f"r_precision_best_of_{rank}"] = round(r_precision(net, proj, best, e_he), 4)
        out[f"category_accuracy_best_of_{rank}"] = round(accuracy(net, best, y_he), 4)
    out["diversity_across_seeds"] = round(float(np.mean(div)), 3)
    out["diversity_real_heldout"] = round(spread(net, x_he[:100]), 3)
    groups = shared_caption_groups(train_rows, per_group=seeds_per_prompt)
    if groups:
        out["diversity_real_same_caption"] = round(float(np.mean([spread(net, x_tr[g]) for g in groups])), 3)
    # Detail, not meaning: ProGAN's multi-scale SWD (×1e3) of the images against the held-out artwork, with
    # as many real training images against the same for scale (lower is closer; Stage II shows at swd_64).
    out.update({f"{k}_generated": v for k, v in sliced_wasserstein(x_he, gen_arr).items()})
    pick = np.random.RandomState(0).choice(len(x_tr), size=min(len(x_he), len(x_tr)), replace=False)
    out.update({f"{k}_real_train": v for k, v in sliced_wasserstein(x_he, x_tr[np.sort(pick)]).items()})
    return out


def _resize(img: np.ndarray, size: int) -> np.ndarray:
    if img.shape[0] == size:
        return img
    from PIL import Image

    return np.asarray(Image.fromarray(img).resize((size, size), Image.Resampling.LANCZOS))
