"""Resume after rough hands: the run's own thread count without repeating --threads, a damaged newest
checkpoint falls back to the previous kept one, stale temp files from a kill during a write are removed."""

from __future__ import annotations

import torch

from gan_studio.core.training import loop
from gan_studio.core.training.checkpoint import save_checkpoint
from gan_studio.core.training.config import TrainConfig


class FakeTrainer:
    seen: dict = {}

    def __init__(self, cfg, device=None) -> None:
        FakeTrainer.seen = {"threads": torch.get_num_threads(), "cfg": cfg}
        self.step = 0

    def load_state(self, state) -> None:
        FakeTrainer.seen["state_step"] = int(state["step"])
        self.step = int(state["step"])

    def run(self, progress_fn=None, abort_fn=None):
        return "ran"


def _run(tmp_path, threads: int = 1) -> TrainConfig:
    cfg = TrainConfig(data=str(tmp_path), out=str(tmp_path / "run"), resolution=16, batch=4, kimg=1.0,
                      threads=threads)
    (tmp_path / "run").mkdir()
    cfg.save(tmp_path / "run")
    save_checkpoint(tmp_path / "run", 3, {"step": 3}, keep=3)
    save_checkpoint(tmp_path / "run", 4, {"step": 4}, keep=3)
    return cfg


def test_resume_uses_the_runs_thread_count(tmp_path):
    before = torch.get_num_threads()
    try:
        _run(tmp_path, threads=1)
        torch.set_num_threads(2)
        asked = TrainConfig(data=str(tmp_path), out=str(tmp_path / "run"), kimg=2.0)  # no --threads
        assert loop.train_run(FakeTrainer, asked, resume=True) == "ran"
        assert FakeTrainer.seen["threads"] == 1 and FakeTrainer.seen["cfg"].threads == 1
    finally:
        torch.set_num_threads(before)


def test_damaged_newest_checkpoint_falls_back(tmp_path):
    _run(tmp_path)
    newest = tmp_path / "run" / "checkpoints" / "ckpt-00000004.pt"
    newest.write_bytes(newest.read_bytes()[:40])  # a torn file
    asked = TrainConfig(data=str(tmp_path), out=str(tmp_path / "run"))
    loop.train_run(FakeTrainer, asked, resume=True)
    assert FakeTrainer.seen["state_step"] == 3


def test_no_loadable_checkpoint_is_a_clear_error(tmp_path):
    import pytest

    _run(tmp_path)
    for p in (tmp_path / "run" / "checkpoints").glob("ckpt-*.pt"):
        p.write_bytes(b"junk")
    with pytest.raises(ValueError, match="no checkpoint loads"):
        loop.train_run(FakeTrainer, TrainConfig(data=str(tmp_path), out=str(tmp_path / "run")), resume=True)


def test_stale_temp_files_are_cleaned(tmp_path):
    _run(tmp_path)
    folder = tmp_path / "run" / "checkpoints"
    stale = [folder / ".ckpt-00000005.pt.a1b2c3.tmp", folder / ".ckpt-00000006.pt.zz.tmp"]
    for p in stale:
        p.write_bytes(b"x" * 1000)
    keep = folder / "notes.txt"
    keep.write_text("mine")
    loop.train_run(FakeTrainer, TrainConfig(data=str(tmp_path), out=str(tmp_path / "run")), resume=True)
    assert not any(p.exists() for p in stale) and keep.exists()


def test_a_run_killed_before_its_first_checkpoint_resumes_from_step_0(tmp_path):
    cfg = TrainConfig(data=str(tmp_path), out=str(tmp_path / "run"), resolution=16, batch=4, kimg=1.0, threads=1,
                      seed=5)
    (tmp_path / "run").mkdir()
    cfg.save(tmp_path / "run")  # what a run writes before its first step; then kill -9
    assert loop.train_run(FakeTrainer, TrainConfig(data="", out=str(tmp_path / "run")), resume=True) == "ran"
    assert "state_step" not in FakeTrainer.seen and FakeTrainer.seen["cfg"].seed == 5
