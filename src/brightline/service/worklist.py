"""The clinic's follow-up worklist: referred people who have not attended, to phone or visit.

An entry is a referral from the clinic still open or reviewed N days after it was made
(programme file, ``[worklist] not_attended_days``). A person who said they will attend on a
date leaves the list until that date has passed; the outcomes that end a referral (declined,
moved, died, attended elsewhere) close it, so it leaves for good (docs/pathway.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session, aliased

from brightline.contact_records import WorklistFilter
from brightline.errors import one_of
from brightline.pathway import OPEN_STATUSES
from brightline.store.models import ContactAttempt, Person, Referral
from brightline.vocabulary import NOT_TRIED, WORKLIST_OUTCOMES, ContactOutcome


@dataclass(frozen=True)
class WorklistEntry:
    """A referred person who has not attended, and the clinic's latest attempt to reach them."""

    referral: Referral
    person: Person
    days_waiting: int
    last_attempt: ContactAttempt | None = None
    attempts: int = 0


def _worklist_query(
    clinic_id: int, cutoff: datetime, today: date, shown: WorklistFilter
) -> Select[Any]:
    latest_id = (
        select(ContactAttempt.id)
        .where(ContactAttempt.referral_id == Referral.id)
        .order_by(ContactAttempt.attempted_at.desc(), ContactAttempt.id.desc())
        .limit(1)
        .correlate(Referral)
        .scalar_subquery()
    )
    attempts = (
        select(func.count(ContactAttempt.id))
        .where(ContactAttempt.referral_id == Referral.id)
        .correlate(Referral)
        .scalar_subquery()
    )
    last = aliased(ContactAttempt)
    query = (
        select(Referral, Person, last, attempts.label("attempts"))
        .join(Person, Person.id == Referral.person_id)
        .outerjoin(last, last.id == latest_id)
        .where(
            Referral.from_facility_id == clinic_id,
            Referral.status.in_(OPEN_STATUSES),
            Referral.referred_at <= cutoff,
            Person.erased_at.is_(None),
            # Someone who will attend on a date is off the list until that day has passed.
            or_(
                last.id.is_(None),
                last.outcome != ContactOutcome.WILL_ATTEND.value,
                last.will_attend_on < today,
            ),
        )
    )
    if shown.outcome is not None:
        one_of("outcome", shown.outcome, WORKLIST_OUTCOMES)
        if shown.outcome == NOT_TRIED:
            query = query.where(last.id.is_(None))
        else:
            query = query.where(last.outcome == shown.outcome)
    return query


def follow_up_worklist(
    session: Session,
    clinic_id: int,
    *,
    not_attended_days: int,
    now: datetime,
    limit: int | None = None,
    offset: int = 0,
    shown: WorklistFilter | None = None,
) -> list[WorklistEntry]:
    """Referrals from ``clinic_id`` still not attended after N days, longest waiting first
    (or shortest first), filtered by the latest contact attempt's outcome."""
    shown = shown or WorklistFilter()
    query = _worklist_query(clinic_id, now - timedelta(days=not_attended_days), now.date(), shown)
    if shown.longest_first:
        query = query.order_by(Referral.referred_at, Referral.id)
    else:
        query = query.order_by(Referral.referred_at.desc(), Referral.id.desc())
    rows = session.execute(query.offset(offset).limit(limit))
    return [
        WorklistEntry(r, p, (now - r.referred_at).days, last, int(n or 0)) for r, p, last, n in rows
    ]


def follow_up_worklist_size(
    session: Session,
    clinic_id: int,
    *,
    not_attended_days: int,
    now: datetime,
    shown: WorklistFilter | None = None,
) -> int:
    """How many people are on a clinic's follow-up worklist (with the same filter)."""
    query = _worklist_query(
        clinic_id, now - timedelta(days=not_attended_days), now.date(), shown or WorklistFilter()
    ).subquery()
    return int(session.scalar(select(func.count()).select_from(query)) or 0)
