"""Referrals after screening: review, attendance and the review queue (the follow-up worklist
is :mod:`brightline.service.worklist`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from brightline import icd
from brightline.errors import NotFound
from brightline.pathway import (
    ReviewDecision,
    check_attendance,
    check_review,
    status_after_review,
)
from brightline.problems import Problem, Problems, order_problem, problem, raise_if_any
from brightline.records import ReviewInput
from brightline.service.claims import claim_id
from brightline.service.review_queue import awaiting_review
from brightline.store.models import Attendance, Referral, Review


def get_referral(session: Session, referral_id: str) -> Referral:
    """The referral with this id, or not found."""
    referral = session.get(Referral, referral_id)
    if referral is None:
        raise NotFound(f"no referral {referral_id!r}", field="referral_id")
    return referral


def icd_code(field: str, code: str | None) -> str | None:
    """An ICD code as stored (trimmed, upper case), refused unless it is on the vendored list
    of eye-relevant codes of its system (``brightline.icd``: WHO ICD-10 2019, ICD-11 MMS)."""
    if code is None or not code.strip():
        return None
    typed = code.strip()
    code = typed.upper()  # WHO writes codes in capitals; compared so, refused as typed
    system = "icd10" if field.endswith("icd10") else "icd11"
    if not icd.is_listed(system, code):
        # Only the start of what was typed is repeated: a form field can hold a megabyte.
        shown = typed if len(typed) <= 16 else typed[:16] + "…"
        raise Problems([problem(field, f"{system}_unknown", text=shown)])
    return code


def _icd_codes(review: ReviewInput, found: list[Problem]) -> dict[str, str | None]:
    """The review's four codes checked at once, each unknown code added to ``found``."""
    checked: dict[str, str | None] = {}
    for field in ("right_icd10", "right_icd11", "left_icd10", "left_icd11"):
        try:
            checked[field] = icd_code(field, getattr(review, field))
        except Problems as exc:
            found.extend(exc.problems)
    return checked


# The most a review's free-text notes may hold, on every road (API, web form, sync).
NOTES_LIMIT = 2000


def _checked_review(
    review: ReviewInput, referral: Referral
) -> tuple[ReviewDecision, dict[str, str | None]]:
    """The review's decision and ICD codes, refused with every problem of the review at once
    (eyes to operate, unknown codes, notes, date), each naming its field."""
    found: list[Problem] = []
    decision: ReviewDecision | None = None
    try:
        decision = check_review(
            referral.status, review.recommendation, review.surgery_eyes, review.urgency
        )
    except Problems as exc:
        found.extend(exc.problems)
    codes = _icd_codes(review, found)
    if review.notes is not None and len(review.notes) > NOTES_LIMIT:
        found.append(problem("notes", "text_too_long", most=str(NOTES_LIMIT)))
    before = order_problem("reviewed_at", review.reviewed_at, "referral", referral.referred_at)
    found.extend([before] if before is not None else [])
    raise_if_any(found)
    assert decision is not None  # check_review raised nothing else, so it decided
    return decision, codes


def record_review(session: Session, review: ReviewInput) -> Review:
    """Store a review and move the referral on (a 'no action' review closes it)."""
    referral = get_referral(session, review.referral_id)
    decision, codes = _checked_review(review, referral)
    record = Review(
        id=claim_id(session, Review, review.id),
        referral_id=referral.id,
        person_id=referral.person_id,
        reviewer_id=review.reviewer_id,
        reviewed_at=review.reviewed_at,
        **codes,
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
    recorded_at: datetime | None = None,
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
        recorded_at=recorded_at,
    )
    session.add(attendance)
    referral.status = "attended"
    session.flush()
    return attendance


def review_queue(
    session: Session, facility_ids: Sequence[int] | None = None, *, limit: int = 100
) -> list[Referral]:
    """Referrals awaiting online review (not sent back to their clinic): urgent, then oldest."""
    urgent_first = case((Referral.priority == "urgent", 0), else_=1)
    query = (
        select(Referral)
        .where(awaiting_review())
        .order_by(urgent_first, Referral.referred_at, Referral.id)
        .limit(limit)
    )
    if facility_ids is not None:
        query = query.where(Referral.to_facility_id.in_(facility_ids))
    return list(session.scalars(query))


def referral_of_screening(session: Session, screening_id: str) -> Referral | None:
    """The referral a screening opened, if its triage referred the person."""
    return session.scalar(select(Referral).where(Referral.screening_id == screening_id))
