"""Age-cGAN training: a conditional StyleGen on age-labelled images (subfolders, ages.csv or file names)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..data.images import load_folder
from ..data.labels import AGE_C_DIM, age_condition, load_age_labels
from ..io.images import grid, save_png, to_uint8
from ..nets.conditional import ConditionConfig
from ..nets.stylegen import z_from_seed
from .conditional_trainer import PREVIEW_AGES, ConditionalTrainer, export_conditional
from .config import TrainConfig
from .loop import AbortFn, ProgressFn, RunResult, train_run

log = logging.getLogger("gan_studio.train")


class AgeTrainer(ConditionalTrainer):
    """Age-cGAN: condition = age (interpolated one-hot over 4 levels) ‖ gender ‖ skin tone."""

    def condition_config(self, cfg: TrainConfig) -> ConditionConfig:
        return ConditionConfig(c_dim=AGE_C_DIM, embed_dim=cfg.arch.get("embed_dim", 256))

    def load_data(self) -> None:
        labelled = load_age_labels(Path(self.cfg.data))
        if not labelled:
            raise ValueError(f"no age-labelled images in {self.cfg.data} (use subfolders baby/child/adult/old, "
                             "ages.csv, or file names starting with an age such as 23_name.png)")
        arr, scan = load_folder(Path(self.cfg.data), self.cfg.resolution, self.cfg.channels,
                                files=[p for p, _ in labelled])
        ok = {str(p) for p, _ in labelled} - {str(p) for p, _ in scan.skipped}
        for path, reason in scan.skipped:
            log.warning("skipped %s: %s", path, reason)
        labels = [lab for p, lab in labelled if str(p) in ok]
        self.data = torch.from_numpy(arr).permute(0, 3, 1, 2).contiguous().to(self.device)
        self.conds = torch.tensor([age_condition(lab) for lab in labels], dtype=torch.float32)[:, None]
        levels = np.array([round(lab.level) for lab in labels])
        counts = np.bincount(levels, minlength=4).astype(np.float64)
        self.weights = torch.from_numpy(1.0 / counts[levels])  # each age level equally often
        log.info("loaded %d age-labelled images (per level %s)", len(labels), counts.astype(int).tolist())

    @torch.no_grad()
    def preview(self) -> Path:
        """Rows: four identities (seed, gender, tone); columns: baby → old."""
        from ..data.labels import AgeLabel

        rows = [(0, "male", 0), (1, "female", 2), (2, "any", 4), (3, "male", 5)]
        z, c = [], []
        for seed, gender, tone in rows:
            for age in PREVIEW_AGES:
                z.append(z_from_seed(seed, self.net_cfg.z_dim))
                c.append(age_condition(AgeLabel(age, gender, tone)))
        z_t = torch.cat(z).to(self.device)
        c_t = torch.tensor(c, dtype=torch.float32, device=self.device)
        img = self.G_ema.synthesize(self.G_ema.map_c(z_t, c_t), "const")
        path = self.run_dir / "previews" / f"step-{self.step:06d}.png"
        save_png(grid(to_uint8(img), cols=len(PREVIEW_AGES)), path)
        return path


def train_age(cfg: TrainConfig, resume: bool = False, progress_fn: ProgressFn | None = None,
              abort_fn: AbortFn | None = None, device: torch.device | None = None) -> RunResult:
    return train_run(AgeTrainer, cfg, resume, progress_fn, abort_fn, device)


def export_age(run_dir: Path, folder: Path, model_id: str, name: str, **card_fields: Any) -> Any:
    return export_conditional(run_dir, folder, model_id, name, "age", ["age"], **card_fields)
