"""The queries behind FHIR: one person's chart, every chart streamed, the owner of a resource.

Nothing here decides who may see what (the access layer does). Charts hold pseudonymous
views only: the columns read are those of the frozen views, never an identifier. The stream
reads each table once, ordered by person, with server-side cursors (``yield_per``), and joins
them as it goes, so the export's memory stays flat however many people there are.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import fields
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from brightline.fhir.audit import AuditEntryView
from brightline.fhir.chart import Directory, PersonChart
from brightline.records import (
    AttendanceRecord,
    FacilityRecord,
    FollowUpRecord,
    PersonRecord,
    ReferralRecord,
    RegionRecord,
    ReviewRecord,
    ScreeningRecord,
    SurgeryRecord,
)
from brightline.store.models import (
    Attendance,
    AuditEntry,
    Facility,
    FollowUp,
    Person,
    Referral,
    Region,
    Review,
    Screening,
    Surgery,
)

# Rows fetched per round trip while streaming.
STREAM_BATCH = 2_000
ID_LENGTH = 36


def _columns(model: Any, view: type[Any]) -> list[Any]:
    return [getattr(model, f.name) for f in fields(view)]


def directory(session: Session) -> Directory:
    """Every region and facility."""
    regions = {
        row.id: RegionRecord(**row._mapping)
        for row in session.execute(select(*_columns(Region, RegionRecord)))
    }
    facilities = {
        row.id: FacilityRecord(**row._mapping)
        for row in session.execute(select(*_columns(Facility, FacilityRecord)))
    }
    return Directory(regions, facilities)


# (view, query keyed by person) of every part of a chart, ordered by person then time.
_PERSON = select(*_columns(Person, PersonRecord), Person.pseudonym, Person.updated_at)
_PARTS: dict[str, tuple[type[Any], Select[Any]]] = {
    "screenings": (
        ScreeningRecord,
        select(*_columns(Screening, ScreeningRecord)).order_by(
            Screening.person_id, Screening.screened_at, Screening.id
        ),
    ),
    "referrals": (
        ReferralRecord,
        select(*_columns(Referral, ReferralRecord)).order_by(
            Referral.person_id, Referral.referred_at, Referral.id
        ),
    ),
    "reviews": (
        ReviewRecord,
        select(*_columns(Review, ReviewRecord)).order_by(
            Review.person_id, Review.reviewed_at, Review.id
        ),
    ),
    "attendances": (
        AttendanceRecord,
        select(*_columns(Attendance, AttendanceRecord), Referral.person_id)
        .join(Referral, Referral.id == Attendance.referral_id)
        .order_by(Referral.person_id, Attendance.attended_at, Attendance.id),
    ),
    "surgeries": (
        SurgeryRecord,
        select(*_columns(Surgery, SurgeryRecord)).order_by(
            Surgery.person_id, Surgery.operated_on, Surgery.id
        ),
    ),
    "follow_ups": (
        FollowUpRecord,
        select(*_columns(FollowUp, FollowUpRecord), Surgery.person_id)
        .join(Surgery, Surgery.id == FollowUp.surgery_id)
        .order_by(Surgery.person_id, FollowUp.examined_on, FollowUp.id),
    ),
}
_PERSON_OF = {
    "screenings": Screening.person_id,
    "referrals": Referral.person_id,
    "reviews": Review.person_id,
    "attendances": Referral.person_id,
    "surgeries": Surgery.person_id,
    "follow_ups": Surgery.person_id,
}


_NAMES: dict[type[Any], tuple[str, ...]] = {}


def _view(view: type[Any], mapping: Any) -> Any:
    names = _NAMES.get(view)
    if names is None:
        names = _NAMES[view] = tuple(f.name for f in fields(view))
    return view(*(mapping[name] for name in names))


def _chart(person: Any, parts: dict[str, list[Any]]) -> PersonChart:
    mapping = person._mapping
    return PersonChart(
        _view(PersonRecord, mapping),
        mapping["pseudonym"],
        mapping["updated_at"] or mapping["created_at"],
        **{name: tuple(parts.get(name, ())) for name in _PARTS},
    )


def chart_of(session: Session, person_id: str) -> PersonChart | None:
    """One person's chart, or None: one statement per part, however long the history."""
    person = session.execute(_PERSON.where(Person.id == person_id)).first()
    if person is None:
        return None
    parts = {}
    for name, (view, query) in _PARTS.items():
        rows = session.execute(query.where(_PERSON_OF[name] == person_id))
        parts[name] = [_view(view, row._mapping) for row in rows]
    return _chart(person, parts)


class _Stream:
    """One part's rows, ordered by person, consumed person by person."""

    def __init__(self, session: Session, view: type[Any], query: Select[Any]) -> None:
        rows = session.execute(query.execution_options(yield_per=STREAM_BATCH))
        # Rows as plain tuples, read by position: the query selects the view's fields first,
        # in order, so a view is built from a slice (a mapping per row cost a sixth of the
        # read).
        self.width = len(fields(view))
        self.owner = list(rows.keys()).index("person_id")
        self.rows = iter(rows)
        self.view = view
        self.head: tuple[Any, ...] | None = next(self.rows, None)

    def take(self, person_id: str) -> list[Any]:
        """The rows of ``person_id`` if they come next (every part is in the people's order)."""
        found = []
        view, width, owner = self.view, self.width, self.owner
        head = self.head
        while head is not None and head[owner] == person_id:
            found.append(view(*head[:width]))
            head = next(self.rows, None)
        self.head = head
        return found


def stream_charts(session: Session) -> Iterator[PersonChart]:
    """Every person's chart in the order of their ids, each table read once."""
    streams = {name: _Stream(session, view, q) for name, (view, q) in _PARTS.items()}
    people = session.execute(_PERSON.order_by(Person.id).execution_options(yield_per=STREAM_BATCH))
    for person in people:
        person_id = person._mapping["id"]
        yield _chart(person, {name: s.take(person_id) for name, s in streams.items()})


def people_count(session: Session) -> int:
    """How many people the store holds (the export's progress bar)."""
    return session.scalar(select(func.count()).select_from(Person)) or 0


def person_of_resource(session: Session, kind: str, fhir_id: str) -> str | None:
    """The person a resource id belongs to (ids start with their record's UUID), or None."""
    base = fhir_id[:ID_LENGTH]
    if kind == "Patient":
        return session.scalar(select(Person.id).where(Person.id == fhir_id))
    if kind in ("ServiceRequest", "Task"):
        return session.scalar(select(Referral.person_id).where(Referral.id == base))
    if kind == "Encounter":
        return session.scalar(
            select(Referral.person_id)
            .join(Attendance, Attendance.referral_id == Referral.id)
            .where(Attendance.id == base)
        )
    if kind == "Procedure":
        return session.scalar(select(Surgery.person_id).where(Surgery.id == base))
    if kind == "Condition" and fhir_id.endswith("-vi"):
        return session.scalar(select(Screening.person_id).where(Screening.id == base))
    if kind == "Condition":
        return session.scalar(select(Review.person_id).where(Review.id == base))
    if kind == "Observation":
        owner = session.scalar(select(Screening.person_id).where(Screening.id == base))
        if owner is not None:
            return owner
        return session.scalar(
            select(Surgery.person_id)
            .join(FollowUp, FollowUp.surgery_id == Surgery.id)
            .where(FollowUp.id == base)
        )
    return None


_AUDIT = select(
    AuditEntry.position,
    AuditEntry.at,
    AuditEntry.actor,
    AuditEntry.role,
    AuditEntry.action,
    AuditEntry.record,
    AuditEntry.purpose,
    AuditEntry.outcome,
)


def audit_entries(
    session: Session,
    *,
    position: int | None,
    after: datetime | None,
    before: datetime | None,
    limit: int,
    offset: int,
) -> tuple[int, list[AuditEntryView]]:
    """One page of audit entries, newest first, and how many match (metadata only)."""
    conditions = []
    if position is not None:
        conditions.append(AuditEntry.position == position)
    if after is not None:
        conditions.append(AuditEntry.at >= after)
    if before is not None:
        conditions.append(AuditEntry.at < before)
    total = session.scalar(select(func.count()).select_from(AuditEntry).where(*conditions)) or 0
    rows = session.execute(
        _AUDIT.where(*conditions).order_by(AuditEntry.position.desc()).limit(limit).offset(offset)
    )
    return total, [AuditEntryView(**row._mapping) for row in rows]
