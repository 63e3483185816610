"""The demo's recall loop: the clinics' calls and visits to referred people who have not attended.

Each clinic's screener works its follow-up worklist as the product's worklist does: an attempt
is stored by the same service call (``service.contacts.record_contact_attempt``, so the pathway
rules refuse anything out of order) and logged, through the bulk road, as that screener's
``worklist.read`` and ``contact_attempt.create`` at the time it happened. 1-3 attempts per
person, until one ends the referral (declined with a reason after RAAB's barriers, moved,
died, attended elsewhere) or the person promises a day. Parameters: ``demo.model``, documented
with their reasons in docs/demo.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from random import Random
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from brightline.access.bulk import BulkRecorder
from brightline.access.policy import Actor
from brightline.contact_records import ContactAttemptInput
from brightline.demo.model import (
    ATTEMPT_GAP_DAYS,
    ATTEMPT_OUTCOMES,
    ATTEMPTS,
    CONTACT_SHARE,
    DECLINE_REASONS,
    FIRST_CONTACT_DAYS,
    MISSED_PROMISE_DAYS,
    OTHER_REASONS,
    PROMISE_DAYS,
    weighted,
    within_day,
)
from brightline.pathway import OPEN_STATUSES
from brightline.service.contacts import record_contact_attempt
from brightline.store.models import ContactAttempt, Referral
from brightline.vocabulary import CLOSING_CONTACT_OUTCOMES, ContactOutcome, DeclineReason


class ReferredCase(Protocol):
    """What the recall loop needs of a referred person (``build._Referred``)."""

    referral_id: str
    person_id: str
    referred_at: datetime


class Clinics(Protocol):
    """The demo's staff by clinic (``build._Layout``)."""

    staff: dict[str, int]
    actors: dict[str, Actor]
    facility_code: dict[int, str]


def _attempt(rng: Random, referral_id: str, on: date) -> ContactAttemptInput:
    """One call or visit on ``on`` and what it found."""
    outcome = weighted(rng, ATTEMPT_OUTCOMES)
    if outcome == "wrong_number":
        outcome = ContactOutcome.NOT_REACHABLE.value
    reason = weighted(rng, DECLINE_REASONS) if outcome == ContactOutcome.DECLINED else None
    promised = None
    if outcome == ContactOutcome.WILL_ATTEND:
        promised = on + timedelta(days=rng.randint(*PROMISE_DAYS))
    return ContactAttemptInput(
        referral_id=referral_id,
        outcome=outcome,
        decline_reason=reason,
        note=rng.choice(OTHER_REASONS) if reason == DeclineReason.OTHER else None,
        will_attend_on=promised,
        attempted_at=within_day(rng, on),
    )


def contact_non_attenders(
    recorder: BulkRecorder,
    rng: Random,
    clinics: Clinics,
    referred: Sequence[ReferredCase],
    as_of: date,
) -> None:
    """Calls and visits to a share of the people on each clinic's worklist before ``as_of``."""
    session, site = recorder.session, recorder.site
    open_referrals = select(Referral.id, Referral.from_facility_id).where(
        Referral.status.in_(OPEN_STATUSES)
    )
    waiting = {referral_id: clinic for referral_id, clinic in session.execute(open_referrals)}
    after = timedelta(days=site.programme.worklist_not_attended_days)
    for case in referred:
        clinic = waiting.get(case.referral_id)
        if clinic is None or rng.random() >= CONTACT_SHARE:
            continue
        code = clinics.facility_code[clinic]
        screener, staff = clinics.actors[code], clinics.staff[code]
        day = (case.referred_at + after).date() + timedelta(days=rng.randint(*FIRST_CONTACT_DAYS))
        for _ in range(weighted(rng, ATTEMPTS)):
            if day >= as_of:
                break
            attempt = _attempt(rng, case.referral_id, day)
            at = attempt.attempted_at
            assert at is not None
            record_contact_attempt(
                session, site.keys, attempt, attempted_at=at, attempted_by=staff, today=as_of
            )
            opened = at - timedelta(minutes=rng.randrange(1, 5))
            recorder.touched(
                case.person_id, "worklist.read", purpose="follow_up", at=opened, by=screener
            )
            recorder.touched(
                case.person_id, "contact_attempt.create", purpose="follow_up", at=at, by=screener
            )
            if attempt.outcome in CLOSING_CONTACT_OUTCOMES:
                break
            if attempt.will_attend_on is not None:
                day = attempt.will_attend_on + timedelta(days=rng.randint(*MISSED_PROMISE_DAYS))
            else:
                day += timedelta(days=rng.randint(*ATTEMPT_GAP_DAYS))


def recall_counts(session: Session) -> dict[str, int]:
    """Contact attempts stored, in all and by outcome (``contact_<outcome>``)."""
    per_outcome = select(ContactAttempt.outcome, func.count()).group_by(ContactAttempt.outcome)
    by_outcome: dict[str, int] = {outcome: n for outcome, n in session.execute(per_outcome)}
    counts = {"contact_attempts": sum(by_outcome.values())}
    counts |= {f"contact_{o.value}": by_outcome.get(o.value, 0) for o in ContactOutcome}
    return counts
