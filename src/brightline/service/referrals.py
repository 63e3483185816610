"""Referrals after screening: review, attendance, the review queue and the follow-up worklist."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from brightline import icd
from brightline.errors import InvalidInput, NotFound
from brightline.pathway import (
    OPEN_STATUSES,
    check_attendance,
    check_review,
    status_after_review,
)
from brightline.problems import Problem, Problems, problem, raise_if_any
from brightline.records import ReviewInput
from brightline.service.claims import claim_id
from brightline.store.models import Attendance, Person, Referral, Review


def get_referral(session: Session, referral_id: str) -> Referral:
    """The referral with this id, or not found."""
    referral = session.get(Referral, referral_id)
    if referral is None:
        raise NotFound(f"no referral {referral_id!r}", field="referral_id")
    return referral


def _icd(field: str, code: str | None) -> str | None:
    """An ICD code as stored (trimmed, upper case), refused unless it is on the vendored list
    of eye-relevant codes of its system (``brightline.icd``: WHO ICD-10 2019, ICD-11 MMS)."""
    if code is None or not code.strip():
        return None
    code = code.strip().upper()
    system = "icd10" if field.endswith("icd10") else "icd11"
    if not icd.is_listed(system, code):
        # Only the start of what was typed is repeated: a form field can hold a megabyte.
        shown = code if len(code) <= 16 else code[:16] + "…"
        raise Problems([problem(field, f"{system}_unknown", text=shown)])
    return code


def _icd_codes(review: ReviewInput) -> dict[str, str | None]:
    """The review's four codes checked at once, so one answer names every unknown code."""
    found: list[Problem] = []
    checked: dict[str, str | None] = {}
    for field in ("right_icd10", "right_icd11", "left_icd10", "left_icd11"):
        try:
            checked[field] = _icd(field, getattr(review, field))
        except Problems as exc:
            found.extend(exc.problems)
    raise_if_any(found)
    return checked


# The most a review's free-text notes may hold, on every road (API, web form, sync).
NOTES_LIMIT = 2000


def record_review(session: Session, review: ReviewInput) -> Review:
    """Store a review and move the referral on (a 'no action' review closes it)."""
    referral = get_referral(session, review.referral_id)
    decision = check_review(
        referral.status, review.recommendation, review.surgery_eyes, review.urgency
    )
    if review.notes is not None and len(review.notes) > NOTES_LIMIT:
        raise InvalidInput(f"write at most {NOTES_LIMIT} characters of notes", field="notes")
    if review.reviewed_at < referral.referred_at:
        raise InvalidInput("review date is before the referral", field="reviewed_at")
    record = Review(
        id=claim_id(session, Review, review.id),
        referral_id=referral.id,
        person_id=referral.person_id,
        reviewer_id=review.reviewer_id,
        reviewed_at=review.reviewed_at,
        **_icd_codes(review),
        recommendation=decision.recommendation,
        surgery_right="right" in decision.surgery_eyes,
        surgery_left="left" in decision.surgery_eyes,
        urgency=decision.urgency,
        notes=review.notes,
    )
    session.add(record)
    referral.status, referral.close_reason = status_after_review(
        referral.status, decision.recommendation
    )
    if referral.status == "closed":
        referral.closed_at = review.reviewed_at
    session.flush()
    return record


def latest_review(session: Session, referral_id: str) -> Review | None:
    """The most recent review of a referral (a later review supersedes an earlier one)."""
    return session.scalar(
        select(Review)
        .where(Review.referral_id == referral_id)
        .order_by(Review.reviewed_at.desc(), Review.id.desc())
        .limit(1)
    )


def record_attendance(
    session: Session,
    referral_id: str,
    attended_at: datetime,
    *,
    recorded_by: int | None = None,
    attendance_id: str | None = None,
    today: date | None = None,
) -> Attendance:
    """The referred person arrived at the facility they were referred to (``today`` bounds the
    day: 1900 to tomorrow)."""
    referral = get_referral(session, referral_id)
    check_attendance(referral.status, attended_at, referral.referred_at, today)
    attendance = Attendance(
        id=claim_id(session, Attendance, attendance_id),
        referral_id=referral.id,
        facility_id=referral.to_facility_id,
        attended_at=attended_at,
        recorded_by=recorded_by,
    )
    session.add(attendance)
    referral.status = "attended"
    session.flush()
    return attendance


@dataclass(frozen=True)
class WorklistEntry:
    """A referred person who has not attended: the clinic phones or visits them."""

    referral: Referral
    person: Person
    days_waiting: int


def _worklist_query(clinic_id: int, cutoff: datetime) -> Select[Referral, Person]:
    return (
        select(Referral, Person)
        .join(Person, Person.id == Referral.person_id)
        .where(
            Referral.from_facility_id == clinic_id,
            Referral.status.in_(OPEN_STATUSES),
            Referral.referred_at <= cutoff,
            Person.erased_at.is_(None),
        )
    )


def follow_up_worklist(
    session: Session,
    clinic_id: int,
    *,
    not_attended_days: int,
    now: datetime,
    limit: int | None = None,
    offset: int = 0,
) -> list[WorklistEntry]:
    """Referrals from ``clinic_id`` still not attended after N days, oldest first."""
    query = (
        _worklist_query(clinic_id, now - timedelta(days=not_attended_days))
        .order_by(Referral.referred_at, Referral.id)
        .offset(offset)
        .limit(limit)
    )
    rows = session.execute(query)
    return [WorklistEntry(r, p, (now - r.referred_at).days) for r, p in rows]


def follow_up_worklist_size(
    session: Session, clinic_id: int, *, not_attended_days: int, now: datetime
) -> int:
    """How many people are on a clinic's follow-up worklist."""
    query = _worklist_query(clinic_id, now - timedelta(days=not_attended_days)).subquery()
    return int(session.scalar(select(func.count()).select_from(query)) or 0)


def review_queue(
    session: Session, facility_ids: Sequence[int] | None = None, *, limit: int = 100
) -> list[Referral]:
    """Referrals awaiting online review: urgent first, then oldest first."""
    urgent_first = case((Referral.priority == "urgent", 0), else_=1)
    query = (
        select(Referral)
        .where(Referral.status == "open", Referral.kind.in_(("review", "urgent_review")))
        .order_by(urgent_first, Referral.referred_at, Referral.id)
        .limit(limit)
    )
    if facility_ids is not None:
        query = query.where(Referral.to_facility_id.in_(facility_ids))
    return list(session.scalars(query))


def referral_of_screening(session: Session, screening_id: str) -> Referral | None:
    """The referral a screening opened, if its triage referred the person."""
    return session.scalar(select(Referral).where(Referral.screening_id == screening_id))
