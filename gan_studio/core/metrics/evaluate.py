"""Model and folder evaluation against a reference folder: SWD, our Fréchet distance (FD-emoji) and sharpness
(high-frequency energy relative to the real images: the judge a blur cannot fool)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..data.images import load_folder
from ..library.registry import Library
from ..nets.featurenet import FeatureNet, embed
from .frechet import frechet_distance
from .sharpness import sharpness
from .swd import sliced_wasserstein

FEATURE_MODEL = "featurenet-emoji-64"


def _feature_net(library: Library) -> FeatureNet:
    return library.load(FEATURE_MODEL)


def compare(reference: np.ndarray, candidate: np.ndarray, library: Library | None = None,
            seed: int = 0) -> dict[str, Any]:
    """SWD (same count from each set) and FD-emoji (reference stats from all of it)."""
    lib = library or Library()
    rng = np.random.RandomState(seed)
    n = min(len(reference), len(candidate))
    ref_sub = reference[rng.choice(len(reference), n, replace=False)]
    cand_sub = candidate[rng.choice(len(candidate), n, replace=False)]
    c = min(reference.shape[3], candidate.shape[3])
    out: dict[str, Any] = sliced_wasserstein(ref_sub[..., :c], cand_sub[..., :c], seed=seed)
    net = _feature_net(lib)
    out["fd_emoji"] = round(frechet_distance(embed(net, reference), embed(net, candidate)), 3)
    out.update(sharpness(reference, candidate))
    out["n_reference"], out["n_candidate"] = len(reference), len(candidate)
    return out


def generate_images(model_id: str, num: int, psi: float = 1.0, library: Library | None = None,
                    domain: str | None = None) -> np.ndarray:
    """Seeds 0… as the model's own session draws them: a class-conditional model's classes in turn, a pair
    model's (CoGAN) images of one ``domain``."""
    from ..families.registry import open_session
    from ..sessions.generator import RenderRequest

    sess = open_session(model_id, library)
    classes = tuple(getattr(sess, "classes", ()) or ())
    domains = tuple(getattr(sess, "domains", ()) or ())
    if domains and domain not in domains:
        raise ValueError(f"{model_id} draws pairs: name the domain to judge ({', '.join(domains)})")
    if domain is not None and not domains:
        raise ValueError(f"{model_id} draws one image per seed; it has no domain {domain!r}")
    out = []
    for start in range(0, num, 64):
        reqs = [RenderRequest(model_id, seed=s, psi=psi, class_name=classes[s % len(classes)] if classes else None)
                for s in range(start, min(num, start + 64))]
        imgs = sess.render_many(reqs)
        out.extend(sess.split(i)[domain] for i in imgs) if domains else out.extend(imgs)
    return np.stack(out)


def evaluate_model(model_id: str, real: Path, num: int = 1000, psi: float = 1.0,
                   library: Library | None = None, domain: str | None = None) -> dict[str, Any]:
    lib = library or Library()
    card = lib.card(model_id)
    ref, _ = load_folder(real, card.resolution, card.channels)
    fake = generate_images(model_id, num, psi, lib, domain)
    return {"model": model_id, "psi": psi, **({"domain": domain} if domain else {}), **compare(ref, fake, lib)}


def evaluate_folder_pair(reference: Path, other: Path, resolution: int = 64, channels: int = 4,
                         library: Library | None = None) -> dict[str, Any]:
    """The real-vs-real floor: e.g. the training split against the held-out split."""
    ref, _ = load_folder(reference, resolution, channels)
    oth, _ = load_folder(other, resolution, channels)
    return {"reference": str(reference), "other": str(other), **compare(ref, oth, library)}


def store_in_card(model_id: str, result: dict[str, Any], command: str, library: Library | None = None) -> None:
    """Replace the card's SWD/FD entries with these figures, each beside its real-vs-real floor."""
    lib = library or Library()
    card = lib.card(model_id)
    floor = result.get("floor", {})
    how = (f"{result['n_candidate']} generated (seeds 0…, psi {result['psi']}) vs {result['n_reference']} "
           f"training images; floor = held-out split vs training split; command: {command}")
    judged = ("swd", "fd_emoji", "sharpness")
    suffix = f"_{result['domain']}" if result.get("domain") else ""  # a pair model: one set per domain

    def mine(name: str) -> bool:
        domains = card.architecture.get("domains") or []
        own = name.endswith(suffix) if suffix else not any(name.endswith(f"_{d}") for d in domains)
        return name.startswith(judged) and own

    keep = [m for m in card.metrics if not mine(str(m.get("name", "")))]
    for key, value in result.items():
        if key.startswith(judged):
            keep.append({"name": key + suffix, "value": value, "real_vs_real_floor": floor.get(key), "how": how})
    card.metrics = keep
    card.write(card.folder)
