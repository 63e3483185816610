"""Clinical corrections: void a screening, undo an arrival, amend a review — earlier values kept.

Each writes one ``corrections`` row (``service/corrections.py``) holding what was there
before, and moves the referral to where the corrected pathway puts it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from brightline.correction_records import (
    REVIEW_FIELDS,
    ReviewAmendment,
    raise_problems,
    reason_problem,
)
from brightline.errors import InvalidInput
from brightline.identifiers import IdentifierKeys
from brightline.pathway import (
    NO_ACTION_CLOSE_REASON,
    check_amendment,
    check_attendance_undo,
    check_operated_still_recommended,
    check_review,
    check_void,
    status_after_undone_attendance,
)
from brightline.service.corrections import flush_or_stale, keep_correction, stale
from brightline.service.referrals import NOTES_LIMIT, get_referral, icd_code, latest_review
from brightline.store.models import (
    Attendance,
    Correction,
    Person,
    Referral,
    Review,
    Screening,
    Surgery,
)
from brightline.vocabulary import SCREENING_VOIDED


def _person(session: Session, person_id: str) -> Person:
    person = session.get(Person, person_id)
    assert person is not None  # a foreign key
    return person


def _reason(reason: str) -> None:
    why = reason_problem(reason)
    if why is not None:
        raise InvalidInput(why, field="reason")


def referral_held_open(session: Session, referral: Referral) -> bool:
    """Whether any screening that is not voided still holds this referral open.

    The one place that decides it: a referral is held by the screening that opened it and by
    every later screening whose referring findings joined it (``attached_referral_id``).
    """
    holders = select(Screening.id).where(
        or_(Screening.id == referral.screening_id, Screening.attached_referral_id == referral.id),
        Screening.voided_at.is_(None),
    )
    return session.scalar(holders.limit(1)) is not None


def _when(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def void_screening(
    session: Session,
    keys: IdentifierKeys,
    screening: Screening,
    reason: str,
    *,
    made_by: int,
    now: datetime,
    correction_id: str | None = None,
) -> Correction:
    """Void a screening typed in error; its referral closes unless something else holds it."""
    _reason(reason)
    referral = session.scalar(select(Referral).where(Referral.screening_id == screening.id))
    if referral is None and screening.attached_referral_id is not None:
        referral = session.get(Referral, screening.attached_referral_id)  # findings that joined it
    check_void(
        voided=screening.voided_at is not None,
        referral_status=referral.status if referral is not None else None,
    )
    screening.voided_at = now
    session.flush()
    before: dict[str, Any] = {"voided_at": None}
    if referral is not None and not referral_held_open(session, referral):
        before["referral"] = {
            "id": referral.id,
            "status": referral.status,
            "closed_at": _when(referral.closed_at),
            "close_reason": referral.close_reason,
        }
        referral.status, referral.closed_at = "closed", now
        referral.close_reason = SCREENING_VOIDED
    correction = keep_correction(
        session,
        keys,
        _person(session, screening.person_id),
        kind="screening_void",
        record_id=screening.id,
        reason=reason,
        made_by=made_by,
        now=now,
        changed=["voided_at", *(["referral"] if "referral" in before else [])],
        before=before,
        correction_id=correction_id,
    )
    session.flush()
    return correction


def undo_attendance(
    session: Session,
    keys: IdentifierKeys,
    attendance: Attendance,
    reason: str,
    *,
    made_by: int,
    now: datetime,
    window_days: int,
) -> tuple[Correction, Referral]:
    """Take back an arrival recorded in error: the referral waits for care again."""
    _reason(reason)
    referral = get_referral(session, attendance.referral_id)
    operated = session.scalar(select(Surgery.id).where(Surgery.referral_id == referral.id).limit(1))
    check_attendance_undo(
        recorded_at=attendance.recorded_at or attendance.attended_at,
        now=now,
        window_days=window_days,
        operated=operated is not None,
    )
    before = {
        "attended_at": _when(attendance.attended_at),
        "recorded_at": _when(attendance.recorded_at),
        "recorded_by": attendance.recorded_by,
        "facility_id": attendance.facility_id,
        "referral_status": referral.status,
    }
    if referral.status == "attended":
        reviewed = latest_review(session, referral.id) is not None
        referral.status = status_after_undone_attendance(reviewed)
    correction = keep_correction(
        session,
        keys,
        _person(session, referral.person_id),
        kind="attendance_undo",
        record_id=attendance.id,
        reason=reason,
        made_by=made_by,
        now=now,
        changed=["attendance"],
        before=before,
    )
    session.delete(attendance)
    session.flush()
    return correction, referral


def _review_values(review: Review) -> dict[str, Any]:
    eyes = [
        eye for eye, on in (("right", review.surgery_right), ("left", review.surgery_left)) if on
    ]
    values = {name: getattr(review, name) for name in REVIEW_FIELDS if name != "surgery_eyes"}
    return {**values, "surgery_eyes": eyes}


def _amended_values(current: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """The review's values after the amendment, each checked; every problem at once."""
    problems: dict[str, str] = {}
    values = dict(current)
    for name, value in changes.items():
        if name not in REVIEW_FIELDS:
            problems[name] = f"not a field of a review; amend one of: {', '.join(REVIEW_FIELDS)}"
            continue
        try:
            if name.endswith(("icd10", "icd11")):
                value = icd_code(name, value)
            elif name == "notes" and value is not None and len(value) > NOTES_LIMIT:
                raise InvalidInput(f"write at most {NOTES_LIMIT} characters of notes", field=name)
            elif name == "surgery_eyes":
                value = sorted(set(value or ()))
        except InvalidInput as error:
            problems[name] = error.message
            continue
        values[name] = value
    raise_problems(problems)
    return values


def amend_review(
    session: Session,
    keys: IdentifierKeys,
    review: Review,
    amendment: ReviewAmendment,
    *,
    made_by: int,
    now: datetime,
) -> Correction:
    """Change a review in place, keeping its earlier values; the referral follows the new
    recommendation ('no action' closes it, anything else reopens one it had closed)."""
    referral = get_referral(session, review.referral_id)
    latest = latest_review(session, referral.id)
    check_amendment(
        referral_status=referral.status,
        close_reason=referral.close_reason,
        latest=latest is not None and latest.id == review.id,
    )
    problems: dict[str, str] = {}
    why = reason_problem(amendment.reason)
    if why is not None:
        problems["reason"] = why
    try:
        current = _review_values(review)
        values = _amended_values(current, amendment.changes)
    except InvalidInput as error:
        problems.update(getattr(error, "problems", {error.field or "form": error.message}))
    raise_problems(problems)
    if amendment.version != review.version:
        raise stale("review", review.version, amendment.version)
    decision = check_review(
        "reviewed", values["recommendation"], values["surgery_eyes"], values["urgency"]
    )
    operated = session.scalars(select(Surgery.eye).where(Surgery.review_id == review.id))
    check_operated_still_recommended(decision.recommendation, decision.surgery_eyes, list(operated))
    values["surgery_eyes"] = sorted(decision.surgery_eyes)
    changed = [name for name in REVIEW_FIELDS if values[name] != current[name]]
    if not changed:
        raise InvalidInput(
            "nothing to amend: every value given is the one already recorded", field="form"
        )
    before: dict[str, Any] = {name: current[name] for name in changed}
    before["referral_status"] = referral.status
    correction = keep_correction(
        session,
        keys,
        _person(session, review.person_id),
        kind="review_amend",
        record_id=review.id,
        reason=amendment.reason,
        made_by=made_by,
        now=now,
        changed=changed,
        before=before,
    )
    for name in changed:
        if name != "surgery_eyes":
            setattr(review, name, values[name])
    review.surgery_right = "right" in decision.surgery_eyes
    review.surgery_left = "left" in decision.surgery_eyes
    _follow_recommendation(session, referral, decision.recommendation, now)
    flush_or_stale(session, "review", amendment.version)
    return correction


def _follow_recommendation(
    session: Session, referral: Referral, recommendation: str, now: datetime
) -> None:
    """Move the referral to where its amended latest review puts it."""
    if recommendation == "no_action":
        if referral.status != "closed":
            referral.status, referral.closed_at = "closed", now
            referral.close_reason = NO_ACTION_CLOSE_REASON
        return
    if referral.status == "closed":  # closed by this review's earlier 'no action'
        arrived = session.scalar(select(Attendance.id).where(Attendance.referral_id == referral.id))
        referral.status = "attended" if arrived is not None else "reviewed"
        referral.closed_at = referral.close_reason = None
