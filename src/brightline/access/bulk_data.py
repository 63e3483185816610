"""The asynchronous FHIR bulk export's access methods: kick-off, status, files, cancel.

A kick-off is the same bulk read as ``brightline export fhir --as``: the policy action
``records.export`` (administrators), one audit entry per person exported naming the account,
here with the purpose of use the request gave. A job belongs to the account that asked:
its status and files answer only that account, and anyone else's question reads as a job
that does not exist (404), as a record outside one's scope does.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from brightline.access.base import AccessCore
from brightline.access.export_jobs import (
    DONE,
    FAILED,
    RUNNING,
    ExportJob,
    job_folder,
    jobs_root,
    launch,
    new_job,
    read_job,
    remove_job,
    sweep_expired,
)
from brightline.access.fhir_export import EXPORT_ACTION, ExportAsk
from brightline.errors import NotFound, TooManyAttempts

# Jobs an account may have running at once: each one reads the whole store.
RUNNING_PER_ACCOUNT = 1


@dataclass(frozen=True)
class ExportFile:
    """One NDJSON file of a finished job, to be sent as it is."""

    path: Path
    kind: str


class BulkData(AccessCore):
    """Bulk Data ``$export`` jobs (mixed into :class:`brightline.access.layer.Access`)."""

    def fhir_export_start(self, request: str, ask: ExportAsk) -> ExportJob:
        """Start an export in the background (after commit); the job's state."""
        self.require_general(EXPORT_ACTION)
        sweep_expired(self.site)
        now = self.site.now()
        running = [j for j in self._own_jobs() if j.state == RUNNING and not j.stale(now)]
        if len(running) >= RUNNING_PER_ACCOUNT:
            raise TooManyAttempts(
                "an export of this account is still running; poll its status URL, or cancel "
                "it with DELETE, before asking for another",
                retry_after=30,
            )
        job = new_job(self.site, self.actor, request, ask)
        site, actor = self.site, self.actor

        def run() -> None:
            launch(site, job, actor)

        self.after_commit.append(run)
        return job

    def fhir_export_job(self, job_id: str) -> ExportJob:
        """A job of the caller's, or 'not found' (expired, cancelled, or another's)."""
        self.require_general(EXPORT_ACTION)
        sweep_expired(self.site)
        job = read_job(self.site, job_id)
        if job is None or job.user_id != self.actor.user_id:
            raise NotFound(f"no export job {job_id[:40]!r} (it may have expired)", field="job")
        if job.stale(self.site.now()):
            return replace(job, state=FAILED, message="the server stopped while it was written")
        return job

    def fhir_export_file(self, job_id: str, kind: str) -> ExportFile:
        """One file of a finished job of the caller's."""
        job = self.fhir_export_job(job_id)
        folder = job_folder(self.site, job.id)
        written = dict(job.output)
        if job.state != DONE or folder is None or kind not in written:
            raise NotFound(f"export job {job_id[:40]!r} has no {kind[:40]!r} file", field="file")
        return ExportFile(folder / "files" / f"{kind}.ndjson", kind)

    def fhir_export_cancel(self, job_id: str) -> None:
        """Cancel a job of the caller's and remove its files (a running one stops soon)."""
        job = self.fhir_export_job(job_id)
        remove_job(self.site, job.id)

    def _own_jobs(self) -> list[ExportJob]:
        root = jobs_root(self.site)
        if not root.is_dir():
            return []
        found = (read_job(self.site, folder.name) for folder in root.iterdir())
        return [j for j in found if j is not None and j.user_id == self.actor.user_id]
