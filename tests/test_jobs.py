"""Job store: create from a folder, queue, run as a real `gan-studio train` process, pause/resume, statuses
derived from the run folder, register the result as a user model with a measured card; CLI mirror."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from gan_studio.core.jobs import JobSpec, JobStore
from gan_studio.core.jobs.diversity import collapse_warning, grid_diversity
from gan_studio.core.jobs.store import JobError
from gan_studio.core.training.process import RunBusyError, hold_run

from .conftest import BUNDLED, TINY_ID

ARCH = {"z_dim": 8, "w_dim": 8, "mapping_layers": 1, "channel_base": 32, "channel_max": 8,
        "d_channel_base": 32, "d_channel_max": 8}


def _spec(data: Path, **kw) -> JobSpec:
    base = dict(name="My Drawings!", data=str(data), resolution=16, batch=4, minutes=None, kimg=0.02, arch=ARCH,
                preview_every_s=1e9, checkpoint_every_s=1e9)
    return JobSpec(**(base | kw))


def _run(job, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run(job.train_argv(), capture_output=True, text=True, timeout=timeout)


def _wait(pred, timeout: float = 120.0) -> None:
    end = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > end:
            raise TimeoutError("condition not reached")
        time.sleep(0.1)


def test_create_prepares_data_and_queues(image_folder):
    (image_folder / "broken.jpg").write_text("not an image")
    Image.new("RGB", (40, 20), (9, 9, 9)).save(image_folder / "wide.png")
    store = JobStore()
    job = store.create(_spec(image_folder, fit="pad"))
    assert job.name == "my-drawings" and job.status() == "queued"
    assert store.create(_spec(image_folder)).name == "my-drawings-2"
    check = job.record["data_check"]
    assert check["usable"] == 25 and check["skipped_count"] == 1 and len(check["sha256"]) == 64
    prepared = sorted((job.folder / "data").glob("*.png"))
    assert len(prepared) == 25 and all(Image.open(p).size == (16, 16) for p in prepared)
    spec = job.spec
    assert spec.augment == "ada" and spec.augment_p == 0.2  # auto, small folder
    argv = job.train_argv()
    assert argv[argv.index("--threads") + 1] == "1" and "--progress" in argv and "--resume" not in argv
    assert argv[argv.index("--data") + 1] == str(job.folder / "data")
    assert store.next_queued().name == "my-drawings"
    with pytest.raises(JobError, match="no job"):
        store.get("nope")


def test_transfer_defaults_follow_the_base(image_folder, tiny_library):
    job = JobStore().create(JobSpec(name="t", data=str(image_folder), base=TINY_ID, resolution=64, kimg=0.01))
    spec = job.spec
    assert spec.resolution == 16 and spec.arch["z_dim"] == 16 and spec.freeze_d == 1
    argv = job.train_argv()
    assert argv[argv.index("--base") + 1] == TINY_ID and argv[argv.index("--freeze-d") + 1] == "1"
    with pytest.raises(Exception, match="sr model"):
        JobStore().create(JobSpec(name="bad", data=str(image_folder), base="tiny-sr-x4"))


@pytest.mark.slow
def test_job_runs_pauses_resumes_and_registers(image_folder, tiny_library, tmp_path):
    # The feature net for FD-emoji comes from the repo's bundled models.
    bundled = Path(os.environ["GAN_STUDIO_BUNDLED_MODELS"])
    shutil.copytree(BUNDLED / "featurenet-emoji-64", bundled / "featurenet-emoji-64")
    store = JobStore()
    job = store.create(_spec(image_folder, base=TINY_ID, kimg=40.0, checkpoint_every_s=0.0))
    store.mark_started(job)
    proc = subprocess.Popen(job.train_argv(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _wait(lambda: len(job.checkpoints()) >= 1 and job.status() == "running")
        assert job.pid() == proc.pid
        with pytest.raises(RunBusyError):  # a second process on the same run is refused
            with hold_run(job.folder, ["test"]):
                pass
        assert store.pause(job.name) == proc.pid
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    lines = [json.loads(x) for x in out.splitlines()]  # --progress jsonl on stdout
    assert lines[-1]["event"] == "aborted" and lines[0]["event"] == "progress"
    assert store.get(job.name).status() == "paused"
    step = lines[-1]["step"]
    assert "loaded 24 images (0 skipped)" in (job.folder / "log.txt").read_text()
    # Resume: queued again, then continues from the checkpoint with a kimg budget it can reach.
    store.resume(job.name)
    job = store.get(job.name)
    assert job.status() == "queued"
    job.record["spec"]["kimg"] = round((step + 3) * 4 / 1000, 3)
    job.save()
    argv = job.train_argv()
    assert "--resume" in argv and "--data" not in argv
    store.mark_started(job)
    res = _run(job)
    assert res.returncode == 0, res.stderr
    events = job.events()
    assert events[-1]["event"] == "finished" and events[-1]["step"] == step + 3
    assert store.get(job.name).status() == "finished"
    # Register: user model with card, visible in a fresh library, measured before (base) and after.
    from gan_studio.core.jobs.results import register_result
    from gan_studio.core.library.registry import Library

    card = register_result(store.get(job.name), num=32)
    lib = Library()
    assert card.id in lib.ids() and lib.card(card.id).source == "user"
    t = card.training
    assert t["base_model"] == TINY_ID and t["data_files"] == 24 and len(t["data_sha256"]) == 64
    assert t["kimg"] == pytest.approx((step + 3) * 4 / 1000) and t["data_bytes"] > 0
    names = {m["name"]: m for m in card.metrics}
    assert "fd_emoji" in names and names["fd_emoji"]["before"] is not None
    assert any(k.startswith("swd") for k in names)
    assert store.get(job.name).record["model_id"] == card.id
    # From an older checkpoint, on demand.
    older = register_result(store.get(job.name), checkpoint=job.checkpoints()[0], num=16)
    assert older.id != card.id and older.training["step"] < t["step"]
    # Registering again replaces this job's own model; a user model that only shares the name is kept.
    again = register_result(store.get(job.name), num=16)
    assert again.id == card.id and (again.folder / "card.json").is_file()
    from gan_studio.core.library.registry import user_models_dir

    shutil.rmtree(user_models_dir() / card.id)
    mine = user_models_dir() / card.id
    mine.mkdir()
    (mine / "card.json").write_text(json.dumps({"id": card.id, "training": {"job": "someone-else"}}))
    other = register_result(store.get(job.name), num=16)
    assert other.id == f"{card.id}-2" and "someone-else" in (mine / "card.json").read_text()
    assert not [p.name for p in user_models_dir().iterdir() if p.name.startswith(".")]


def test_statuses_from_the_run_folder(image_folder):
    from gan_studio.core.training.process import append_event

    store = JobStore()
    job = store.create(_spec(image_folder))
    store.mark_started(job)
    assert job.status() == "interrupted"  # asked to run, no process, no ending: killed or crashed
    with hold_run(job.folder, ["x"]):
        assert store.get(job.name).status() == "running"
    assert store.get(job.name).status() == "interrupted"
    with pytest.raises(ValueError), hold_run(job.folder, ["x"]):
        raise ValueError("boom")
    assert store.get(job.name).status() == "failed" and "boom" in store.get(job.name).error()
    with hold_run(job.folder, ["x"]):
        append_event(job.folder, {"event": "finished", "step": 5})
    assert store.get(job.name).status() == "finished"
    other = store.create(_spec(image_folder, name="two"))
    store.cancel(other.name)
    assert store.get("two").status() == "cancelled"
    with pytest.raises(JobError, match="already cancelled"):
        store.cancel("two")
    store.delete("two")
    assert not (store.root / "two").exists() and [j.name for j in store.jobs()] == [job.name]


def test_resume_budget_counts_time_already_trained(image_folder):
    from gan_studio.core.training.process import append_event

    store = JobStore()
    job = store.create(_spec(image_folder, kimg=None, minutes=10.0))
    (job.folder / "checkpoints").mkdir()
    (job.folder / "checkpoints" / "ckpt-00000010.pt").write_bytes(b"x")
    append_event(job.folder, {"event": "aborted", "step": 10, "elapsed_s": 240.0})
    argv = job.train_argv()
    assert argv[argv.index("--minutes") + 1] == "6.000"


def test_collapse_warning_from_preview_grids(tmp_path):
    from gan_studio.core.io.images import grid, save_png

    rng = np.random.RandomState(0)
    diverse = grid([rng.randint(0, 255, (8, 8, 4)).astype(np.uint8) | 0 for _ in range(16)], cols=4)
    diverse[..., 3] = 255
    same_tile = rng.randint(0, 255, (8, 8, 4)).astype(np.uint8)
    same_tile[..., 3] = 255
    collapsed = grid([same_tile] * 16, cols=4)
    save_png(diverse, tmp_path / "a.png")
    save_png(collapsed, tmp_path / "b.png")
    d0, d1 = grid_diversity(tmp_path / "a.png"), grid_diversity(tmp_path / "b.png")
    assert d0 > 0.2 and d1 == pytest.approx(0.0, abs=1e-6)
    assert collapse_warning([d0]) is None and collapse_warning([d0, d0 * 0.9]) is None
    assert "collapsed" in collapse_warning([d0, d1])


@pytest.mark.slow
def test_cli_jobs_mirror_the_store(image_folder):
    store = JobStore()
    job = store.create(_spec(image_folder))
    env = os.environ.copy()
    run = lambda *a: subprocess.run([sys.executable, "-m", "gan_studio", "jobs", *a], capture_output=True,  # noqa: E731
                                    text=True, timeout=120, env=env)
    out = run("list", "--json")
    assert out.returncode == 0, out.stderr
    rows = json.loads(out.stdout)
    assert rows[0]["name"] == job.name and rows[0]["status"] == "queued"
    shown = json.loads(run("show", job.name, "--json").stdout)
    assert shown["data_check"]["usable"] == 24 and shown["command"][-2:] == ["--kimg", "0.02"]
    assert run("cancel", job.name).returncode == 0 and store.get(job.name).status() == "cancelled"
    res = run("resume", job.name, "--wait")
    assert res.returncode == 0, res.stderr
    assert store.get(job.name).status() == "finished"
    bad = run("show", "nope")
    assert bad.returncode == 2 and "no job 'nope'" in bad.stderr


@pytest.mark.slow
def test_sigterm_to_running_job_is_graceful(image_folder):
    store = JobStore()
    job = store.create(_spec(image_folder, kimg=50.0, checkpoint_every_s=1e9))
    store.mark_started(job)
    proc = subprocess.Popen(job.train_argv(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        _wait(lambda: any(e.get("event") == "progress" for e in job.events()))
        os.kill(proc.pid, signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert job.has_checkpoint() and job.events()[-1]["event"] == "aborted"


@pytest.mark.slow
def test_a_text_job_fine_tunes_from_a_library_text_model_with_imle(tiny_library, tmp_path):
    """A captioned folder (a .txt beside each image) through the jobs store: the job starts from the library's
    text model (its Stage I resolution, not its output's), trains with IMLE, and registers a text model."""
    from .conftest import TINY_TEXT_ID, make_captioned_shapes

    data = make_captioned_shapes(tmp_path / "captioned", n=8)
    store = JobStore()
    job = store.create(JobSpec(name="captions", data=str(data), family="text", base=TINY_TEXT_ID, batch=4,
                               minutes=None, kimg=0.016, preview_every_s=1e9, checkpoint_every_s=1e9))
    argv = job.train_argv()
    assert argv[argv.index("--base") + 1] == TINY_TEXT_ID and argv[argv.index("--imle") + 1] == "10"
    assert argv[argv.index("--resolution") + 1] == "16"  # the card's Stage I; its images are 32 px
    res = _run(job)
    assert res.returncode == 0, res.stderr[-2000:]
    assert "transferred Stage I" in res.stderr
    run_arch = json.loads((job.folder / "config.json").read_text())["arch"]
    assert run_arch["extra"]["fusion"] and run_arch["d_warmup_kimg"] == 1.0  # defaults for a run from a base
    from gan_studio.core.jobs.results import register_result

    card = register_result(store.get(job.name))
    assert card.family == "text" and card.resolution == 32 and card.training["base_model"] == TINY_TEXT_ID
