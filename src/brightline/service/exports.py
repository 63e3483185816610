"""Export requests in the store, and the people an identified export holds.

A request is decided once, by someone other than its requester; an approved identified
export must be produced before it expires, and is produced once.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from brightline.disclosure_records import ExportAsk
from brightline.errors import Conflict, Forbidden, InvalidInput
from brightline.store.disclosure_models import ExportRequest
from brightline.store.models import Facility, Person, Region
from brightline.vocabulary import ExportKind, ExportStatus


def file_request(
    session: Session, kind: str, ask: ExportAsk, *, requested_by: int, now: datetime
) -> ExportRequest:
    """Store a request after checking that it names a recipient and a purpose."""
    recipient, purpose = ask.recipient.strip(), ask.purpose.strip()
    if not 1 <= len(recipient) <= 200:
        raise InvalidInput("name who receives the export (1 to 200 characters)", field="recipient")
    if not 10 <= len(purpose) <= 2000:
        raise InvalidInput(
            "state the purpose in 10 to 2,000 characters (what the data is for)", field="purpose"
        )
    if ask.start and ask.end and ask.end <= ask.start:
        raise InvalidInput("'to' is the first day after the period, after 'from'", field="to")
    request = ExportRequest(
        kind=kind,
        status=ExportStatus.REQUESTED.value,
        recipient=recipient,
        purpose=purpose,
        region_code=ask.region_code,
        period_start=ask.start,
        period_end=ask.end,
        variables=json.dumps(list(ask.variables)),
        requested_by=requested_by,
        requested_at=now,
    )
    session.add(request)
    session.flush()
    return request


def decide_request(
    session: Session,
    request: ExportRequest,
    *,
    approve: bool,
    decided_by: int,
    now: datetime,
    note: str | None,
    valid_hours: int,
) -> ExportRequest:
    """Approve (valid for ``valid_hours``) or refuse, once, never one's own request."""
    if request.status != ExportStatus.REQUESTED:
        raise Conflict(f"export request {request.id} is already {request.status}", field="id")
    if request.requested_by == decided_by:
        raise Forbidden("an export is approved by someone other than the one who asked for it")
    request.status = (ExportStatus.APPROVED if approve else ExportStatus.REFUSED).value
    request.decided_by, request.decided_at, request.decision_note = decided_by, now, note
    if approve:
        request.expires_at = now + timedelta(hours=valid_hours)
    session.flush()
    return request


def ready_to_produce(request: ExportRequest, *, by: int, now: datetime) -> None:
    """Refuse producing an export that is not approved, expired, produced or not one's own."""
    if request.requested_by != by:
        raise Forbidden("only the requester may produce an approved export")
    if request.status != ExportStatus.APPROVED:
        raise Conflict(f"export request {request.id} is {request.status}, not approved", field="id")
    if request.expires_at is not None and request.expires_at <= now:
        raise Conflict(
            f"the approval of export request {request.id} expired at "
            f"{request.expires_at:%Y-%m-%d %H:%M} UTC; ask again",
            field="id",
        )


def mark_produced(
    session: Session, request: ExportRequest, *, people: int, suppressed: int, now: datetime
) -> None:
    """Record that the export was written, and how many people it holds."""
    request.status = ExportStatus.PRODUCED.value
    request.produced_at, request.people, request.suppressed = now, people, suppressed
    session.flush()


def requests(session: Session) -> list[ExportRequest]:
    """Every export request, newest first."""
    return list(session.scalars(select(ExportRequest).order_by(ExportRequest.requested_at.desc())))


def people_registered_in(
    session: Session, region_path: str | None
) -> Sequence[tuple[Person, str, str]]:
    """People living in a region subtree with their township and registering facility codes."""
    query = (
        select(Person, Region.code, Facility.code)
        .join(Region, Region.id == Person.region_id)
        .join(Facility, Facility.id == Person.facility_id)
        .where(Person.erased_at.is_(None))
        .order_by(Person.id)
    )
    if region_path:
        query = query.where(Region.path.startswith(region_path))
    return [(p, r, f) for p, r, f in session.execute(query)]


IDENTIFIED = ExportKind.IDENTIFIED.value
RESEARCH = ExportKind.RESEARCH.value
