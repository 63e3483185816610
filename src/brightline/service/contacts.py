"""Contact attempts on the follow-up worklist: recorded, and the referral closed when they end it.

An attempt that finds the person declines, moved, died or attended elsewhere closes the
referral with that outcome as its reason (docs/pathway.md); the words of an "other" reason to
decline are sealed under the person's data key, like their identifiers.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from brightline.contact_records import ContactAttemptInput, ContactAttemptRecord
from brightline.identifiers import IdentifierKeys, open_person_key
from brightline.pathway import check_contact_attempt
from brightline.service.people import reveal_fields
from brightline.service.referrals import get_referral
from brightline.store.models import ContactAttempt, Person, User, new_id
from brightline.vocabulary import CLOSING_CONTACT_OUTCOMES, ReferralStatus


def _note_field(attempt_id: str) -> str:
    """The sealed field's name binds the words to this one attempt (AES-GCM associated data)."""
    return f"contact_note:{attempt_id}"


def record_contact_attempt(
    session: Session,
    keys: IdentifierKeys,
    attempt: ContactAttemptInput,
    *,
    attempted_at: datetime,
    attempted_by: int | None,
    today: date,
) -> ContactAttempt:
    """Store one attempt to reach a referred person; a closing outcome closes the referral."""
    referral = get_referral(session, attempt.referral_id)
    note = attempt.note.strip() if attempt.note and attempt.note.strip() else None
    check_contact_attempt(
        referral_status=referral.status,
        outcome=attempt.outcome,
        decline_reason=attempt.decline_reason,
        note=note,
        will_attend_on=attempt.will_attend_on,
        attempted_on=attempted_at.date(),
        referred_on=referral.referred_at.date(),
        today=today,
    )
    attempt_id = new_id()
    note_ct = None
    person = session.get(Person, referral.person_id)
    if note is not None and person is not None and person.data_key is not None:
        person_key = open_person_key(keys, person.id, person.data_key)
        note_ct = person_key.seal(_note_field(attempt_id), note)
    record = ContactAttempt(
        id=attempt_id,
        referral_id=referral.id,
        person_id=referral.person_id,
        attempted_at=attempted_at,
        attempted_by=attempted_by,
        outcome=attempt.outcome,
        decline_reason=attempt.decline_reason,
        note_ct=note_ct,
        will_attend_on=attempt.will_attend_on,
    )
    session.add(record)
    if attempt.outcome in CLOSING_CONTACT_OUTCOMES:
        referral.status = ReferralStatus.CLOSED.value
        referral.close_reason = attempt.outcome
        referral.closed_at = attempted_at
    session.flush()
    return record


def contact_attempts_of(
    session: Session, keys: IdentifierKeys, referral_id: str
) -> list[ContactAttemptRecord]:
    """The attempts to reach the person of a referral, oldest first, with who made them."""
    rows = session.execute(
        select(ContactAttempt, User.username, Person.data_key)
        .join(Person, Person.id == ContactAttempt.person_id)
        .outerjoin(User, User.id == ContactAttempt.attempted_by)
        .where(ContactAttempt.referral_id == referral_id)
        .order_by(ContactAttempt.attempted_at, ContactAttempt.id)
    )
    attempts = []
    for attempt, username, data_key in rows:
        note = None
        if attempt.note_ct is not None:
            field_name = _note_field(attempt.id)
            opened = reveal_fields(keys, attempt.person_id, data_key, {field_name: attempt.note_ct})
            note = opened[field_name]
        attempts.append(view_of(attempt, username, note))
    return attempts


def view_of(
    attempt: ContactAttempt, username: str | None, note: str | None
) -> ContactAttemptRecord:
    """The frozen view of one stored attempt."""
    return ContactAttemptRecord(
        id=attempt.id,
        referral_id=attempt.referral_id,
        attempted_at=attempt.attempted_at,
        attempted_by=username,
        outcome=attempt.outcome,
        decline_reason=attempt.decline_reason,
        note=note,
        will_attend_on=attempt.will_attend_on,
    )
