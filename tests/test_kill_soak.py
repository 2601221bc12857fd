"""kill -9 at random moments, 20 times, into a run that checkpoints every step (so many kills land inside a
checkpoint write): every resume continues without repeating any flag but --resume (a run killed after writing
its config but before its first checkpoint starts again from step 0), the final state equals an uninterrupted
run bit for bit, and no temp file is left."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gan_studio.core.training.checkpoint import latest_checkpoint, load_checkpoint
from tests.test_dcgan import ARCH, _same

KILLS = 20


def _argv(data: Path, out: Path) -> list[str]:
    import json

    return [sys.executable, "-m", "gan_studio", "train", "--family", "dcgan", "--data", str(data), "--out", str(out),
            "--resolution", "16", "--batch", "4", "--kimg", "4", "--arch", json.dumps(ARCH), "--threads", "1",
            "--checkpoint-every", "0", "--preview-every", "1e9", "--seed", "9"]


@pytest.mark.slow
def test_twenty_random_kills_resume_bit_exactly(image_folder, tmp_path):
    ref, run = tmp_path / "ref", tmp_path / "killed"
    done = subprocess.run(_argv(image_folder, ref), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    rng = random.Random(7)
    first = _argv(image_folder, run)
    resume = [sys.executable, "-m", "gan_studio", "train", "--out", str(run), "--resume"]  # no other flag
    killed = restarts = 0
    for _ in range(KILLS):
        started = (run / "config.json").is_file()  # a kill during start-up may leave nothing to resume from
        restarts += not started
        proc = subprocess.Popen(resume if started else first, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        time.sleep(rng.uniform(1.5, 4.0))  # torch import takes ~1.5 s: kills land in start-up, steps and writes
        if proc.poll() is not None:
            err = proc.stderr.read().decode() if proc.stderr else ""
            assert proc.returncode == 0, err[-2000:]
            break  # the run finished before this kill
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        killed += 1
    final = subprocess.run(resume, capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr[-2000:]
    a, b = load_checkpoint(latest_checkpoint(ref)), load_checkpoint(latest_checkpoint(run))
    assert a["step"] == b["step"] == 1000
    _same(a, b)
    print(f"kill -9 soak: {killed} kills, {restarts} started afresh (no config.json yet), "
          f"resumed bit-exactly to step {b['step']}")
    assert killed >= 10, f"only {killed} kills landed before the run finished"
    assert not list((run / "checkpoints").glob(".ckpt-*.tmp"))
