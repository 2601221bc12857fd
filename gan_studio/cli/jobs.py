"""jobs: the background training jobs the jobs panel lists."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from .common import CliError, command, emit


def add_parsers(sub: argparse._SubParsersAction) -> None:
    jb = sub.add_parser("jobs", help="background training jobs (the jobs panel's list)")
    jsub = jb.add_subparsers(dest="jobs_cmd", required=True)
    jl = jsub.add_parser("list")
    jl.add_argument("--json", action="store_true")
    for verb, text in (("show", "state, progress and files of a job"), ("cancel", "stop with a checkpoint"),
                       ("pause", "stop with a checkpoint, to resume later"),
                       ("resume", "continue from the last checkpoint (starts it in the background)"),
                       ("delete", "stop it and remove its folder"),
                       ("register", "add the job's model to your library, with metrics on your data")):
        jc = jsub.add_parser(verb, help=text)
        jc.add_argument("name")
        jc.add_argument("--json", action="store_true")
        if verb == "resume":
            jc.add_argument("--wait", action="store_true", help="stay in the foreground until it stops")
        if verb == "register":
            jc.add_argument("--checkpoint", help="a checkpoint file of the job (default: the latest)")
            jc.add_argument("--num", type=int, default=500, help="samples for SWD / FD")


@command("jobs")
def cmd_jobs(args: argparse.Namespace) -> int:
    from ..core.jobs.store import JobError, JobStore

    store = JobStore()
    try:
        if args.jobs_cmd == "list":
            rows = [j.summary() for j in store.jobs()]
            emit(args, rows, "\n".join(f"{r['name']:28s} {r['status']:11s} {r['family']:9s} {r['kimg']:8.2f} kimg"
                                       for r in rows) or "no jobs")
            return 0
        if args.jobs_cmd == "show":
            job = store.get(args.name)
            data = job.summary() | {"spec": job.record["spec"], "data_check": job.record.get("data_check"),
                                    "checkpoints": [str(p) for p in job.checkpoints()],
                                    "previews": len(job.previews()), "command": job.train_argv()}
            emit(args, data, json.dumps(data, indent=2))
            return 0
        if args.jobs_cmd in ("cancel", "pause"):
            pid = getattr(store, args.jobs_cmd)(args.name)
            said = f"asked process {pid} to stop (it checkpoints first)" if pid else f"{args.jobs_cmd} recorded"
            emit(args, {"name": args.name, "signalled": pid}, f"{args.name}: {said}")
            return 0
        if args.jobs_cmd == "delete":
            store.delete(args.name)
            emit(args, {"name": args.name, "deleted": True}, f"deleted {args.name}")
            return 0
        if args.jobs_cmd == "register":
            from ..core.jobs.results import register_result

            ckpt = Path(args.checkpoint) if args.checkpoint else None
            card = register_result(store.get(args.name), checkpoint=ckpt, num=args.num)
            emit(args, card.to_json(), f"registered {card.id} in your library: " + ", ".join(
                f"{m['name']} {m['before']} → {m['value']}" for m in card.metrics))
            return 0
        import subprocess

        job = store.resume(args.name)
        with open(job.folder / "stdout.txt", "ab") as out:
            proc = subprocess.Popen(job.train_argv(), stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        store.mark_started(job, proc.pid)
        emit(args, {"name": job.name, "pid": proc.pid}, f"{job.name}: resumed as process {proc.pid}")
        return proc.wait() if args.wait else 0
    except JobError as exc:
        raise CliError(str(exc)) from exc
