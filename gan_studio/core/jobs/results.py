"""Turn a job's checkpoint into a user model: weights + card with base model, data folder size and hash,
minutes, kimg, and SWD / our Fréchet distance on the user's own images, before and after."""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path
from typing import Any

from ..library.cards import LibraryError, ModelCard
from ..library.registry import Library, user_models_dir
from .spec import slug
from .store import Job, JobError

log = logging.getLogger("gan_studio.jobs")


def _export_from(job: Job, checkpoint: Path | None, folder: Path, model_id: str, name: str,
                 fields: dict[str, Any]) -> ModelCard:
    """Export through the family's exporter; a chosen older checkpoint is exported from a scratch run folder."""
    from .. import families

    export = families.trainer(job.spec.family).export_fn()
    latest = job.checkpoints()[-1] if job.checkpoints() else None
    if latest is None:
        raise JobError(f"{job.name} has no checkpoint yet")
    if checkpoint is None or Path(checkpoint) == latest:
        return export(job.folder, folder, model_id, name, **fields)
    with tempfile.TemporaryDirectory(prefix="gan-studio-export-") as tmp:
        run = Path(tmp)
        (run / "checkpoints").mkdir()
        shutil.copyfile(job.folder / "config.json", run / "config.json")
        shutil.copyfile(checkpoint, run / "checkpoints" / Path(checkpoint).name)
        return export(run, folder, model_id, name, **fields)


def measure(model_id: str | None, reference: Any, library: Library, num: int) -> dict[str, Any] | None:
    """SWD and FD-emoji of ``num`` samples of a generator against the user's images (None: no generator)."""
    from ..metrics.evaluate import FEATURE_MODEL, compare, generate_images
    from ..metrics.swd import sliced_wasserstein

    if model_id is None:
        return None
    fake = generate_images(model_id, num, library=library)
    c = min(reference.shape[3], fake.shape[3])
    if FEATURE_MODEL not in library.ids():
        n = min(len(reference), len(fake))
        return {**sliced_wasserstein(reference[:n, ..., :c], fake[:n, ..., :c]), "fd_emoji": None}
    return compare(reference, fake, library)


def _free_id(model_id: str, job: Job) -> str:
    """``model_id`` if free or this job's own earlier registration (which it replaces), else the first free
    ``model_id-2``, ``-3``, …: a model the user made some other way is never replaced."""
    import json

    base, n = model_id, 1
    while True:
        card = user_models_dir() / model_id / "card.json"
        if not (user_models_dir() / model_id).exists():
            return model_id
        try:
            owner = json.loads(card.read_text(encoding="utf-8")).get("training", {}).get("job")
        except (OSError, ValueError, AttributeError):
            owner = None
        if owner == job.name:
            return model_id
        n += 1
        model_id = f"{base}-{n}"


def _swap_in(staging: Path, folder: Path) -> None:
    old = folder.parent / f".{folder.name}.old"
    shutil.rmtree(old, ignore_errors=True)
    if folder.exists():
        folder.rename(old)
    staging.rename(folder)
    shutil.rmtree(old, ignore_errors=True)


def register_result(job: Job, checkpoint: Path | None = None, model_id: str | None = None,
                    name: str | None = None, num: int = 500, library: Library | None = None) -> ModelCard:
    """Register the job's latest (or a chosen) checkpoint as a user model with a measured card."""
    from .. import families
    from ..data.images import load_folder

    spec = job.spec
    fam = families.get(spec.family)
    model_id = model_id or slug(f"{job.name}-{'final' if checkpoint is None else Path(checkpoint).stem}")
    model_id = _free_id(model_id, job)
    folder = user_models_dir() / model_id
    check = job.record.get("data_check", {})
    last = job.last_progress() or {}
    training = {"base_model": spec.base, "data_folder": spec.data, "data_files": check.get("usable"),
                "data_bytes": check.get("bytes"), "data_sha256": check.get("sha256"),
                "data_skipped": check.get("skipped_count"), "fit": spec.fit, "alpha": spec.alpha,
                "job": job.name, "freeze_d": spec.freeze_d, "images_per_s": last.get("images_per_s"),
                "command": " ".join(job.train_argv()[1:])}
    fields: dict[str, Any] = {"training": training,
                              "description": f"Fine-tuned on {check.get('usable', '?')} images from {spec.data}",
                              "license": "weights: yours, trained on your images (check their terms)"}
    staging = folder.parent / f".{model_id}.registering"
    shutil.rmtree(staging, ignore_errors=True)
    try:
        card = _export_from(job, checkpoint, staging, model_id, name or f"{job.name} ({spec.family})", fields)
    except BaseException:  # a full disk mid-export: nothing half-written stays in the library folder
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _swap_in(staging, folder)  # the old model of this job stays whole until the new one is complete
    card.folder = folder
    lib = library or Library()
    if "explore" in fam.tasks:
        ref, _ = load_folder(Path(job.record.get("train_data", spec.data)), card.resolution, card.channels)
        how = (f"{min(num, len(ref))}+ samples (seeds 0…, psi 1) vs the {len(ref)} images of your folder, "
               "as prepared for training")
        try:
            before = measure(spec.base, ref, lib, num) if spec.base else None
        except (LibraryError, ValueError, RuntimeError) as exc:
            log.warning("cannot measure the base model %s: %s", spec.base, exc)
            before = None
        after = measure(card.id, ref, lib, num)
        card.metrics = [{"name": key, "value": after[key], "before": None if before is None else before.get(key),
                         "before_model": spec.base, "how": how}
                        for key in after if key.startswith(("swd", "fd_emoji", "sharpness"))]
        card.write(folder)
    job.record["model_id"] = card.id
    job.save()
    return card
