"""Data-parallel training: the shared loop under ``torchrun`` (DDP), gloo on CPU, NCCL on CUDA.

Every family trainer runs unchanged. Each replica builds the same nets (same seed), then:
- gets its own share of the batch (``cfg.batch // world``) and its own random stream (StyleGAN2-ADA's
  ``seed * world + rank`` idea), so replicas see different images and latents;
- averages gradients before every optimiser step (a step pre-hook on each optimiser: one flat
  all-reduce per step, like DDP's bucketed reduction);
- averages buffers after every step (e.g. StyleGen's running ``w_avg``), in float64 so equal values stay
  bit-identical;
- pools the ADA statistic over all replicas, so the augmentation probability is one number;
- agrees on when to stop (budget, SIGTERM) with one all-reduce per step, so no replica is left waiting.
Rank 0 alone writes config, progress, previews and checkpoints. At the end the replicas compare a digest
of their whole state and the check is written to ``progress.jsonl`` (event ``replicas``).

Launch: ``gan-studio train ... --nproc N`` (re-runs itself under ``python -m torch.distributed.run
--standalone --nproc_per_node N``), or that torchrun line directly. Resume under DDP continues step, kimg,
weights, optimiser, EMA and augmentation p from rank 0's checkpoint; the per-replica random streams
restart from (seed, rank, step), so a DDP resume is deterministic but not bit-equal to an uninterrupted
DDP run (a single-process resume is).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import signal
import subprocess
import sys
from dataclasses import fields, replace
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import torch
import torch.distributed as dist
from torch import nn

from .augment import AdaptiveP

if TYPE_CHECKING:
    from .config import TrainConfig
    from .loop import AbortFn, ProgressFn, RunResult, Trainer

log = logging.getLogger("gan_studio.train")


def is_distributed() -> bool:
    """True inside a torchrun worker of a job with more than one replica."""
    return int(os.environ.get("WORLD_SIZE", "1")) > 1


def rank() -> int:
    return int(os.environ.get("RANK", "0"))


class SyncedAdaptiveP(AdaptiveP):
    """ADA's sign statistic summed over every replica, so all of them move p identically."""

    def observe(self, d_real: torch.Tensor) -> None:
        stat = torch.tensor([float(torch.sign(d_real.detach()).sum()), float(d_real.numel())], dtype=torch.float64)
        dist.all_reduce(stat.to(_comm_device()))
        self._acc += float(stat[0])
        self._count += int(stat[1])


def _comm_device() -> torch.device:
    return torch.device("cuda", torch.cuda.current_device()) if dist.get_backend() == "nccl" else torch.device("cpu")


def _modules(obj: Any) -> list[nn.Module]:
    return [v for v in vars(obj).values() if isinstance(v, nn.Module)]


def _optimizers(obj: Any) -> list[torch.optim.Optimizer]:
    return [v for v in vars(obj).values() if isinstance(v, torch.optim.Optimizer)]


def _average_grads(opt: torch.optim.Optimizer, *_: Any) -> None:
    """Step pre-hook: replace each parameter's gradient by its mean over the replicas (one flat all-reduce)."""
    params = [p for g in opt.param_groups for p in g["params"] if p.grad is not None]
    if not params:
        return
    flat = torch.cat([p.grad.reshape(-1) for p in params])
    dist.all_reduce(flat)
    flat /= dist.get_world_size()
    offset = 0
    for p in params:
        n = p.grad.numel()
        p.grad.copy_(flat[offset:offset + n].view_as(p.grad))
        offset += n


def _average_buffers(modules: list[nn.Module]) -> None:
    bufs = [b for m in modules for b in m.buffers() if b.is_floating_point()]
    if not bufs:
        return
    flat = torch.cat([b.reshape(-1).double() for b in bufs])  # float64: equal float32 values stay equal
    dist.all_reduce(flat)
    flat /= dist.get_world_size()
    offset = 0
    for b in bufs:
        n = b.numel()
        b.copy_(flat[offset:offset + n].view_as(b).to(b.dtype))
        offset += n


def state_digest(trainer: Trainer) -> str:
    """sha256 of every parameter, buffer and optimiser tensor of a replica (and its ADA p)."""
    h = hashlib.sha256()
    for m in _modules(trainer):
        for name, t in [*m.named_parameters(), *m.named_buffers()]:
            h.update(name.encode())
            h.update(t.detach().cpu().contiguous().numpy().tobytes())
    for opt in _optimizers(trainer):
        for st in opt.state_dict()["state"].values():
            for v in st.values():
                if torch.is_tensor(v):
                    h.update(v.detach().cpu().contiguous().numpy().tobytes())
    ada = getattr(trainer, "ada", None)
    if isinstance(ada, AdaptiveP):
        h.update(repr(ada.p).encode())
    return h.hexdigest()


class Replica:
    """Mixin placed in front of a family trainer: synchronisation and rank-0-only outputs."""

    rank: int = 0

    def setup_replica(self, rank_: int, world: int) -> None:
        self.rank, self.world_size = rank_, world
        for m in _modules(self):
            for t in [*m.parameters(), *m.buffers()]:
                dist.broadcast(t.data, src=0)  # identical start whatever the seeds did
        for opt in _optimizers(self):
            opt.register_step_pre_hook(_average_grads)
        ada = getattr(self, "ada", None)
        if isinstance(ada, AdaptiveP):
            self.ada = SyncedAdaptiveP(**{f.name: getattr(ada, f.name) for f in fields(ada)})
        self._reseed()

    def _reseed(self) -> None:
        seed = (self.cfg.seed * 1_000_003 + self.rank * 7919 + self.step) % 2**63
        self.gen.manual_seed(seed)
        torch.manual_seed(seed)

    def load_state(self, st: dict[str, Any]) -> None:
        super().load_state(st)  # type: ignore[misc]
        self._reseed()

    def agree(self, flags: list[bool]) -> list[bool]:
        t = torch.tensor([int(f) for f in flags], dtype=torch.int64, device=_comm_device())
        dist.all_reduce(t, op=dist.ReduceOp.MAX)
        return [bool(v) for v in t.tolist()]

    def train_step(self) -> dict[str, float]:
        stats = super().train_step()  # type: ignore[misc]
        _average_buffers(_modules(self))
        return stats

    def preview(self) -> Path:
        if self.rank == 0:
            return super().preview()  # type: ignore[misc]
        return self.run_dir / "previews"

    def checkpoint(self) -> Path:
        if self.rank == 0:
            return super().checkpoint()  # type: ignore[misc]
        return self.run_dir / "checkpoints"

    def _emit(self, event: dict[str, Any], progress_fn: ProgressFn | None) -> None:
        if self.rank == 0:
            super()._emit(event, progress_fn)  # type: ignore[misc]


def _device_for(device: torch.device | None) -> torch.device:
    local = int(os.environ.get("LOCAL_RANK", "0"))
    if (device is None or device.type == "cuda") and torch.cuda.is_available():
        torch.cuda.set_device(local)
        return torch.device("cuda", local)
    return device if device is not None else torch.device("cpu")


def run_replica(trainer_cls: type[Trainer], cfg: TrainConfig, ckpt: Path | None, progress_fn: ProgressFn | None,
                abort_fn: AbortFn | None, device: torch.device | None) -> RunResult:
    """One torchrun worker's share of ``train_run``."""
    from .checkpoint import load_checkpoint

    world, r = int(os.environ["WORLD_SIZE"]), rank()
    if cfg.batch % world:
        raise ValueError(f"--batch {cfg.batch} must be a multiple of the {world} processes")
    device = _device_for(device)
    own_group = not dist.is_initialized()
    if own_group:
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo", timeout=timedelta(minutes=10))
    try:
        if r == 0:
            cfg.save(Path(cfg.out))
        cls = type(f"Replica{trainer_cls.__name__}", (Replica, trainer_cls), {})
        trainer = cls(replace(cfg, batch=cfg.batch // world), device)
        if ckpt is not None:
            trainer.load_state(load_checkpoint(ckpt))
            log.info("replica %d resumed from %s at step %d", r, ckpt, trainer.step)
        trainer.setup_replica(r, world)
        result = trainer.run(progress_fn if r == 0 else None, abort_fn)
        digests: list[Any] = [None] * world
        dist.all_gather_object(digests, state_digest(trainer))
        trainer._emit({"event": "replicas", "world_size": world, "identical": len(set(digests)) == 1,
                       "digests": digests}, None)
        if len(set(digests)) != 1:
            raise RuntimeError(f"DDP replicas diverged: {digests}")
        return result
    finally:
        if own_group:
            # Every rank reaches this point before any leaves. The group is not destroyed: tearing gloo down
            # (here or at interpreter exit) now and then aborted a replica under load ("terminate called
            # without an active exception") after its work was saved; the worker ends with exit_worker().
            with contextlib.suppress(RuntimeError):
                dist.barrier()


def exit_worker(code: int) -> NoReturn:
    """End a torchrun worker without C++ teardown: flush what Python buffered, then ``os._exit``.

    Everything a run keeps is already on disk (atomic writes, rank 0) and every replica has passed the final
    barrier, so skipping destructors loses nothing and avoids gloo's shutdown race."""
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(code)


def strip_nproc(argv: list[str]) -> list[str]:
    out, skip = [], False
    for a in argv:
        if skip:
            skip = False
        elif a == "--nproc":
            skip = True
        elif not a.startswith("--nproc="):
            out.append(a)
    return out


def launch(nproc: int, argv: list[str]) -> int:
    """Re-run this `gan-studio` command under torchrun with ``nproc`` replicas; SIGTERM/SIGINT are passed
    on, so cancel still means a graceful checkpoint."""
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={nproc}",
           "-m", "gan_studio", *strip_nproc(argv)]
    log.info("launching %d replicas: %s", nproc, " ".join(cmd))
    child = subprocess.Popen(cmd)

    def forward(signum: int, frame: Any) -> None:
        child.send_signal(signum)

    old = {s: signal.signal(s, forward) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        return child.wait()
    finally:
        for s, h in old.items():
            signal.signal(s, h)
