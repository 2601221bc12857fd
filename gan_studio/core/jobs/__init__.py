"""Training jobs: run folders under the user's home, their state, a queue, and registering results.

A job is a run folder (``<home>/jobs/<name>/``) plus ``job.json``; a separate ``gan-studio train``
process does the work. Everything here reads and writes files only, so the jobs panel, the CLI and a
restarted window all see the same jobs.
"""

from .spec import JobSpec
from .store import Job, JobError, JobStore

__all__ = ["Job", "JobError", "JobSpec", "JobStore"]
