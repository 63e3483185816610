"""Asynchronous FHIR bulk exports (Bulk Data ``$export``): a job's state and files on disk,
and the background thread that writes them.

Each job is a folder under ``<home>/fhir-exports/<job id>/``: ``job.json`` (its state,
replaced atomically, so every server worker reads the same job) and, once done, ``files/``
with one NDJSON file per resource type. No table is needed: a job lives only until its
files expire (``BRIGHTLINE_FHIR_EXPORT_EXPIRY_HOURS``). The export itself is the command's
(``access.fhir_export.write_export``): the same read-only read, the same files, the same
one ``records.export`` audit entry per person exported, appended when the read is done.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

from brightline.access.fhir_export import ExportAsk, write_export
from brightline.access.policy import Actor
from brightline.audit.tree import checkpoint_if_due
from brightline.site import Site

log = logging.getLogger(__name__)

JOBS_FOLDER = "fhir-exports"
STATE = "job.json"
CANCELLED = "cancelled"
# A job id is 128 random bits in hex: unguessable, and never a path of its own making.
JOB_ID = re.compile(r"[0-9a-f]{32}")
# Progress is written (and a cancellation looked for) after this many people.
PROGRESS_EVERY = 500
# A running job whose worker has not written for this long died with its process.
STALE_AFTER = timedelta(minutes=15)

RUNNING, DONE, FAILED = "running", "done", "failed"


class ExportCancelled(Exception):
    """The job was cancelled (DELETE on its status URL) while it was being written."""


@dataclass(frozen=True)
class ExportJob:
    """One asynchronous export as ``job.json`` keeps it (times naive UTC, ISO 8601)."""

    id: str
    user_id: int
    actor: str
    role: str
    request: str
    since: str | None
    types: tuple[str, ...]
    purpose: str
    requested_at: str
    state: str = RUNNING
    heartbeat_at: str | None = None
    people_done: int = 0
    people_total: int = 0
    # (type, count) of each file written, once done; a failure's message.
    output: tuple[tuple[str, int], ...] = field(default_factory=tuple)
    message: str = ""
    transaction_time: str | None = None
    expires_at: str | None = None

    @property
    def ask(self) -> ExportAsk:
        """What the export writes."""
        since = datetime.fromisoformat(self.since) if self.since else None
        return ExportAsk(since=since, types=self.types, purpose=self.purpose)

    def stale(self, now: datetime) -> bool:
        """Running, but its worker has not written for a long time (the server stopped)."""
        last = datetime.fromisoformat(self.heartbeat_at or self.requested_at)
        return self.state == RUNNING and now - last >= STALE_AFTER

    def expired(self, now: datetime) -> bool:
        """Its files are past their expiry time."""
        return self.expires_at is not None and now >= datetime.fromisoformat(self.expires_at)


def jobs_root(site: Site) -> Path:
    """Where the jobs' folders are (under the data directory)."""
    return site.settings.home / JOBS_FOLDER


def job_folder(site: Site, job_id: str) -> Path | None:
    """The folder of a job id of the right form (None for anything else: no path tricks)."""
    if not JOB_ID.fullmatch(job_id):
        return None
    return jobs_root(site) / job_id


def _load(folder: Path) -> ExportJob | None:
    """The state in a job's folder, cancelled or not (None: no readable state)."""
    try:
        data = json.loads((folder / STATE).read_text(encoding="utf-8"))
    except (FileNotFoundError, NotADirectoryError, json.JSONDecodeError):
        return None
    data["types"] = tuple(data["types"])
    data["output"] = tuple((kind, count) for kind, count in data["output"])
    return ExportJob(**data)


def read_job(site: Site, job_id: str) -> ExportJob | None:
    """A job's state, or None if there is no such job (or it was cancelled)."""
    folder = job_folder(site, job_id)
    if folder is None or (folder / CANCELLED).exists():
        return None
    return _load(folder)


def write_job(site: Site, job: ExportJob, *, create: bool = False) -> None:
    """Replace a job's state atomically: a reader sees the old state or the new, never half.

    Only a new job creates its folder: a removed job is never brought back by its worker.
    """
    folder = jobs_root(site) / job.id
    if create:
        folder.mkdir(parents=True, mode=0o700)
    fresh = folder / f".{STATE}.{secrets.token_hex(4)}"
    fresh.write_text(json.dumps(asdict(job)), encoding="utf-8")
    os.replace(fresh, folder / STATE)


def new_job(site: Site, actor: Actor, request: str, ask: ExportAsk) -> ExportJob:
    """A running job, its state on disk."""
    job = ExportJob(
        id=secrets.token_hex(16),
        user_id=actor.user_id,
        actor=actor.pseudonym,
        role=actor.role,
        request=request,
        since=ask.since.isoformat() if ask.since else None,
        types=ask.types,
        purpose=ask.purpose or "",
        requested_at=site.now().isoformat(),
    )
    jobs_root(site).mkdir(parents=True, exist_ok=True, mode=0o700)
    write_job(site, job, create=True)
    return job


def _removable(folder: Path, now: datetime) -> bool:
    """A job no worker is writing: done, failed, or running in a server that stopped."""
    job = _load(folder)
    return job is None or job.state != RUNNING or job.stale(now)


def remove_job(site: Site, job_id: str) -> None:
    """Remove a job and its files; a running job's worker stops at its next progress mark
    and removes them itself (so no worker writes into a folder that is gone)."""
    folder = job_folder(site, job_id)
    if folder is None or not folder.is_dir():
        return
    (folder / CANCELLED).touch()
    if _removable(folder, site.now()):
        shutil.rmtree(folder, ignore_errors=True)


def sweep_expired(site: Site) -> None:
    """Remove the jobs whose files have expired, the cancelled ones, and those whose server
    stopped while writing them longer ago than the expiry time."""
    root, now = jobs_root(site), site.now()
    if not root.is_dir():
        return
    keep = timedelta(hours=site.settings.fhir_export_expiry_hours)
    for folder in root.iterdir():
        job = _load(folder)
        if job is None:
            continue  # a job being created, or not a job
        gone = job.expired(now) or ((folder / CANCELLED).exists() and _removable(folder, now))
        if gone or job.stale(now - keep):
            shutil.rmtree(folder, ignore_errors=True)


class _Progress:
    """The export's progress callback: writes the job's progress, stops a cancelled job."""

    def __init__(self, site: Site, job: ExportJob) -> None:
        self.site, self.job, self.done = site, job, 0
        self.folder = jobs_root(site) / job.id

    def check(self) -> None:
        """Stop here if the job was cancelled."""
        if (self.folder / CANCELLED).exists():
            raise ExportCancelled(self.job.id)

    def start(self, total: int, _done: int) -> Callable[[int], None]:
        """The export knows how many people there are: write it, and count from there."""
        self.job = replace(self.job, people_total=total, heartbeat_at=self.site.now().isoformat())
        write_job(self.site, self.job)
        return self.tick

    def tick(self, n: int) -> None:
        """``n`` more people read; every so often, write it (and look for a cancellation)."""
        self.done += n
        if self.done % PROGRESS_EVERY:
            return
        self.check()
        now = self.site.now().isoformat()
        self.job = replace(self.job, people_done=self.done, heartbeat_at=now)
        write_job(self.site, self.job)


def run_job(site: Site, job: ExportJob, actor: Actor) -> None:
    """Write a job's files, then its audit entries; record the result in its state."""
    folder = jobs_root(site) / job.id
    work = folder / "files.tmp"
    started = site.now()
    progress = _Progress(site, job)
    hours = timedelta(hours=site.settings.fhir_export_expiry_hours)
    try:
        work.mkdir(mode=0o700)
        report = write_export(site, actor, work, job.ask, progress.start, progress.check)
        work.rename(folder / "files")
        write_job(
            site,
            replace(
                progress.job,
                state=DONE,
                people_done=progress.job.people_total,
                heartbeat_at=site.now().isoformat(),
                transaction_time=started.isoformat(),
                output=tuple((kind, n) for kind, n in report.counts.items() if n),
                expires_at=(site.now() + hours).isoformat(),
            ),
        )
        checkpoint_if_due(site)
    except ExportCancelled:
        shutil.rmtree(folder, ignore_errors=True)
    except Exception as exc:
        # The message names the kind of failure, never a person (the files hold pseudonyms).
        log.exception("FHIR export job %s failed", job.id)
        shutil.rmtree(work, ignore_errors=True)
        if folder.is_dir():
            message = f"{type(exc).__name__}: {exc}"[:500]
            expires = (site.now() + hours).isoformat()
            write_job(site, replace(job, state=FAILED, message=message, expires_at=expires))
    finally:
        if (folder / CANCELLED).exists():
            shutil.rmtree(folder, ignore_errors=True)


def launch(site: Site, job: ExportJob, actor: Actor) -> threading.Thread:
    """Run a job in a background thread of this process, as snapshot jobs run."""
    thread = threading.Thread(
        target=run_job, args=(site, job, actor), name=f"fhir-export-{job.id[:8]}", daemon=True
    )
    thread.start()
    return thread


def wait_for(site: Site, job_id: str, seconds: float) -> ExportJob | None:
    """The job's state once it is no longer running, or after ``seconds`` (tests, CLI)."""
    deadline = time.monotonic() + seconds
    job = read_job(site, job_id)
    while job is not None and job.state == RUNNING and time.monotonic() < deadline:
        time.sleep(0.05)
        job = read_job(site, job_id)
    return job
