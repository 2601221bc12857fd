"""A job's state as one plain sentence for the Jobs panel (the developer figures stay in its details).

An ETA is only a promise while the job runs: a paused, cancelled, failed or finished job says what happened
and what the user can do next, never a countdown."""

from __future__ import annotations

from typing import Any


def duration(seconds: float | None) -> str:
    """'about 12 min', '1 h 05 min', 'under a minute'."""
    if seconds is None:
        return "—"
    minutes = int(round(max(0.0, seconds) / 60))
    if minutes < 1:
        return "under a minute"
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def fraction(status: str, last: dict[str, Any], spec_kimg: float | None, spec_minutes: float | None,
             elapsed_s: float) -> float:
    """How far the job is, 0–1: images seen against a kimg budget, else time against a minutes budget."""
    if status == "finished":
        return 1.0
    if spec_kimg:
        done = float(last.get("kimg", 0)) / spec_kimg
    elif spec_minutes:
        eta = last.get("eta_s")
        done = (1 - eta / (spec_minutes * 60)) if status == "running" and eta is not None else \
            elapsed_s / 60 / spec_minutes
    else:
        done = 0.0
    return max(0.0, min(1.0, done))


def plain_status(status: str, last: dict[str, Any], frac: float, elapsed_s: float,
                 error: str | None = None) -> str:
    """One sentence a user reads at a glance."""
    seen = float(last.get("kimg", 0) or 0) * 1000
    images = f"{seen:,.0f} images seen"
    pct = f"{frac * 100:.0f}%"
    if status == "running":
        eta = last.get("eta_s")
        left = f"about {duration(eta)} left" if eta is not None else "estimating the time left"
        return f"Training — {pct} done, {left} ({images})"
    if status == "stopping":
        return "Stopping — saving a checkpoint so nothing is lost"
    if status == "queued":
        return "Waiting — starts when the job before it ends"
    if status == "paused":
        return f"Paused at {pct} ({images}) — Resume continues exactly where it stopped"
    if status == "interrupted":
        return f"Interrupted at {pct} (the app or the machine stopped) — Resume continues from the last checkpoint"
    if status == "cancelled":
        return (f"Cancelled at {pct} after {duration(elapsed_s)} ({images}) — the last checkpoint is kept; "
                f"Add model to library uses it")
    if status == "finished":
        return f"Finished in {duration(elapsed_s)} ({images}) — Add model to library to use it in every panel"
    if status == "failed":
        return f"Failed: {error or 'the training process stopped with an error'} — Show log says more"
    return status
