"""Snapshot jobs in the store: queue one (only one at a time), report progress, finish it.

The state is in the database rather than in a process, so every server worker (and the CLI)
sees the same job; the unique ``running_slot`` makes a second simultaneous job impossible
even when two workers ask at the same moment.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from brightline.errors import Conflict
from brightline.store.analytics_models import SnapshotJob
from brightline.vocabulary import SnapshotJobState

# A job whose worker has not written for this long died with its process (a restart, a
# crash): it no longer blocks a new one. Workers write at least after every table.
STALE_AFTER = timedelta(minutes=15)
SCHEDULE = "schedule"


def latest_jobs(session: Session, limit: int = 5) -> list[SnapshotJob]:
    """The most recent jobs, newest first."""
    return list(session.scalars(select(SnapshotJob).order_by(SnapshotJob.id.desc()).limit(limit)))


def active_job(session: Session) -> SnapshotJob | None:
    """The job queued or running now, if any."""
    return session.scalar(select(SnapshotJob).where(SnapshotJob.running_slot.is_not(None)))


def _give_up_if_stale(job: SnapshotJob, now: datetime) -> bool:
    last = job.heartbeat_at or job.started_at or job.requested_at
    if now - last < STALE_AFTER:
        return False
    finish(job, SnapshotJobState.FAILED, "the server stopped while the snapshot was written", now)
    return True


def queue_job(session: Session, requested_by: str, now: datetime) -> SnapshotJob:
    """A new queued job, or ``Conflict`` while another is queued or running."""
    current = active_job(session)
    if current is not None and not _give_up_if_stale(current, now):
        raise _busy(current.requested_at)
    session.flush()
    job = SnapshotJob(
        requested_by=requested_by,
        requested_at=now,
        state=SnapshotJobState.QUEUED.value,
        running_slot=1,
        steps_done=0,
        steps_total=0,
    )
    try:
        # A savepoint: another worker taking the slot at this very moment is a clear refusal.
        with session.begin_nested():
            session.add(job)
    except IntegrityError as exc:
        raise _busy(now) from exc
    return job


def _busy(asked: datetime) -> Conflict:
    return Conflict(
        f"a snapshot is already being taken (asked at {asked:%H:%M} UTC); wait until it is done",
        field="snapshot",
    )


def start(job: SnapshotJob, steps: int, now: datetime) -> None:
    """The worker has begun writing."""
    job.state = SnapshotJobState.RUNNING.value
    job.started_at = job.heartbeat_at = now
    job.steps_total = steps


def advance(job: SnapshotJob, done: int, now: datetime) -> None:
    """One more table written."""
    job.steps_done = done
    job.heartbeat_at = now


def finish(job: SnapshotJob, state: SnapshotJobState, message: str, now: datetime) -> None:
    """Done or failed; the slot is free for the next job."""
    job.state = state.value
    job.message = message[:2000]
    job.finished_at = job.heartbeat_at = now
    job.running_slot = None
    if state is SnapshotJobState.DONE:
        job.steps_done = job.steps_total
