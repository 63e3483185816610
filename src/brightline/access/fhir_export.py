"""``brightline export fhir``: every person's records as FHIR Bulk Data NDJSON, pseudonymous.

A bulk read, so it runs as a named account (``--as``) that the policy lets export records
(``records.export``: administrators, who already run bulk imports). Each person exported
gets one audit entry (``records.export``, naming that account), so every person's access
report shows the export, as it shows a bulk import.

The read streams (``service.fhir_charts.stream_charts``: server-side cursors, one table read
at a time): memory stays flat in the number of people. It reads through a read-only
connection, so clinics keep writing meanwhile; the audit entries are appended afterwards in
one transaction, and only then do the files appear under ``--out``. A failure leaves no
files and no entries behind.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlencode

import orjson
from sqlalchemy.orm import Session

from brightline.access.policy import decide
from brightline.access.signin import account_actor
from brightline.audit.log import AuditEvent, AuditLog, record_pseudonym
from brightline.audit.tree import checkpoint_if_due
from brightline.errors import Forbidden, InvalidInput
from brightline.fhir.chart import instant
from brightline.fhir.places import directory_resources
from brightline.fhir.resources import PERSON_TYPES, PLACE_TYPES, chart_resources
from brightline.service.fhir_charts import directory, people_count, stream_charts
from brightline.site import Site
from brightline.store.db import READ_ONLY

EXPORT_ACTION = "records.export"
MANIFEST = "manifest.json"
# Audit entries appended per statement: bounded memory, few round trips.
AUDIT_BATCH = 5_000


@dataclass
class ExportReport:
    """What an export wrote: resources per type, people, where, and the manifest."""

    out: Path
    counts: dict[str, int] = field(default_factory=dict)
    people: int = 0
    manifest: dict[str, Any] = field(default_factory=dict)
    # Seconds spent reading and writing the files, and appending the audit entries.
    read_seconds: float = 0.0
    audit_seconds: float = 0.0

    @property
    def resources(self) -> int:
        """Every resource written."""
        return sum(self.counts.values())

    def summary(self) -> str:
        """One line per type and the total, for the terminal."""
        lines = [f"{kind}: {n:,}" for kind, n in self.counts.items()]
        lines.append(
            f"{self.resources:,} resources of {self.people:,} people written to {self.out} "
            f"({MANIFEST}); one audit entry per person exported."
        )
        return "\n".join(lines)


def _refuse_unless_allowed(site: Site, username: str | None) -> Any:
    with site.transaction() as session:
        operator = account_actor(session, username)
    if not decide(operator, EXPORT_ACTION).allowed:
        raise Forbidden(
            f"account {username!r} ({operator.role}) may not export records in bulk; "
            "run the command as an administrator (--as)"
        )
    return operator


def _empty_target(out: Path) -> None:
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InvalidInput(
            f"{out} already exists and is not an empty folder; give a new folder", field="out"
        )


ALL_TYPES = (*PERSON_TYPES, *PLACE_TYPES)


@dataclass(frozen=True)
class ExportAsk:
    """What an export is asked for: resources changed since when, of which types, and the
    purpose of use its audit entries name (none from the command line)."""

    since: datetime | None = None
    types: tuple[str, ...] = ALL_TYPES
    purpose: str | None = None


def _write(
    session: Session,
    files: Mapping[str, IO[bytes]],
    people_file: IO[str],
    since: datetime | None,
    report: ExportReport,
    progress: Callable[[int], None],
) -> None:
    """Write every resource of the types asked (those with a file); note each person exported."""
    after = instant(since) if since is not None else None
    places = directory(session)
    for resource in directory_resources(places):
        if resource["resourceType"] in files:
            _line(files, resource, report)
    people_types = set(files) & set(PERSON_TYPES)
    for chart in stream_charts(session):
        written = 0
        if people_types:
            for resource in chart_resources(chart, places):
                if resource["resourceType"] not in files:
                    continue
                if after is not None and resource["meta"]["lastUpdated"] < after:
                    continue
                _line(files, resource, report)
                written += 1
        if written:
            people_file.write(chart.person.id + "\n")
            report.people += 1
        progress(1)


def _line(files: Mapping[str, IO[bytes]], resource: dict[str, Any], report: ExportReport) -> None:
    kind = resource["resourceType"]
    files[kind].write(orjson.dumps(resource, option=orjson.OPT_APPEND_NEWLINE))
    report.counts[kind] += 1


def _people(path: Path) -> Iterator[list[str]]:
    with path.open(encoding="ascii") as handle:
        batch = []
        for line in handle:
            batch.append(line.strip())
            if len(batch) == AUDIT_BATCH:
                yield batch
                batch = []
        if batch:
            yield batch


def _audit(site: Site, operator: Any, people: Path, purpose: str | None) -> None:
    """One ``records.export`` entry per person exported, all in one transaction."""
    log, at = AuditLog(), site.now()
    with site.transaction() as session:
        for batch in _people(people):
            log.append_many(
                session,
                [
                    AuditEvent(
                        actor=operator.pseudonym,
                        role=operator.role,
                        action=EXPORT_ACTION,
                        record=record_pseudonym(site.keys, person_id),
                        purpose=purpose,
                        outcome="allowed",
                        at=at,
                    )
                    for person_id in batch
                ],
            )


def write_export(
    site: Site,
    operator: Any,
    work: Path,
    ask: ExportAsk,
    progress: Callable[[int, int], Callable[[int], None]] | None = None,
    before_audit: Callable[[], None] | None = None,
) -> ExportReport:
    """Write the NDJSON files asked for into the empty folder ``work``, then one audit entry
    per person exported; the caller moves the folder into place (or removes it on failure).

    The read goes through a read-only connection, so clinics keep writing meanwhile.
    """
    began = time.perf_counter()
    report = ExportReport(work, {kind: 0 for kind in ALL_TYPES if kind in ask.types})
    people = work / "people.tmp"
    with ExitStack() as stack:
        files = {
            kind: stack.enter_context((work / f"{kind}.ndjson").open("wb"))
            for kind in report.counts
        }
        people_file = stack.enter_context(people.open("w", encoding="ascii"))
        connection = stack.enter_context(
            site.engine.connect().execution_options(**{READ_ONLY: True})
        )
        session = stack.enter_context(Session(bind=connection))
        tick = progress(people_count(session), 0) if progress else (lambda _n: None)
        _write(session, files, people_file, ask.since, report, tick)
    report.read_seconds = time.perf_counter() - began
    if before_audit is not None:
        before_audit()  # a cancelled job stops here: nothing logged for a read thrown away
    _audit(site, operator, people, ask.purpose)
    report.audit_seconds = time.perf_counter() - began - report.read_seconds
    people.unlink()
    return report


def export_fhir(
    site: Site,
    out: Path,
    *,
    as_user: str | None = None,
    since: datetime | None = None,
    progress: Callable[[int, int], Callable[[int], None]] | None = None,
) -> ExportReport:
    """Export every person's resources (changed since ``since``) and the places as NDJSON."""
    operator = _refuse_unless_allowed(site, as_user)
    _empty_target(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    started = site.now()
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        report = write_export(site, operator, work, ExportAsk(since=since), progress)
        report.out = out
        report.manifest = _manifest(report, started, since)
        (work / MANIFEST).write_text(json.dumps(report.manifest, indent=1) + "\n", "utf-8")
        if out.exists():
            out.rmdir()
        work.rename(out)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    checkpoint_if_due(site)
    return report


def _manifest(report: ExportReport, started: datetime, since: datetime | None) -> dict[str, Any]:
    """The Bulk Data manifest: when, what was asked, one output file per resource type.

    Bulk Data (HL7 FHIR Bulk Data Access 2.0) wants absolute URLs: with no kick-off request
    (the export is a command), ``request`` is the folder's file:// URL with the ``_since``
    asked, and each output is its file's file:// URL where it was written.
    """
    folder = report.out.resolve().as_uri()
    request = folder + (f"?{urlencode({'_since': instant(since)})}" if since else "")
    return {
        "transactionTime": instant(started),
        "request": request,
        "requiresAccessToken": False,
        "output": [
            {"type": kind, "url": f"{folder}/{kind}.ndjson", "count": n}
            for kind, n in report.counts.items()
        ],
        "error": [],
    }
