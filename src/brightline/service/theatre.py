"""The theatre record's own rules: operating surgeon, IOL, anaesthesia, coded complications,
an eye not operated with its reason, and the centre's appointment date for a referral."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from brightline.errors import InvalidInput, TransitionRefused, one_of
from brightline.problems import day_problem, raise_if_any
from brightline.records import SurgeryInput
from brightline.service.claims import claim_id
from brightline.service.referrals import get_referral, latest_review
from brightline.store.models import Attendance, NotOperated, Surgery, User
from brightline.theatre_records import NOTE_LIMIT, NotOperatedInput
from brightline.vocabulary import (
    IOL_POWER_DIOPTRES,
    IOL_POWER_STEP,
    OPEN_REFERRAL_STATUSES,
    Anaesthesia,
    Complication,
    Eye,
    IolPosition,
    NotOperatedReason,
    ReferralStatus,
    Role,
    values,
)

COMPLICATIONS = values(Complication)
# An appointment is given for the coming weeks; a year ahead is far past any real list.
APPOINTMENT_AHEAD_DAYS = 366


def centre_surgeons(session: Session, centre_id: int) -> list[User]:
    """The active surgical-centre accounts of a centre: who a record may name as surgeon."""
    return list(
        session.scalars(
            select(User)
            .where(User.facility_id == centre_id, User.role == Role.SURGEON, User.active)
            .order_by(User.username)
        )
    )


def check_surgeon(session: Session, surgeon_id: int, centre_id: int) -> None:
    """The operating surgeon must be an active surgeon account of the operating centre."""
    surgeon = session.get(User, surgeon_id)
    if (
        surgeon is None
        or surgeon.facility_id != centre_id
        or surgeon.role != Role.SURGEON
        or not surgeon.active
    ):
        raise InvalidInput(
            "choose the operating surgeon from this centre's surgeons", field="surgeon_id"
        )


def _note(field: str, words: str, *, wanted: bool, what: str) -> str:
    """Words that go with an "other" choice: required with it, refused without it."""
    words = words.strip()
    if len(words) > NOTE_LIMIT:
        raise InvalidInput(f"write at most {NOTE_LIMIT} characters", field=field)
    if wanted and not words:
        raise InvalidInput(f"say in words what the other {what} was", field=field)
    if words and not wanted:
        raise InvalidInput(f"words are only for an 'other' {what}; choose 'other'", field=field)
    return words


def coded_complications(codes: tuple[str, ...], note: str) -> tuple[str, str]:
    """The complications as stored: known codes in vocabulary order, and the 'other' words."""
    for code in codes:
        one_of("complications", code, COMPLICATIONS)
    chosen = [code for code in COMPLICATIONS if code in codes]
    words = _note("complication_note", note, wanted="other" in chosen, what="complication")
    return ",".join(chosen), words


def check_iol(iol: bool, power: float | None, position: str | None) -> None:
    """An IOL's power (dioptres, bounded, in 0.25 D steps) and position, only if implanted."""
    if not iol:
        for field, given in (("iol_power", power), ("iol_position", position)):
            if given is not None:
                raise InvalidInput("no lens was implanted; leave this empty", field=field)
        return
    if position is not None:
        one_of("iol_position", position, values(IolPosition))
    if power is None:
        return
    low, high = IOL_POWER_DIOPTRES
    if not low <= power <= high or (power / IOL_POWER_STEP) % 1:
        raise InvalidInput(
            f"{power:g} D is not an IOL power; use {low:+g} to {high:+g} D "
            f"in steps of {IOL_POWER_STEP:g} D",
            field="iol_power",
        )


def check_theatre_fields(surgery: SurgeryInput) -> tuple[str, str]:
    """Check the theatre register's fields of an operation; the stored complications."""
    if surgery.anaesthesia is not None:
        one_of("anaesthesia", surgery.anaesthesia, values(Anaesthesia))
    check_iol(surgery.iol, surgery.iol_power, surgery.iol_position)
    return coded_complications(surgery.complications, surgery.complication_note)


def record_not_operated(session: Session, entry: NotOperatedInput, *, today: date) -> NotOperated:
    """A patient who came for an operation on an eye recommended for it, not operated."""
    referral = get_referral(session, entry.referral_id)
    one_of("eye", entry.eye, values(Eye))
    one_of("reason", entry.reason, values(NotOperatedReason))
    note = _note("note", entry.note, wanted=entry.reason == "other", what="reason")
    review = latest_review(session, referral.id)
    recommended = (
        review is not None
        and review.recommendation == "surgery"
        and (review.surgery_right if entry.eye == "right" else review.surgery_left)
    )
    if not recommended:
        raise TransitionRefused(f"no review recommends surgery on the {entry.eye} eye", field="eye")
    attendance = session.scalar(select(Attendance).where(Attendance.referral_id == referral.id))
    if referral.status != ReferralStatus.ATTENDED or attendance is None:
        raise TransitionRefused(
            "record the person's arrival at the surgical centre first", field="referral_id"
        )
    operated = session.scalar(
        select(Surgery.id).where(Surgery.person_id == referral.person_id, Surgery.eye == entry.eye)
    )
    if operated is not None:
        raise TransitionRefused(f"the {entry.eye} eye is already operated", field="eye")
    # The same coded bound as every other pathway date: 1900-01-01 to tomorrow.
    raise_if_any(p for p in [day_problem("decided_on", entry.decided_on, today)] if p)
    if entry.decided_on > today:
        raise TransitionRefused(f"{entry.decided_on} is in the future", field="decided_on")
    assert entry.facility_id is not None  # the access layer fills in the caller's centre
    record = NotOperated(
        id=claim_id(session, NotOperated, entry.id),
        person_id=referral.person_id,
        referral_id=referral.id,
        eye=entry.eye,
        decided_on=entry.decided_on,
        reason=entry.reason,
        note=note,
        facility_id=entry.facility_id,
        recorded_by=entry.recorded_by,
    )
    session.add(record)
    session.flush()
    return record


def not_operated_of(session: Session, referral_id: str) -> list[NotOperated]:
    """The eyes of a referral that were not operated, oldest first."""
    return list(
        session.scalars(
            select(NotOperated)
            .where(NotOperated.referral_id == referral_id)
            .order_by(NotOperated.decided_on, NotOperated.id)
        )
    )


def set_appointment(session: Session, referral_id: str, day: date | None, *, today: date) -> None:
    """The day the centre expects a referred patient (None: no date); not in the past."""
    referral = get_referral(session, referral_id)
    if referral.status not in OPEN_REFERRAL_STATUSES:
        raise TransitionRefused(
            "the patient has arrived or the referral is closed; no appointment is needed",
            field="appointment_on",
        )
    last = today + timedelta(days=APPOINTMENT_AHEAD_DAYS)
    if day is not None and not today <= day <= last:
        raise InvalidInput(
            f"{day} is not a day to give; give a day from {today} to {last}",
            field="appointment_on",
        )
    referral.appointment_on = day
    session.flush()
