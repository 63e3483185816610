"""Cataract surgery per eye and its follow-up visual acuity and outcome."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from brightline.acuity import outcome_category
from brightline.errors import InvalidInput, NotFound
from brightline.pathway import check_follow_up, check_surgery
from brightline.problems import Problems, problem
from brightline.records import FollowUpInput, SurgeryInput, parse_va_field
from brightline.service.claims import claim_id
from brightline.service.referrals import get_referral, latest_review
from brightline.service.theatre import check_surgeon, check_theatre_fields
from brightline.store.models import Attendance, FollowUp, Surgery

MAX_COMPLICATIONS_LENGTH = 200
BCVA_SLACK = 10
"""Best-corrected VA may read up to 0.10 logMAR (one line, test-retest) worse than presenting."""


def record_surgery(session: Session, surgery: SurgeryInput, *, today: date) -> Surgery:
    """Store an operation if the pathway allows it on this eye now."""
    referral = get_referral(session, surgery.referral_id)
    review = latest_review(session, referral.id)
    recommended = None
    if review is not None and review.recommendation == "surgery":
        recommended = frozenset(
            eye
            for eye, wanted in (("right", review.surgery_right), ("left", review.surgery_left))
            if wanted
        )
    attendance = session.scalar(select(Attendance).where(Attendance.referral_id == referral.id))
    operated = set(
        session.scalars(select(Surgery.eye).where(Surgery.person_id == referral.person_id))
    )
    codes, note = check_theatre_fields(surgery)
    check_surgery(
        eye=surgery.eye,
        technique=surgery.technique,
        operated_on=surgery.operated_on,
        referral_status=referral.status,
        attended_on=attendance.attended_at.date() if attendance else None,
        recommended_eyes=recommended,
        operated_eyes=operated,
        today=today,
    )
    assert review is not None and surgery.facility_id is not None
    if surgery.surgeon_id is not None:
        check_surgeon(session, surgery.surgeon_id, surgery.facility_id)
    record = Surgery(
        id=claim_id(session, Surgery, surgery.id),
        person_id=referral.person_id,
        referral_id=referral.id,
        review_id=review.id,
        eye=surgery.eye,
        operated_on=surgery.operated_on,
        technique=surgery.technique,
        iol=surgery.iol,
        iol_power=surgery.iol_power,
        iol_position=surgery.iol_position,
        anaesthesia=surgery.anaesthesia,
        complication_codes=codes,
        complication_note=note,
        facility_id=surgery.facility_id,
        surgeon_id=surgery.surgeon_id,
        recorded_by=surgery.recorded_by,
    )
    session.add(record)
    session.flush()
    return record


def record_follow_up(
    session: Session,
    follow_up: FollowUpInput,
    *,
    today: date,
    good_outcome: str = "6/18",
    window_days: tuple[int, int] = (28, 84),
) -> FollowUp:
    """Store follow-up VA of an operated eye with its outcome category, flagged when outside
    the programme's follow-up window (``window_days`` after surgery, inclusive).

    WHO/PBL/98.68: good ≥ 6/18, borderline ≥ 6/60, poor < 6/60 (presenting and best corrected).
    """
    surgery = session.get(Surgery, follow_up.surgery_id)
    if surgery is None:
        raise NotFound(f"no surgery {follow_up.surgery_id!r}", field="surgery_id")
    days = check_follow_up(surgery.operated_on, follow_up.examined_on, today)
    presenting = parse_va_field("presenting_va", follow_up.presenting_va)
    if presenting is None:
        raise InvalidInput("presenting VA is required at follow-up", field="presenting_va")
    best = parse_va_field("best_corrected_va", follow_up.best_corrected_va)
    if best is not None and best.logmar_hundredths - presenting.logmar_hundredths > BCVA_SLACK:
        # Correction cannot make vision worse; beyond one chart line it is a mis-entry.
        raise Problems(
            [
                problem(
                    "best_corrected_va",
                    "bcva_worse",
                    bcva=best.snellen_metric,
                    va=presenting.snellen_metric,
                )
            ]
        )
    record = FollowUp(
        id=claim_id(session, FollowUp, follow_up.id),
        surgery_id=surgery.id,
        examined_on=follow_up.examined_on,
        days_after_surgery=days,
        presenting_va=presenting.snellen_metric,
        presenting_logmar=presenting.logmar,
        best_corrected_va=best.snellen_metric if best else None,
        best_corrected_logmar=best.logmar if best else None,
        outcome_presenting=outcome_category(presenting, good_outcome),
        outcome_best_corrected=outcome_category(best, good_outcome) if best else None,
        recorded_by=follow_up.recorded_by,
        within_window=window_days[0] <= days <= window_days[1],
    )
    session.add(record)
    session.flush()
    return record
