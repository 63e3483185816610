"""The rules of the referral pathway: which step may follow which, as pure functions.

screening → triage → referral → online review → attendance → surgery (per eye) → follow-up;
contact attempts on a referral still waiting (the follow-up worklist).
Each check raises :class:`TransitionRefused` with a message a health worker can act on;
nothing here reads or writes storage, so the same rules serve the CLI, API, sync and import.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from brightline.errors import InvalidInput, TransitionRefused, one_of
from brightline.problems import Problem, day_problem, order_problem, problem, raise_if_any
from brightline.vocabulary import (
    OPEN_REFERRAL_STATUSES,
    ContactOutcome,
    DeclineReason,
    Eye,
    Recommendation,
    Technique,
    Urgency,
    values,
)

EYES = values(Eye)
RECOMMENDATIONS = values(Recommendation)
TECHNIQUES = values(Technique)
URGENCIES = values(Urgency)
OPEN_STATUSES = OPEN_REFERRAL_STATUSES
NO_ACTION_CLOSE_REASON = "no action recommended at review"


@dataclass(frozen=True)
class ReferralPlan:
    """What a triage decision asks for: the kind of referral and its priority."""

    kind: str
    priority: str


def referral_plan(triage_decision: str) -> ReferralPlan | None:
    """The referral a triage decision creates (none for ``none``), as docs/pathway.md describes."""
    plans = {
        "refraction": ReferralPlan("refraction", "routine"),
        "review": ReferralPlan("review", "routine"),
        "urgent_review": ReferralPlan("urgent_review", "urgent"),
    }
    if triage_decision == "none":
        return None
    if triage_decision not in plans:
        raise InvalidInput(f"unknown triage decision {triage_decision!r}", field="triage_decision")
    return plans[triage_decision]


@dataclass(frozen=True)
class ReviewDecision:
    """A validated review outcome: recommendation, eyes to operate, urgency."""

    recommendation: str
    surgery_eyes: frozenset[str]
    urgency: str


def surgery_eyes_problems(recommendation: str, eyes: Collection[str]) -> list[Problem]:
    """The eyes to operate against the recommendation: surgery names at least one eye, any other
    recommendation none (coded ``surgery_eyes_missing`` / ``surgery_eyes_unwanted``)."""
    if recommendation == "surgery" and not eyes:
        return [problem("surgery_eyes", "surgery_eyes_missing")]
    if recommendation != "surgery" and eyes:
        return [problem("surgery_eyes", "surgery_eyes_unwanted")]
    return []


def check_review(
    referral_status: str, recommendation: str, surgery_eyes: Collection[str], urgency: str
) -> ReviewDecision:
    """A review is possible on any referral not closed; surgery must name the eye(s)."""
    one_of("recommendation", recommendation, RECOMMENDATIONS)
    one_of("urgency", urgency, URGENCIES)
    eyes = frozenset(surgery_eyes)
    for eye in eyes:
        one_of("surgery_eyes", eye, EYES)
    if referral_status == "closed":
        raise TransitionRefused(
            "this referral is closed; open a new screening to refer the person again",
            field="referral_id",
        )
    raise_if_any(surgery_eyes_problems(recommendation, eyes))
    return ReviewDecision(recommendation, eyes, urgency)


def status_after_review(current_status: str, recommendation: str) -> tuple[str, str | None]:
    """Referral status (and close reason) after a review; 'no action' ends the referral."""
    if recommendation == "no_action":
        return "closed", NO_ACTION_CLOSE_REASON
    return ("attended" if current_status == "attended" else "reviewed"), None


def check_attendance(
    referral_status: str, attended_at: datetime, referred_at: datetime, today: date | None = None
) -> None:
    """A person can attend an open referral once, not before they were referred, on a day from
    1900 to tomorrow (coded problems ``date_before`` / ``date_range``)."""
    if referral_status == "attended":
        raise TransitionRefused(
            "attendance is already recorded for this referral", field="referral_id"
        )
    if referral_status == "closed":
        raise TransitionRefused(
            "this referral is closed; attendance cannot be recorded", field="referral_id"
        )
    raise_if_any(
        found
        for found in (
            day_problem("attended_at", attended_at.date(), today) if today else None,
            order_problem("attended_at", attended_at, "referral", referred_at),
        )
        if found
    )


def check_surgery(
    *,
    eye: str,
    technique: str,
    operated_on: date,
    referral_status: str,
    attended_on: date | None,
    recommended_eyes: frozenset[str] | None,
    operated_eyes: Collection[str],
    today: date,
) -> None:
    """Surgery needs attendance and a review recommending surgery on this eye, not yet operated.

    A second-eye operation is allowed (each eye needs its own recommendation); operating the
    same eye twice is refused here — a re-operation is recorded as a complication.
    """
    one_of("eye", eye, EYES)
    one_of("technique", technique, TECHNIQUES)
    if recommended_eyes is None:
        raise TransitionRefused(
            "no review of this referral recommends surgery; record a review first",
            field="referral_id",
        )
    if eye not in recommended_eyes:
        raise TransitionRefused(
            f"the review recommends surgery on the {' and '.join(sorted(recommended_eyes))} "
            f"eye, not the {eye} eye",
            field="eye",
        )
    if referral_status != "attended" or attended_on is None:
        raise TransitionRefused(
            "record the person's attendance at the surgical centre before the surgery",
            field="referral_id",
        )
    if eye in operated_eyes:
        raise TransitionRefused(f"the {eye} eye is already recorded as operated", field="eye")
    raise_if_any(
        found
        for found in (
            day_problem("operated_on", operated_on, today),
            order_problem("operated_on", operated_on, "attendance", attended_on),
        )
        if found
    )


def check_follow_up(operated_on: date, examined_on: date, today: date) -> int:
    """A follow-up must be on or after the day of surgery, from 1900 to tomorrow; returns the
    days after surgery."""
    raise_if_any(
        found
        for found in (
            day_problem("examined_on", examined_on, today),
            order_problem("examined_on", examined_on, "surgery", operated_on),
        )
        if found
    )
    return (examined_on - operated_on).days


# -- corrections: which earlier step may be taken back ---------------------------------------


def check_void(*, voided: bool, referral_status: str | None) -> None:
    """A screening may be voided once, and not after the person arrived on its referral
    (the arrival is undone first: an operation may follow an arrival, never a void)."""
    if voided:
        raise TransitionRefused("this screening is already voided", field="screening_id")
    if referral_status == "attended":
        raise TransitionRefused(
            "the person has arrived at the surgical centre on this screening's referral; "
            "the centre undoes the arrival first",
            field="screening_id",
        )


def check_attendance_undo(
    *, recorded_at: datetime, now: datetime, window_days: int, operated: bool
) -> None:
    """An arrival may be undone within the installation's window, and never after surgery."""
    if operated:
        raise TransitionRefused(
            "an operation is recorded on this referral; an arrival with surgery cannot be undone",
            field="attendance_id",
        )
    if now - recorded_at > timedelta(days=window_days):
        raise TransitionRefused(
            f"an arrival can be undone within {window_days} days of recording it; this one "
            f"was recorded on {recorded_at:%Y-%m-%d}",
            field="attendance_id",
        )


def status_after_undone_attendance(reviewed: bool) -> str:
    """A referral whose arrival was undone waits for care again, reviewed or not."""
    return "reviewed" if reviewed else "open"


def check_amendment(*, referral_status: str, close_reason: str | None, latest: bool) -> None:
    """Only the referral's latest review may be amended, while its referral waits for care
    or was closed by that very review ('no action')."""
    if not latest:
        raise TransitionRefused(
            "a later review of this referral supersedes this one; amend the latest review",
            field="review_id",
        )
    if referral_status == "closed" and close_reason != NO_ACTION_CLOSE_REASON:
        raise TransitionRefused(
            f"this referral is closed ({close_reason}); its review cannot be amended",
            field="review_id",
        )


def check_operated_still_recommended(
    recommendation: str, surgery_eyes: Collection[str], operated_eyes: Collection[str]
) -> None:
    """An amended review keeps recommending surgery on the eyes already operated."""
    recommended = set(surgery_eyes) if recommendation == "surgery" else set()
    missing = sorted(set(operated_eyes) - recommended)
    if missing:
        raise TransitionRefused(
            f"the {' and '.join(missing)} eye is already operated on this review's "
            "recommendation; the amended review must still recommend surgery on it",
            field="surgery_eyes",
        )


# The most the words of an "other" reason to decline may hold.
DECLINE_NOTE_LIMIT = 200
# A promise to attend further ahead than this is a mistyped year, not a plan.
PROMISE_DAYS_LIMIT = 366


def check_contact_attempt(
    *,
    referral_status: str,
    outcome: str,
    decline_reason: str | None,
    note: str | None,
    will_attend_on: date | None,
    attempted_on: date,
    referred_on: date,
    today: date,
) -> None:
    """A contact attempt is recorded on a referral still waiting for care, with what its
    outcome needs: a date for "will attend", a reason for "declines" (words for "other")."""
    one_of("outcome", outcome, values(ContactOutcome))
    if referral_status not in OPEN_STATUSES:
        raise TransitionRefused(
            f"this referral is {referral_status}: it is no longer on the follow-up worklist",
            field="referral_id",
        )
    if attempted_on < referred_on:
        raise InvalidInput(
            f"the attempt on {attempted_on} is before the referral on {referred_on}",
            field="attempted_at",
        )
    if attempted_on > today:
        raise InvalidInput(f"the attempt on {attempted_on} is in the future", field="attempted_at")
    _check_promise(outcome, will_attend_on, attempted_on)
    _check_reason(outcome, decline_reason, note)


def _check_promise(outcome: str, will_attend_on: date | None, attempted_on: date) -> None:
    if outcome == ContactOutcome.WILL_ATTEND:
        if will_attend_on is None:
            raise InvalidInput(
                "give the date the person will attend (YYYY-MM-DD)", field="will_attend_on"
            )
        if will_attend_on < attempted_on:
            raise InvalidInput(
                f"the date they will attend ({will_attend_on}) is before the call "
                f"({attempted_on}); give a day from {attempted_on} on",
                field="will_attend_on",
            )
        if (will_attend_on - attempted_on).days > PROMISE_DAYS_LIMIT:
            raise InvalidInput(
                f"the date they will attend ({will_attend_on}) is more than a year after the "
                "call; give a nearer day, or call again nearer the time",
                field="will_attend_on",
            )
    elif will_attend_on is not None:
        raise InvalidInput(
            f"a date to attend was given but the outcome is {outcome!r}; use 'will_attend' "
            "or leave the date empty",
            field="will_attend_on",
        )


def _check_reason(outcome: str, decline_reason: str | None, note: str | None) -> None:
    if outcome == ContactOutcome.DECLINED:
        if decline_reason is None:
            raise InvalidInput(
                f"say why the person declines: one of {', '.join(values(DeclineReason))}",
                field="decline_reason",
            )
        one_of("decline_reason", decline_reason, values(DeclineReason))
        if decline_reason == DeclineReason.OTHER and not (note and note.strip()):
            raise InvalidInput("write the person's reason in a few words", field="note")
    elif decline_reason is not None:
        raise InvalidInput(
            f"a reason to decline was given but the outcome is {outcome!r}; use 'declined' "
            "or leave the reason empty",
            field="decline_reason",
        )
    if note is not None and note.strip():
        if decline_reason != DeclineReason.OTHER:
            raise InvalidInput("words are recorded only with the reason 'other'", field="note")
        if len(note.strip()) > DECLINE_NOTE_LIMIT:
            raise InvalidInput(f"write at most {DECLINE_NOTE_LIMIT} characters", field="note")
