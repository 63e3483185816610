"""Snapshots taken by the server: a requested job in a background thread, and a schedule.

A programme manager asks for fresh figures from the dashboard; the job runs in a thread of
the server that was asked, writes its progress to its row (``service.snapshot_jobs``) so any
worker can show it, and reads the store through a connection of its own that takes no write
lock (SQLite: a deferred read transaction in WAL mode), so clinics keep writing meanwhile.
With ``BRIGHTLINE_SNAPSHOT_REFRESH_MINUTES`` set, every server worker also looks each minute
whether the latest snapshot is older than that and, if so, takes one (one at a time across
workers: the store refuses a second job).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from brightline.analytics.snapshot import (
    SnapshotMissing,
    current_snapshot,
    default_snapshot_dir,
    read_manifest,
    take_snapshot,
)
from brightline.analytics.snapshot_rows import EXTRACTS
from brightline.errors import Conflict
from brightline.service.snapshot_jobs import SCHEDULE, advance, finish, queue_job, start
from brightline.site import Site
from brightline.store.analytics_models import SnapshotJob
from brightline.store.db import READ_ONLY, engine_for, session_factory
from brightline.vocabulary import SnapshotJobState

log = logging.getLogger(__name__)
# How often the schedule looks whether a snapshot is due.
SCHEDULE_TICK_SECONDS = 60.0


def _reader(site: Site) -> Site:
    """The same installation on an engine of its own whose transactions only read."""
    engine = engine_for(site.settings).execution_options(**{READ_ONLY: True})
    return replace(site, engine=engine, sessions=session_factory(engine))


def _update(site: Site, job_id: int, change: Callable[[SnapshotJob], None]) -> None:
    """Change the job's row in a short transaction of its own (any worker reads it at once)."""
    with site.transaction() as session:
        job = session.get(SnapshotJob, job_id)
        assert job is not None, job_id
        change(job)


def run_job(site: Site, job_id: int) -> None:
    """Take the snapshot of a queued job, recording progress and the result on its row."""
    steps = len(EXTRACTS)
    _update(site, job_id, lambda job: start(job, steps, site.now()))
    reader = _reader(site)
    try:
        report = take_snapshot(
            reader,
            incremental=True,
            progress=lambda done, _total: _update(
                site, job_id, lambda job: advance(job, done, site.now())
            ),
        )
    except Exception as exc:
        # The error names files and tables, never a person: snapshots hold pseudonyms only.
        log.exception("snapshot job %d failed", job_id)
        message = f"{type(exc).__name__}: {exc}"
        _update(site, job_id, lambda job: finish(job, SnapshotJobState.FAILED, message, site.now()))
    else:
        summary = report.summary()
        _update(site, job_id, lambda job: finish(job, SnapshotJobState.DONE, summary, site.now()))
    finally:
        reader.engine.dispose()


def launch(site: Site, job_id: int) -> threading.Thread:
    """Run a queued job in a background thread of this process."""
    thread = threading.Thread(
        target=run_job, args=(site, job_id), name=f"snapshot-job-{job_id}", daemon=True
    )
    thread.start()
    return thread


def snapshot_taken_at(site: Site) -> datetime | None:
    """When the latest published snapshot was taken (UTC), None if there is none."""
    try:
        snapshot = current_snapshot(default_snapshot_dir(site.settings.home))
    except SnapshotMissing:
        return None
    created = read_manifest(snapshot).get("created_at")
    return datetime.fromisoformat(created.removesuffix("Z")) if created else None


def snapshot_due(site: Site, every: timedelta) -> bool:
    """The latest snapshot is older than ``every`` (or there is none)."""
    taken = snapshot_taken_at(site)
    return taken is None or site.now() - taken >= every


def refresh_if_due(site: Site, every: timedelta) -> int | None:
    """Take a scheduled snapshot now if one is due and none is running; its job id."""
    if not snapshot_due(site, every):
        return None
    try:
        with site.transaction() as session:
            job_id = queue_job(session, SCHEDULE, site.now()).id
    except Conflict:
        return None  # another worker (or a manager) is taking one
    run_job(site, job_id)
    return job_id


def start_schedule(site: Site, minutes: int, stop: threading.Event) -> threading.Thread:
    """Refresh the snapshot every ``minutes`` in a background thread, until ``stop`` is set."""
    every = timedelta(minutes=minutes)

    def loop() -> None:
        while not stop.is_set():
            try:
                refresh_if_due(site, every)
            except Exception:
                log.exception("scheduled snapshot failed; retried at the next tick")
            stop.wait(SCHEDULE_TICK_SECONDS)

    thread = threading.Thread(target=loop, name="snapshot-schedule", daemon=True)
    thread.start()
    return thread
