"""Fine-tune benchmark (issue 3's "done when"): starter model → a folder it never saw, then SWD/FD before
and after on that folder, images/s, with a cancel and resume halfway. Takes MINUTES of CPU (default 30):
do not run it on a shared machine by accident.

    .venv/bin/python benchmarks/bench_finetune.py --data ~/my-200-images --minutes 30 [--name bench-ft]

It creates a job like the GUI does (dataset check, prepared copy, transfer from stylegen-faces-64 with
ADA, R1, EMA, Freeze-D defaults, 1 training thread unless --threads), runs `gan-studio train` as a separate
process, sends SIGTERM halfway (graceful checkpoint), resumes, registers the result and prints the card's
figures. Make a folder unrelated to the starter world e.g. from photos or renders you own.
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import time
from pathlib import Path

from gan_studio.core.jobs import JobSpec, JobStore
from gan_studio.core.jobs.results import register_result
from gan_studio.core.jobs.spec import STARTER_MODEL


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", required=True)
    ap.add_argument("--minutes", type=float, default=30.0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--name", default="bench-finetune")
    ap.add_argument("--num", type=int, default=500, help="samples for SWD / FD")
    args = ap.parse_args()
    store = JobStore()
    job = store.create(JobSpec(name=args.name, data=str(Path(args.data).expanduser()), base=STARTER_MODEL,
                               minutes=args.minutes, threads=args.threads))
    print("job", job.name, "data", json.dumps(job.record["data_check"]["usable"]), "usable images")
    store.mark_started(job)
    proc = subprocess.Popen(job.train_argv(), stdout=subprocess.DEVNULL)
    time.sleep(args.minutes * 60 / 2)
    proc.send_signal(signal.SIGTERM)  # cancel halfway: the loop checkpoints and exits 0
    print("cancelled halfway, exit code", proc.wait())
    job = store.get(job.name)
    store.resume(job.name)
    job = store.get(job.name)
    store.mark_started(job)
    print("resumed, exit code", subprocess.run(job.train_argv(), stdout=subprocess.DEVNULL).returncode)
    job = store.get(job.name)
    card = register_result(job, num=args.num)
    last = job.last_progress() or {}
    print(json.dumps({"model": card.id, "kimg": card.training["kimg"], "minutes": card.training["wall_minutes"],
                      "images_per_s": last.get("images_per_s"),
                      "metrics": [{k: m[k] for k in ("name", "before", "value")} for m in card.metrics]}, indent=2))


if __name__ == "__main__":
    main()
